/** Versions stored in test.json: Gauntlet's own (package.json) — Node's is `process.version`. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function gauntletVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, "package.json");
    if (existsSync(p)) {
      try {
        const pkg = JSON.parse(readFileSync(p, "utf8")) as { name?: string; version?: string };
        if (pkg.name === "gauntlet") return pkg.version ?? "unknown";
      } catch {
        /* keep looking */
      }
    }
    dir = dirname(dir);
  }
  return "unknown";
}
