/**
 * The apply loop's contract (the seam replication plugs into): entries are applied exactly once,
 * in log order, after the log says they are durable; proposals of one event-loop turn reach the
 * log together; a proposal the log refuses is never applied; a request error is the caller's
 * error and stops nothing else.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ApplyLoop, type Log } from "../../../impl/server/apply-loop.js";
import type { Command } from "../../../impl/server/commands.js";
import { EtcdError } from "../../../impl/mvcc/index.js";

/** A log that makes entries durable in index order after random delays, in batches. */
class FakeLog implements Log {
  last = 0;
  batches: number[] = [];
  private turn = 0;
  constructor(
    private readonly delays: number[],
    private readonly refuse: Set<number> = new Set(),
  ) {}
  private chain: Promise<unknown> = Promise.resolve();
  private inTurn = 0;
  append(_data: Uint8Array): Promise<number> {
    if (this.inTurn === 0) setImmediate(() => (this.batches.push(this.inTurn), (this.inTurn = 0)));
    this.inTurn++;
    const n = this.turn++;
    const p = this.chain.then(
      () =>
        new Promise<number>((resolve, reject) =>
          setTimeout(
            () => {
              if (this.refuse.has(n)) reject(new Error(`no space for proposal ${n}`));
              else resolve(++this.last);
            },
            this.delays[n % this.delays.length],
          ),
        ),
    );
    this.chain = p.catch(() => {});
    return p;
  }
}

const put = (i: number): Command => ({
  kind: "put",
  request: { key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) },
});

describe("ApplyLoop", () => {
  it("applies every durable entry once, in index order, and answers each proposal with its own result", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.nat(29), { maxLength: 4 }),
        async (delays, n, refusedList) => {
          const refused = new Set(refusedList.filter((r) => r < n));
          const log = new FakeLog(delays, refused);
          const applied: { index: number; key: string }[] = [];
          const loop = new ApplyLoop(
            log,
            (index, cmd) => {
              const key = String((cmd.request as { key: Buffer }).key);
              applied.push({ index, key });
              if (key === "k3") throw new EtcdError("LeaseNotFound");
              return `result of ${key} at ${index}`;
            },
            0,
          );
          const outcomes = await Promise.allSettled(
            Array.from({ length: n }, (_, i) => loop.propose(put(i), false)),
          );
          // In log order, no gaps, each once.
          expect(applied.map((a) => a.index)).toEqual(applied.map((_, i) => i + 1));
          expect(loop.appliedIndex).toBe(n - refused.size);
          // Refused proposals were never applied, the others were, in proposal order.
          expect(applied.map((a) => a.key)).toEqual(
            Array.from({ length: n }, (_, i) => i)
              .filter((i) => !refused.has(i))
              .map((i) => `k${i}`),
          );
          outcomes.forEach((o, i) => {
            if (refused.has(i)) expect(o.status).toBe("rejected");
            else if (i === 3) expect(o).toMatchObject({ status: "rejected", reason: expect.any(EtcdError) });
            else
              expect(o).toMatchObject({
                status: "fulfilled",
                value: expect.stringMatching(new RegExp(`^result of k${i} at \\d+$`)),
              });
          });
        },
      ),
      { numRuns: 30 },
    );
  });

  it("hands the proposals of one event-loop turn to the log together", async () => {
    const log = new FakeLog([0]);
    const loop = new ApplyLoop(log, () => undefined, 0);
    await Promise.all(Array.from({ length: 10 }, (_, i) => loop.propose(put(i), false)));
    await new Promise((r) => setImmediate(r));
    expect(log.batches[0]).toBe(10);
  });

  it("replays recovered entries in order and refuses a gap", () => {
    const applied: number[] = [];
    const loop = new ApplyLoop(new FakeLog([0]), (index) => applied.push(index), 5);
    loop.replay(6, put(6));
    loop.replay(7, put(7));
    expect(applied).toEqual([6, 7]);
    expect(() => loop.replay(9, put(9))).toThrow(/gap/);
  });
});
