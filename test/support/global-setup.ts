/**
 * Runs once before the test files: rebuilds dist/ from the sources (esbuild, about a second),
 * so tests that start `bin/gauntlet.js` as a process run the code under test, not a stale build.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "inherit" });
}
