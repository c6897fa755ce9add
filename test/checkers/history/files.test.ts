import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  HistoryError,
  HistoryWriter,
  openHistory,
  openHistoryFile,
  readHistoryFile,
  writeHistoryFile,
  type Operation,
} from "../../../checkers/history/index.js";

const dir = mkdtempSync(join(tmpdir(), "gauntlet-history-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmp = (name = "h.jsonl") => join(dir, `${n++}-${name}`);

/** Well-formed histories: each process invokes then completes; some ops stay open. */
const historyArb = fc
  .array(
    fc.record({
      process: fc.integer({ min: 0, max: 4 }),
      f: fc.constantFrom("read", "write", "cas"),
      key: fc.option(fc.string({ maxLength: 4 }), { nil: undefined }),
      value: fc.oneof(fc.constant(null), fc.integer(), fc.tuple(fc.integer(), fc.integer()), fc.string()),
      type: fc.constantFrom("ok", "fail", "info"),
      rev: fc.option(fc.nat(), { nil: undefined }),
    }),
    { maxLength: 40 },
  )
  .map((steps) => {
    const ops: Operation[] = [];
    const open = new Map<number, Operation>();
    // A worker's process id; after an info the worker continues under a fresh id.
    const pid = [0, 1, 2, 3, 4];
    let time = 0;
    for (const s of steps) {
      time += 17;
      const process = pid[s.process]!;
      const inFlight = open.get(process);
      if (!inFlight) {
        const op: Operation = { index: ops.length, time, process, type: "invoke", f: s.f, value: s.value };
        if (s.key !== undefined) op.key = s.key;
        ops.push(op);
        open.set(process, op);
      } else {
        const op: Operation = {
          index: ops.length,
          time,
          process,
          type: s.type,
          f: inFlight.f,
          value: s.value,
        };
        if (inFlight.key !== undefined) op.key = inFlight.key;
        if (s.rev !== undefined) op.rev = s.rev;
        ops.push(op);
        open.delete(process);
        if (s.type === "info") pid[s.process] = process + 5;
      }
    }
    return ops;
  });

describe("HistoryWriter and the JSONL reader", () => {
  it("round-trip any well-formed history unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, async (ops) => {
        const path = tmp();
        expect(await writeHistoryFile(path, ops)).toBe(ops.length);
        const back = await readHistoryFile(path);
        expect(back.format).toBe("jsonl");
        expect(back.operations).toEqual(ops);
      }),
      { numRuns: 40 },
    );
  });

  it("appends one line per operation, visible in the file before close, and never truncates", () => {
    const path = tmp();
    writeFileSync(path, JSON.stringify({ index: 0, time: 0, process: 0, type: "invoke", f: "read" }) + "\n");
    const w = HistoryWriter.open(path);
    w.write({ index: 1, time: 5, process: 0, type: "ok", f: "read", value: 3 });
    expect(readFileSync(path, "utf8").split("\n")).toHaveLength(3);
    w.sync();
    w.close();
    w.close();
    expect(w.written).toBe(1);
    expect(() => w.write({ index: 2, time: 6, process: 1, type: "invoke", f: "read" })).toThrow(/is closed/);
    expect(readFileSync(path, "utf8")).toBe(
      '{"index":0,"time":0,"process":0,"type":"invoke","f":"read"}\n{"index":1,"time":5,"process":0,"type":"ok","f":"read","value":3}\n',
    );
  });

  it("reads lazily: the first operation arrives before the source is consumed", async () => {
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 100_000; i++) {
        pulled++;
        yield JSON.stringify({ process: i, type: "invoke", f: "read" }) + "\n";
      }
    }
    const { operations } = await openHistory(source());
    const first = await operations.next();
    expect(first.value).toMatchObject({ index: 0, process: 0 });
    expect(pulled).toBeLessThan(5);
    let count = 1;
    for await (const _ of operations) count++;
    expect(count).toBe(100_000);
  });

  it("names a missing file, a directory and a bad line of a file", async () => {
    const missing = join(dir, "nope.jsonl");
    await expect(readHistoryFile(missing)).rejects.toThrow(`${missing}: cannot read it (no such file)`);
    await expect(openHistoryFile(dir)).rejects.toThrow(/is a directory/);
    await expect(readHistoryFile(join(dir, "*.log"))).rejects.toThrow(
      /the shell found nothing matching this pattern/,
    );
    const bad = tmp();
    writeFileSync(bad, '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok","f":"read"\n');
    const err = await readHistoryFile(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HistoryError);
    expect((err as HistoryError).line).toBe(2);
    expect((err as HistoryError).file).toBe(bad);
  });
});

describe("the sample histories (../shared/data/histories)", () => {
  const root = new URL("../../../../shared/data/histories/", import.meta.url).pathname;
  it.each([
    ["jepsen-etcd/etcd_000.log", "jepsen-log", 170],
    ["jepsen-etcd/etcd_101.log", "jepsen-log", 154],
    ["kv/c01-ok.txt", "edn", 116],
    ["kv/c10-bad.txt", "edn", 810],
  ])("%s reads as %s with %i events", async (file, format, count) => {
    const h = await readHistoryFile(join(root, file));
    expect(h.format).toBe(format);
    expect(h.operations).toHaveLength(count);
    expect(h.operations.every((o, i) => o.index === i && o.time === i)).toBe(true);
  });
});
