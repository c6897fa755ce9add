/**
 * `npm run bench:vs-etcd [-- --clients 64 --duration 10 --nodes 3 --rounds 1 --repeat 1 --out DIR]`: the same `put`
 * and linearizable `range` benchmarks against a cluster of the reference server and a cluster
 * of etcd 3.4 on this machine, one after the other, each through `gauntlet bench` (so the
 * commands printed are the ones to re-run by hand), then `gauntlet compare etcd.json
 * reference.json` for each operation. With `--rounds N` each benchmark runs N times on fresh
 * clusters, etcd and reference alternating (order swapped every round), and the rounds are
 * merged into one report per server whose `runs` give compare the spread. Reports land in DIR (default results/vs-etcd/<time>/)
 * with a summary.md saying how they were made and the load at the time; the clusters' data and
 * logs go to results/bench/ (git-ignored), so DIR may be under results/baselines/.
 *
 * When the reference server cannot run a multi-member cluster yet (replication, issue 5), the
 * script says so and runs what it can: etcd with --nodes members, and reference vs etcd with
 * one member each.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mergeReports } from "./report.js";
import type { BenchReport } from "./types.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
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
const rounds = Math.max(1, Number(opt("rounds", "1")) || 1);
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

function bench(server: Bench["server"], n: number, op: Bench["op"], tag: string): Bench {
  const file = join(out, `${op}-${server}-${n}node${tag}.json`);
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
  `${clients} clients, ${duration} s per benchmark${repeat !== "1" ? ` x${repeat} runs` : ""}, ` +
    `${rounds} round(s), ${nodes}-member clusters; reports in ${relative(root, out) || out}`,
);
say(`load at start: ${load()}`);

/** Merges the rounds of one benchmark into one report whose `runs` are the rounds. */
function merge(parts: Bench[], file: string): Bench {
  const ok = parts.filter((p) => p.ok);
  if (ok.length === 0) return { ...parts[0]!, file };
  const reports = ok.map((p) => JSON.parse(readFileSync(p.file, "utf8")) as BenchReport);
  writeFileSync(file, JSON.stringify(mergeReports(reports), null, 1) + "\n");
  say(`\nmerged ${ok.length} round(s) into ${relative(root, file)}`);
  return { ...parts[0]!, file, ok: true };
}

const results: Bench[] = [];
for (const op of ["put", "range"] as const) {
  const etcdRounds: Bench[] = [];
  const refRounds: Bench[] = [];
  let refRefused = false;
  for (let r = 1; r <= rounds; r++) {
    const tag = rounds > 1 ? `-r${r}` : "";
    // Alternate the order each round so a drift in the machine's load hits both alike.
    const order: Bench["server"][] = r % 2 === 1 ? ["etcd", "reference"] : ["reference", "etcd"];
    for (const server of order) {
      if (server === "reference" && refRefused) continue;
      const b = bench(server, nodes, op, tag);
      (server === "etcd" ? etcdRounds : refRounds).push(b);
      if (server === "reference" && !b.ok && /cannot run a \d+-member cluster yet/.test(b.stderr))
        refRefused = true;
    }
  }
  const etcd = rounds > 1 ? merge(etcdRounds, join(out, `${op}-etcd-${nodes}node.json`)) : etcdRounds[0]!;
  results.push(etcd);
  if (!refRefused) {
    const ref = rounds > 1 ? merge(refRounds, join(out, `${op}-reference-${nodes}node.json`)) : refRounds[0]!;
    results.push(ref);
    compare(etcd, ref);
    continue;
  }
  if (nodes > 1) {
    say(
      `\nThe reference server cannot run a ${nodes}-member cluster yet: comparing one-member clusters instead.`,
    );
    const e1 = bench("etcd", 1, op, "");
    const r1 = bench("reference", 1, op, "");
    results.push(e1, r1);
    compare(e1, r1);
  }
}
say(`\nload at end: ${load()}`);
writeFileSync(join(out, "summary.md"), "```\n" + notes.join("\n") + "\n```\n");
console.log(`\nsummary: ${join(out, "summary.md")}`);
process.exit(results.some((r) => r.ok) ? 0 : 3);
