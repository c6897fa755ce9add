/**
 * The global revision check: what etcd's revision counter promises, checked over the whole
 * history at once (not per key). etcd gives every successful write transaction one new
 * revision, cluster-wide, in commit order, and reports it in the response header; a read
 * reports the revision of the state it saw. So, for a correct store:
 *
 * - `duplicate`: two ok writes never share a revision;
 * - `write-order`: a write invoked after another write completed has a larger revision;
 * - `write-after-read`: a write invoked after a read completed has a revision larger than the
 *   revision that read saw (a read only sees committed state);
 * - `stale-read-revision` (linearizable reads only: not with `linearizableReads: false`, nor for
 *   a read marked `serializable: true`): a read invoked after an operation
 *   completed saw at least that operation's revision;
 * - `read-mismatch`: a read that saw a key at mod revision r agrees with the ok write of
 *   revision r (same key, same value); and r is not beyond the read's own revision.
 *
 * A write acknowledged by a leader that then lost it (an early ack) leaves its revision to be
 * handed out again to another write, which the first two checks catch even when a later write
 * to the same key hides the lost value from a per-key linearizability search.
 *
 * Real-time order is the history's order (`index`), as in the linearizability checker. Only
 * ok operations with a numeric `rev` take part (./classify.ts); `info` writes and failed cas
 * have no revision and constrain nothing. Pure; O(n log n).
 */
import type { Operation } from "../history/types.js";
import { formatNs } from "../linearizable/explain.js";
import { toCheckOps } from "../linearizable/ops.js";
import { classify, type RevOp } from "./classify.js";

export type ViolationKind =
  "duplicate" | "write-order" | "write-after-read" | "stale-read-revision" | "read-mismatch";

export interface Violation {
  kind: ViolationKind;
  /** The earlier (or reference) operation and the one that contradicts it. */
  ops: [OpRef, OpRef];
  explanation: string;
  /** Seconds since the run started at which the history first held the evidence. */
  evidenceS: number;
}

export interface OpRef {
  process: number | string;
  f: string;
  key?: string;
  value: unknown;
  rev: number;
  invokeIndex: number;
  completeIndex: number | null;
  /** Invoke and completion times, s. */
  invokeS: number;
  completeS: number;
}

export interface RevisionOptions {
  /** Reads are linearizable (default true); `false` (serializable reads) skips `stale-read-revision`. */
  linearizableReads?: boolean;
  /** Violations kept in the result (default 20); `counts` has them all. */
  maxViolations?: number;
}

export interface RevisionResult {
  valid: boolean;
  /** Ok writes with a revision, and reads with a revision, that were checked. */
  writes: number;
  reads: number;
  counts: Record<ViolationKind, number>;
  violations: Violation[];
  summary: string;
}

const seconds = (ns: number): number => Math.round((ns / 1e9) * 1e6) / 1e6;

function ref(r: RevOp): OpRef {
  const op = r.op;
  return {
    process: op.process,
    f: op.f,
    ...(op.key !== undefined ? { key: op.key } : {}),
    value: op.status === "ok" && op.f === "read" ? op.output : op.input,
    rev: r.rev,
    invokeIndex: op.invokeIndex,
    completeIndex: op.completeIndex,
    invokeS: seconds(op.call),
    completeS: seconds(op.ret),
  };
}

/** `p3 write(2) on r7 at rev 118 [index 40→43, t=1.200s→1.203s]`. */
export function describeRevOp(r: RevOp): string {
  const op = r.op;
  const p = typeof op.process === "number" ? `p${op.process}` : String(op.process);
  const on = op.key !== undefined ? ` on ${op.key}` : "";
  let what: string;
  if (r.kind === "write") {
    what = `${op.f}(${JSON.stringify(op.input)})${on} at rev ${r.rev}`;
  } else {
    const seen = r.observed.map((o) => ` saw ${JSON.stringify(o.value)} at mod rev ${o.modRev}`).join(",");
    const out = op.f === "read" && Array.isArray(op.output) ? ` → ${op.output.length} element(s)` : "";
    what = `${op.f}${on}${out}${seen}, header rev ${r.rev}`;
  }
  return `${p} ${what} [index ${op.invokeIndex}→${op.completeIndex ?? "…"}, t=${formatNs(op.call)}→${formatNs(op.ret)}]`;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function checkRevisions(history: readonly Operation[], o: RevisionOptions = {}): RevisionResult {
  const linearizableReads = o.linearizableReads ?? true;
  const max = o.maxViolations ?? 20;
  const revOps: RevOp[] = [];
  for (const op of toCheckOps(history)) {
    const r = classify(op);
    if (r) revOps.push(r);
  }
  const counts: Record<ViolationKind, number> = {
    duplicate: 0,
    "write-order": 0,
    "write-after-read": 0,
    "stale-read-revision": 0,
    "read-mismatch": 0,
  };
  const violations: Violation[] = [];
  const report = (kind: ViolationKind, a: RevOp, b: RevOp, why: string): void => {
    counts[kind]++;
    if (violations.length >= max) return;
    violations.push({
      kind,
      ops: [ref(a), ref(b)],
      explanation: `${kind}: ${describeRevOp(a)}\n  and ${describeRevOp(b)}:\n  ${why}`,
      evidenceS: seconds(Math.max(a.op.ret, b.op.ret)),
    });
  };

  // Duplicates and read-mismatch: writes by revision.
  const writes = revOps.filter((r): r is Extract<RevOp, { kind: "write" }> => r.kind === "write");
  const reads = revOps.filter((r): r is Extract<RevOp, { kind: "read" }> => r.kind === "read");
  const byRev = new Map<number, Extract<RevOp, { kind: "write" }>>();
  for (const w of writes) {
    const first = byRev.get(w.rev);
    if (!first) byRev.set(w.rev, w);
    else
      report(
        "duplicate",
        first,
        w,
        `both were acknowledged with revision ${w.rev}, but etcd gives every write transaction its own revision: ` +
          `one of them was acknowledged and then lost (or the revision counter went back)`,
      );
  }
  for (const r of reads)
    for (const seen of r.observed) {
      if (seen.modRev > r.rev) {
        report(
          "read-mismatch",
          r,
          r,
          `it saw ${seen.key} at mod revision ${seen.modRev}, beyond the revision ${r.rev} of the state it read`,
        );
        continue;
      }
      const w = byRev.get(seen.modRev);
      if (!w) continue;
      const i = w.keys.indexOf(seen.key);
      if (i < 0)
        report(
          "read-mismatch",
          w,
          r,
          `revision ${seen.modRev} was acknowledged as a write of ${w.keys.join(", ")}, yet the read saw ${seen.key} last modified at that revision`,
        );
      else if (!same(w.values[i], seen.value))
        report(
          "read-mismatch",
          w,
          r,
          `revision ${seen.modRev} was acknowledged as writing ${JSON.stringify(w.values[i])} to ${seen.key}, yet the read saw ${JSON.stringify(seen.value)} written at that revision`,
        );
    }

  // Real-time order: sweep the invokes and completions in history order, keeping the largest
  // revision of a completed write and of a completed read.
  type Ev = { at: number; done: boolean; r: RevOp };
  const evs: Ev[] = [];
  for (const r of revOps) {
    evs.push({ at: r.op.invokeIndex, done: false, r });
    evs.push({ at: r.op.completeIndex!, done: true, r });
  }
  evs.sort((a, b) => a.at - b.at || Number(a.done) - Number(b.done));
  let lastWrite: RevOp | undefined;
  let lastRead: RevOp | undefined;
  for (const e of evs) {
    const r = e.r;
    if (e.done) {
      if (r.kind === "write") {
        if (!lastWrite || r.rev > lastWrite.rev) lastWrite = r;
      } else if (!lastRead || r.rev > lastRead.rev) lastRead = r;
      continue;
    }
    if (r.kind === "write") {
      if (lastWrite && r.rev < lastWrite.rev)
        report(
          "write-order",
          lastWrite,
          r,
          `the second was invoked after the first completed, yet got the smaller revision (${r.rev} < ${lastWrite.rev}): ` +
            `revisions are handed out in commit order, so the first was acknowledged before it was committed (and lost)`,
        );
      if (lastRead && r.rev <= lastRead.rev)
        report(
          "write-after-read",
          lastRead,
          r,
          `the write was invoked after the read completed, yet got revision ${r.rev} <= ${lastRead.rev}, the revision the read saw: ` +
            `the read saw state that was never committed`,
        );
    } else if (linearizableReads && r.lin) {
      const prev = lastWrite && (!lastRead || lastWrite.rev >= lastRead.rev) ? lastWrite : lastRead;
      if (prev && r.rev < prev.rev)
        report(
          "stale-read-revision",
          prev,
          r,
          `the linearizable read was invoked after the first completed, yet read the state at revision ${r.rev} < ${prev.rev}`,
        );
    }
  }

  const bad = (Object.keys(counts) as ViolationKind[]).filter((k) => counts[k] > 0);
  const total = bad.reduce((n, k) => n + counts[k], 0);
  const summary =
    total === 0
      ? `revisions consistent: ${writes.length} ok writes, ${reads.length} reads`
      : `revisions inconsistent: ${bad.map((k) => `${counts[k]} ${k}`).join(", ")} (${writes.length} ok writes, ${reads.length} reads)`;
  return { valid: total === 0, writes: writes.length, reads: reads.length, counts, violations, summary };
}
