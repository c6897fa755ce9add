/**
 * `npm run bench:vs-etcd [-- --clients 64 --duration 10 --nodes 3 --repeat 1 --out DIR]`: the same `put`
 * and linearizable `range` benchmarks against a cluster of the reference server and a cluster
 * of etcd 3.4 on this machine, one after the other, each through `gauntlet bench` (so the
 * commands printed are the ones to re-run by hand), then `gauntlet compare etcd.json
 * reference.json` for each operation. Reports land in DIR (default results/vs-etcd/<time>/)
 * with a summary.md saying how they were made and the load at the time; the clusters' data and
 * logs go to results/bench/ (git-ignored), so DIR may be under results/baselines/.
 *
 * When the reference server cannot run a multi-member cluster yet (replication, issue 5), the
 * script says so and runs what it can: etcd with --nodes members, and reference vs etcd with
 * one member each.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const gauntlet = join(root, "bin/gauntlet.js");
const argv = process.argv;
const opt = (n: string, d: string): string => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1]! : d;
};
const clients = opt("clients", "64");
const duration = opt("duration", "10");
const nodes = Number(opt("nodes", "3"));
const repeat = opt("repeat", "1");
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const out = resolve(opt("out", join(root, "results", "vs-etcd", stamp)));
mkdirSync(out, { recursive: true });

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
const notes: string[] = [];
const say = (s: string): void => {
  console.log(s);
  notes.push(s);
};

interface Bench {
  server: "reference" | "etcd";
  nodes: number;
  op: "put" | "range";
  file: string;
  ok: boolean;
  stderr: string;
}

function bench(server: Bench["server"], n: number, op: Bench["op"]): Bench {
  const file = join(out, `${op}-${server}-${n}node.json`);
  const args = [
    "bench",
    op,
    "--server",
    server,
    "--nodes",
    String(n),
    "--clients",
    clients,
    "--conns",
    String(n),
    "--duration",
    duration,
    "--results",
    join(root, "results"),
    "--plots",
    "false",
    "--json",
    file,
  ];
  if (op === "range") args.push("--consistency", "l");
  if (repeat !== "1") args.push("--repeat", repeat);
  const cmd = `node bin/gauntlet.js ${args.map((a) => (a.startsWith(root) ? relative(root, a) : a)).join(" ")}`;
  say(`\n$ ${cmd}\n  (load before: ${load()})`);
  const r = spawnSync(process.execPath, [gauntlet, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 180_000,
  });
  const text = (r.stdout ?? "").trim();
  if (text)
    say(
      text
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n"),
    );
  const ok = r.status === 0;
  if (!ok) say(`  FAILED (exit ${r.status}): ${(r.stderr ?? "").trim().split("\n").slice(-6).join("\n  ")}`);
  return { server, nodes: n, op, file, ok, stderr: r.stderr ?? "" };
}

function compare(base: Bench, other: Bench): void {
  if (!base.ok || !other.ok) return;
  const args = ["compare", base.file, other.file, "--plot", "false"];
  say(`\n$ node bin/gauntlet.js compare ${relative(root, base.file)} ${relative(root, other.file)}`);
  const r = spawnSync(process.execPath, [gauntlet, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
  say(
    (r.stdout ?? "")
      .trim()
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n"),
  );
  if (r.status !== 0 && r.status !== 1) say(`  compare failed: ${(r.stderr ?? "").trim()}`);
}

say(`# bench:vs-etcd ${new Date().toISOString()}`);
say(
  `${clients} clients, ${duration} s per benchmark, ${nodes}-member clusters; reports in ${relative(root, out) || out}`,
);
say(`load at start: ${load()}`);

const results: Bench[] = [];
for (const op of ["put", "range"] as const) {
  const etcd = bench("etcd", nodes, op);
  results.push(etcd);
  const ref = bench("reference", nodes, op);
  results.push(ref);
  if (ref.ok) {
    compare(etcd, ref);
    continue;
  }
  if (nodes > 1 && /cannot run a \d+-member cluster yet/.test(ref.stderr)) {
    say(
      `\nThe reference server cannot run a ${nodes}-member cluster yet (replication, issue 5, has not landed): ` +
        `comparing one-member clusters instead.`,
    );
    const e1 = bench("etcd", 1, op);
    const r1 = bench("reference", 1, op);
    results.push(e1, r1);
    compare(e1, r1);
  }
}
say(`\nload at end: ${load()}`);
writeFileSync(join(out, "summary.md"), "```\n" + notes.join("\n") + "\n```\n");
console.log(`\nsummary: ${join(out, "summary.md")}`);
process.exit(results.some((r) => r.ok) ? 0 : 3);
