/**
 * The set checker (Jepsen's `set-full`): clients add unique elements to a set and read the
 * whole set; each element's fate is judged from the reads that began after it was known to be
 * present (its add completed ok, or a read that completed saw it).
 *
 * Per element, in real-time order (the history's `index`, as the linearizability checker):
 * - `ok`: every read that began after it was known saw it;
 * - `lost`: a linearizable read that began after the last moment it was known present (the
 *   add's completion, or the completion of the last read that saw it) missed it — with no
 *   deletes, an acknowledged element must be in every later read; the final reads, after the
 *   faults are healed, make sure a lost element is seen as lost;
 * - `stale`: some read that began after it was known missed it, but a later read saw it;
 * - `never-read`: known, but no read began after it was known (nothing to judge);
 * - `unexpected`: read, but never attempted (no add of it);
 * - `failed-read`: read, although its add failed definitely (the client said it had no effect);
 * - `duplicated`: some read returned it more than once.
 *
 * Invalid on lost, unexpected, failed-read and duplicated, and on stale when the read that
 * missed it was linearizable (a `serializable` read may lag: its misses are reported as
 * stale but allowed, and it never makes an element lost). Elements whose add is `info` or
 * `fail` and that no read saw are counted as unknown.
 *
 * History encoding (workloads/set writes it): add invoke `{f:"add", key: SET, value: E}`, ok
 * `{value: E}`; read invoke `{f:"read", key: SET}`, ok `{value: [E...]}`; a read with
 * `serializable: true` (on its invoke or completion) is not linearizable. Sets (keys) are
 * independent. Pure.
 */
import type { Operation } from "../history/types.js";
import { formatNs } from "../linearizable/explain.js";
import { toCheckOps } from "../linearizable/ops.js";
import type { CheckOp } from "../linearizable/types.js";

export type ElementOutcome =
  "ok" | "lost" | "stale" | "never-read" | "unexpected" | "failed-read" | "duplicated";

export interface OpSummary {
  process: number | string;
  f: string;
  key?: string;
  status: string;
  invokeIndex: number;
  completeIndex: number | null;
  invokeS: number;
  completeS: number | null;
  /** Reads: how many elements it returned; whether it was serializable. */
  size?: number;
  serializable?: boolean;
}

export interface ElementReport {
  set: string;
  element: unknown;
  outcome: ElementOutcome;
  /** The add of the element (absent for unexpected elements). */
  add?: OpSummary;
  /** The read that missed it (lost, stale), or that saw it (unexpected, failed-read, duplicated). */
  read?: OpSummary;
  /** The last read that saw it before it was missed (lost), or the first that saw it afterwards (stale). */
  otherRead?: OpSummary;
  explanation: string;
  /** Seconds since the run started at which the history first held the evidence. */
  evidenceS: number;
}

export interface SetCounts {
  attempted: number;
  acknowledged: number;
  ok: number;
  lost: number;
  stale: number;
  staleAllowed: number;
  neverRead: number;
  unknown: number;
  unexpected: number;
  failedRead: number;
  duplicated: number;
  reads: number;
}

export interface SetCheckResult {
  valid: boolean;
  sets: number;
  counts: SetCounts;
  /** Counterexamples, worst first (lost, unexpected, failed-read, duplicated, stale), at most `maxReports`. */
  failures: ElementReport[];
  summary: string;
}

export interface SetCheckOptions {
  /** Counterexamples kept (default 20). */
  maxReports?: number;
}

interface Read {
  op: CheckOp;
  /** Element (canonical) → times seen. */
  seen: Map<string, number>;
  lin: boolean;
}

const canon = (e: unknown): string => JSON.stringify(e ?? null);
const seconds = (ns: number): number => Math.round((ns / 1e9) * 1e6) / 1e6;

function summary(op: CheckOp, read?: Read): OpSummary {
  return {
    process: op.process,
    f: op.f,
    ...(op.key !== undefined ? { key: op.key } : {}),
    status: op.status,
    invokeIndex: op.invokeIndex,
    completeIndex: op.completeIndex,
    invokeS: seconds(op.call),
    completeS: op.ret === Infinity ? null : seconds(op.ret),
    ...(read ? { size: read.seen.size, serializable: !read.lin } : {}),
  };
}

function describe(op: CheckOp, read?: Read): string {
  const p = typeof op.process === "number" ? `p${op.process}` : String(op.process);
  const what =
    op.f === "add"
      ? `add(${JSON.stringify(op.input)})${op.status === "ok" ? "" : ` (${op.status})`}`
      : `${read && !read.lin ? "serializable " : ""}read → ${read ? read.seen.size : "?"} element(s)`;
  return `${p} ${what} [index ${op.invokeIndex}→${op.completeIndex ?? "…"}, t=${formatNs(op.call)}→${formatNs(op.ret)}]`;
}

const isSerializable = (op: CheckOp): boolean =>
  op.completion?.serializable === true ||
  (op.input !== null &&
    typeof op.input === "object" &&
    (op.input as { serializable?: unknown }).serializable === true);

export function checkSet(history: readonly Operation[], o: SetCheckOptions = {}): SetCheckResult {
  const max = o.maxReports ?? 20;
  const ops = toCheckOps(history);
  const bySet = new Map<string, { adds: CheckOp[]; reads: Read[] }>();
  const setOf = (k: string | undefined) => {
    const name = k ?? "";
    let s = bySet.get(name);
    if (!s) bySet.set(name, (s = { adds: [], reads: [] }));
    return s;
  };
  const serializableInvokes = new Set<number>();
  for (const e of history)
    if (e.type === "invoke" && e.f === "read" && e.serializable === true) serializableInvokes.add(e.index);
  for (const op of ops) {
    if (op.f === "add") setOf(op.key).adds.push(op);
    else if (op.f === "read" && op.status === "ok") {
      if (!Array.isArray(op.output))
        throw new Error(`set read at index ${op.invokeIndex}: value must be an array of elements`);
      const seen = new Map<string, number>();
      for (const e of op.output as unknown[]) seen.set(canon(e), (seen.get(canon(e)) ?? 0) + 1);
      const lin = !(isSerializable(op) || serializableInvokes.has(op.invokeIndex));
      setOf(op.key).reads.push({ op, seen, lin });
    }
  }

  const counts: SetCounts = {
    attempted: 0,
    acknowledged: 0,
    ok: 0,
    lost: 0,
    stale: 0,
    staleAllowed: 0,
    neverRead: 0,
    unknown: 0,
    unexpected: 0,
    failedRead: 0,
    duplicated: 0,
    reads: 0,
  };
  const reports: ElementReport[] = [];
  let invalid = false;

  for (const [set, { adds, reads }] of bySet) {
    counts.reads += reads.length;
    reads.sort((a, b) => a.op.invokeIndex - b.op.invokeIndex);
    const addOf = new Map<string, CheckOp>();
    for (const a of adds) if (!addOf.has(canon(a.input))) addOf.set(canon(a.input), a);
    counts.attempted += addOf.size;

    // First read (by completion) that saw each element; duplicates and unexpected elements.
    const firstSeen = new Map<string, Read>();
    const reported = new Set<string>();
    for (const r of [...reads].sort((a, b) => a.op.completeIndex! - b.op.completeIndex!))
      for (const [e, n] of r.seen) {
        if (!firstSeen.has(e)) firstSeen.set(e, r);
        const add = addOf.get(e);
        const element = JSON.parse(e) as unknown;
        if (n > 1 && !reported.has(`d${e}`)) {
          reported.add(`d${e}`);
          counts.duplicated++;
          invalid = true;
          reports.push({
            set,
            element,
            outcome: "duplicated",
            ...(add ? { add: summary(add) } : {}),
            read: summary(r.op, r),
            explanation: `element ${e} of set ${set}: ${describe(r.op, r)} returned it ${n} times`,
            evidenceS: seconds(r.op.ret),
          });
        }
        if (!add && !reported.has(`u${e}`)) {
          reported.add(`u${e}`);
          counts.unexpected++;
          invalid = true;
          reports.push({
            set,
            element,
            outcome: "unexpected",
            read: summary(r.op, r),
            explanation: `element ${e} of set ${set}: never added, yet ${describe(r.op, r)} returned it`,
            evidenceS: seconds(r.op.ret),
          });
        } else if (add && add.status === "fail" && !reported.has(`f${e}`)) {
          reported.add(`f${e}`);
          counts.failedRead++;
          invalid = true;
          reports.push({
            set,
            element,
            outcome: "failed-read",
            add: summary(add),
            read: summary(r.op, r),
            explanation: `element ${e} of set ${set}: ${describe(add)} failed definitely (no effect), yet ${describe(r.op, r)} returned it`,
            evidenceS: seconds(r.op.ret),
          });
        }
      }

    for (const [e, add] of addOf) {
      if (add.status === "fail") continue;
      const element = JSON.parse(e) as unknown;
      const seenBy = firstSeen.get(e);
      if (add.status === "ok") counts.acknowledged++;
      // Known present from the add's completion, or from the completion of the first read that saw it.
      let known = add.status === "ok" ? add.completeIndex! : Infinity;
      if (seenBy && seenBy.op.completeIndex! < known) known = seenBy.op.completeIndex!;
      if (known === Infinity) {
        counts.unknown++;
        continue;
      }
      // Reads that began after it was known, in invoke order.
      let lo = 0;
      let hi = reads.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (reads[mid]!.op.invokeIndex > known) hi = mid;
        else lo = mid + 1;
      }
      const later = reads.slice(lo);
      if (later.length === 0) {
        counts.neverRead++;
        continue;
      }
      // The last moment it was known present: `known`, or the completion of the last read that saw it.
      let lastPresent: Read | undefined;
      let presentUntil = known;
      for (const r of reads)
        if (r.seen.has(e) && r.op.completeIndex! > presentUntil) {
          presentUntil = r.op.completeIndex!;
          lastPresent = r;
        }
      const lostBy = later.find((r) => r.lin && !r.seen.has(e) && r.op.invokeIndex > presentUntil);
      if (lostBy) {
        counts.lost++;
        invalid = true;
        const before = lastPresent
          ? `; the last read to see it was ${describe(lastPresent.op, lastPresent)}`
          : seenBy && seenBy.op.completeIndex! <= known
            ? `; it was known present from ${describe(seenBy.op, seenBy)}`
            : "";
        reports.push({
          set,
          element,
          outcome: "lost",
          add: summary(add),
          read: summary(lostBy.op, lostBy),
          ...(lastPresent ? { otherRead: summary(lastPresent.op, lastPresent) } : {}),
          explanation:
            `element ${e} of set ${set} was LOST: ${describe(add)}${before}; ` +
            `${describe(lostBy.op, lostBy)} began after that and missed it` +
            `${later.some((r) => r.op.invokeIndex > lostBy.op.invokeIndex && r.seen.has(e)) ? "" : ", and no later read saw it"}`,
          evidenceS: seconds(lostBy.op.ret),
        });
        continue;
      }
      const missedBy = later.filter((r) => !r.seen.has(e));
      if (missedBy.length > 0) {
        const linMiss = missedBy.find((r) => r.lin);
        const miss = linMiss ?? missedBy[0]!;
        const seenAfter = later.find((r) => r.seen.has(e) && r.op.invokeIndex > miss.op.invokeIndex);
        if (linMiss) {
          counts.stale++;
          invalid = true;
        } else counts.staleAllowed++;
        if (linMiss)
          reports.push({
            set,
            element,
            outcome: "stale",
            add: summary(add),
            read: summary(miss.op, miss),
            ...(seenAfter ? { otherRead: summary(seenAfter.op, seenAfter) } : {}),
            explanation:
              `element ${e} of set ${set} was read STALE: ${describe(add)}; ${describe(miss.op, miss)} began after it was known present and missed it` +
              (seenAfter ? `; ${describe(seenAfter.op, seenAfter)} saw it again` : ""),
            evidenceS: seconds(miss.op.ret),
          });
        continue;
      }
      counts.ok++;
    }
  }

  const rank: Record<ElementOutcome, number> = {
    lost: 0,
    unexpected: 1,
    "failed-read": 2,
    duplicated: 3,
    stale: 4,
    ok: 5,
    "never-read": 6,
  };
  reports.sort((a, b) => rank[a.outcome] - rank[b.outcome] || a.evidenceS - b.evidenceS);
  const parts = [
    `${counts.acknowledged} acknowledged`,
    `${counts.ok} ok`,
    `${counts.lost} lost`,
    `${counts.stale} stale`,
    ...(counts.staleAllowed ? [`${counts.staleAllowed} stale (serializable reads, allowed)`] : []),
    `${counts.neverRead} never read`,
    ...(counts.unexpected ? [`${counts.unexpected} unexpected`] : []),
    ...(counts.failedRead ? [`${counts.failedRead} read after a failed add`] : []),
    ...(counts.duplicated ? [`${counts.duplicated} duplicated`] : []),
  ];
  return {
    valid: !invalid,
    sets: bySet.size,
    counts,
    failures: reports.slice(0, max),
    summary: `${invalid ? "set NOT valid" : "set valid"}: ${counts.attempted} elements in ${bySet.size} set(s), ${counts.reads} reads: ${parts.join(", ")}`,
  };
}
