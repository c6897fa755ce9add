// Transpiles every TypeScript source file to dist/ with esbuild (one file in, one file out, no
// bundling), so that `gauntlet` starts from plain JavaScript. Type checking is separate:
// `npm run typecheck`. Runs on `npm install` (prepare) and before every script that needs dist/.
import { build } from "esbuild";
import { readdirSync, statSync, rmSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const sourceFolders = ["impl", "harness", "workloads", "nemesis", "checkers", "bench", "cli", "fuzz"];

function tsFiles(dir, endings = [".ts"]) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path, endings));
    else if (endings.some((e) => name.endsWith(e)) && !name.endsWith(".d.ts") && !name.endsWith(".test.ts"))
      out.push(path);
  }
  return out;
}

const entryPoints = sourceFolders.flatMap((f) => tsFiles(join(root, f)));
const started = performance.now();
await build({
  entryPoints,
  outdir: join(root, "dist"),
  outbase: root,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  bundle: false,
  logLevel: "warning",
});
// Remove outputs whose source is gone (dist/ is overwritten in place, never wiped first, so a
// build while another process runs from dist/ does not pull files from under it).
const expected = new Set(entryPoints.map((f) => relative(root, f).replace(/\.ts$/, "")));
for (const file of tsFiles(join(root, "dist"), [".js", ".js.map"])) {
  const stem = relative(join(root, "dist"), file).replace(/\.js(\.map)?$/, "");
  if (!expected.has(stem)) rmSync(file);
}
if (process.env.GAUNTLET_BUILD_VERBOSE)
  console.log(
    `built ${entryPoints.length} files in ${(performance.now() - started).toFixed(0)} ms -> ${relative(process.cwd(), join(root, "dist"))}`,
  );
