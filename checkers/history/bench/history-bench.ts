/**
 * `npm run bench:history [-- OPS]`: writes a generated register history of OPS operations
 * (default 1,000,000 events) with {@link HistoryWriter}, then streams it back with the JSONL
 * reader (counting, not keeping, the operations), and prints the rates and the peak heap,
 * beside the machine's load. The file goes to the system's temp directory and is removed.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { HistoryWriter, openHistoryFile, type Operation } from "../index.js";

const events = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), "gauntlet-history-bench-"));
const path = join(dir, "history.jsonl");
try {
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const t0 = performance.now();
  const w = HistoryWriter.open(path);
  const procs = 50;
  const open: (Operation | undefined)[] = new Array(procs);
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < events; i++) {
    const p = rand(procs);
    const inv = open[p];
    const key = `k${rand(1000)}`;
    if (!inv) {
      const f = rand(2) ? "read" : "write";
      const op: Operation = {
        index: i,
        time: i * 1000,
        process: p,
        type: "invoke",
        f,
        key,
        value: f === "write" ? rand(10) : null,
      };
      open[p] = op;
      w.write(op);
    } else {
      w.write({
        index: i,
        time: i * 1000,
        process: p,
        type: "ok",
        f: inv.f,
        key: inv.key,
        value: inv.value ?? rand(10),
      });
      open[p] = undefined;
    }
    if ((i & 0xffff) === 0) sample();
  }
  w.close();
  const writeMs = performance.now() - t0;
  const bytes = statSync(path).size;

  peak = 0;
  const t1 = performance.now();
  const { operations } = await openHistoryFile(path);
  let n = 0;
  for await (const _ of operations) {
    if ((++n & 0xffff) === 0) sample();
  }
  const readMs = performance.now() - t1;
  const rate = (ms: number): string => `${((events / ms) * 1000).toFixed(0)} ops/s`;
  console.log(`history of ${events} events, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  console.log(
    `write (HistoryWriter, one writeSync per op, fsync on close): ${writeMs.toFixed(0)} ms, ${rate(writeMs)}`,
  );
  console.log(
    `read (streaming JSONL reader + validation): ${readMs.toFixed(0)} ms, ${rate(readMs)}, ${n} ops, peak heap ${(peak / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(
    `load average: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
