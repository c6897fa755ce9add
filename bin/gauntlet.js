#!/usr/bin/env node
// The `gauntlet` command. `gauntlet server ...` goes straight to the reference server's own
// entry (impl/server), so a server process loads nothing of the harness; every other command
// goes to the CLI (cli/), the composition root.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
if (!existsSync(dist)) {
  console.error(
    "gauntlet: dist/ is missing: run `npm install` (or `npm run build`) in the gauntlet checkout first",
  );
  process.exit(3);
}
const entry = process.argv[2] === "server" ? "../dist/impl/server/main.js" : "../dist/cli/main.js";
await import(entry);
