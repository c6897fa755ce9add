/**
 * Where `--html FILE` writes each input's page:
 * - one input: FILE itself;
 * - FILE an existing directory (or ending in `/`): `FILE/<input name>.html` for every input;
 * - several inputs: `<FILE without .html>-<input name>.html` beside FILE, e.g.
 *   `--html report.html a/etcd_000.log b/c01-ok.txt` → `report-etcd_000.html`, `report-c01-ok.html`.
 * `<input name>` is the input's base name without its extension (a run directory's own name);
 * when two inputs share a name, later ones get `-2`, `-3`, ...
 */
import { basename, dirname, extname, join } from "node:path";

export class HtmlPaths {
  private readonly used = new Set<string>();
  constructor(
    private readonly target: string,
    private readonly inputs: number,
    private readonly targetIsDir: boolean,
  ) {}

  pathFor(inputLabel: string): string {
    if (this.inputs === 1 && !this.targetIsDir) return this.target;
    const name = basename(inputLabel.replace(/[/\\]+$/, ""), extname(inputLabel)) || "history";
    let base: string;
    if (this.targetIsDir) base = join(this.target, name);
    else {
      const stem = basename(this.target, extname(this.target));
      base = join(dirname(this.target), `${stem}-${name}`);
    }
    let path = `${base}.html`;
    for (let n = 2; this.used.has(path); n++) path = `${base}-${n}.html`;
    this.used.add(path);
    return path;
  }
}
