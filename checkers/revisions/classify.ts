/**
 * What the revision check reads from a history: each client operation as a *write* (an ok
 * operation that created a new store revision, with the keys it wrote) or a *read* (an ok
 * operation that reported the store revision it saw, and maybe the mod revision of keys it
 * read), or nothing.
 *
 * The encodings understood (workloads/register and workloads/set write them):
 * - `write` ok `{value: V, rev: R}`: a put of `key` = V at revision R.
 * - `cas` ok swapped `{value: [from, to], rev: R}`: a Txn that put `key` = `to` at revision R.
 * - `cas` ok not swapped `{swapped: false, observed, modRev, rev: H}`: a read-only Txn that saw
 *   header revision H and `key` = observed at mod revision modRev (absent when modRev is 0).
 * - `read` ok `{value: V|null, modRev, rev: H}`: a range of `key` at header revision H; V at
 *   mod revision modRev (absent when 0). A set read (`value` an array) reports only H.
 * - `add` ok `{value: E, rev: R}`: a put of the element E of set `key` at revision R.
 * - `delete` ok `{deleted: N, rev: R}` with N > 0: a delete at revision R (with N = 0 nothing
 *   was deleted and no revision was created).
 * A read whose completion says `serializable: true` may lag: its revision is only
 * an upper bound of what was committed.
 * Everything else (fail, info and pending operations, other functions, operations without a
 * numeric `rev`) is ignored: an `info` write may or may not have happened and has no revision.
 */
import type { CheckOp } from "../linearizable/types.js";

/** A key the read saw, with its value and mod revision. */
export interface Observed {
  key: string;
  value: unknown;
  modRev: number;
}

export type RevOp =
  | { kind: "write"; op: CheckOp; rev: number; keys: string[]; values: unknown[] }
  | {
      kind: "read";
      op: CheckOp;
      rev: number;
      observed: Observed[];
      /** False for a read marked `serializable: true` (it may lag behind). */
      lin: boolean;
    };

const isRev = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x > 0;

/** The element key of a set add: `<set>/<element>`. */
export function elementKey(set: string | undefined, element: unknown): string {
  return `${set ?? ""}/${typeof element === "string" ? element : JSON.stringify(element)}`;
}

export function classify(op: CheckOp): RevOp | undefined {
  if (op.status !== "ok") return undefined;
  const c = op.completion;
  const rev = c?.rev;
  if (!c || !isRev(rev)) return undefined;
  const key = op.key ?? "";
  const lin = c.serializable !== true;
  switch (op.f) {
    case "write":
      return { kind: "write", op, rev, keys: [key], values: [op.input] };
    case "add":
      return { kind: "write", op, rev, keys: [elementKey(op.key, op.input)], values: [op.input] };
    case "delete":
      return typeof c.deleted === "number" && c.deleted > 0
        ? { kind: "write", op, rev, keys: [key], values: [null] }
        : { kind: "read", op, rev, observed: [], lin };
    case "cas": {
      if (c.swapped !== false) {
        const to = Array.isArray(op.input) ? (op.input as unknown[])[1] : undefined;
        return { kind: "write", op, rev, keys: [key], values: [to] };
      }
      const observed: Observed[] =
        isRev(c.modRev) && "observed" in c ? [{ key, value: c.observed, modRev: c.modRev }] : [];
      return { kind: "read", op, rev, observed, lin };
    }
    case "read": {
      const observed: Observed[] =
        isRev(c.modRev) && !Array.isArray(op.output) ? [{ key, value: op.output, modRev: c.modRev }] : [];
      return { kind: "read", op, rev, observed, lin };
    }
    default:
      return undefined;
  }
}
