/**
 * `kv`: a string per key with get/put/append (Porcupine's key-value model, the EDN
 * samples). Each key starts as the empty string; a get returns the current string (a `null`
 * result reads as the empty string), put replaces it, append concatenates. Checked per key.
 *
 * The state carries a rolling hash so that appends hash in O(1): h(s+t) = h(s)·B^|t| + h(t).
 */
import { rollHash, rollPow } from "../hash.js";
import type { CheckOp, Model, Prepared } from "../types.js";

export interface KvState {
  s: string;
  h: number;
}

const enum Kind {
  Get = 0,
  Put = 1,
  Append = 2,
}

export interface KvInput {
  k: Kind;
  /** put: the new value; append: the suffix. */
  v: string;
  /** rolling hash of v. */
  h: number;
  /** B^|v| (append). */
  pow: number;
}

/** get: the string read (with its hash); others: unused. */
export type KvOutput = KvState;

const EMPTY: KvState = { s: "", h: 0 };

function str(v: unknown, op: CheckOp, what: string): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  throw new Error(`kv: ${what} at index ${op.invokeIndex} must be a string, got ${JSON.stringify(v)}`);
}

const KV: Model<KvState, KvInput, KvOutput> = {
  name: "kv",
  init: () => EMPTY,
  prepare(op: CheckOp): Prepared<KvInput, KvOutput> | null {
    switch (op.f) {
      case "get": {
        if (op.status !== "ok") return null;
        const s = str(op.output, op, "get result");
        return { input: { k: Kind.Get, v: "", h: 0, pow: 1 }, output: { s, h: rollHash(s) } };
      }
      case "put":
      case "append": {
        const v = str(op.input, op, `${op.f} value`);
        return {
          input: { k: op.f === "put" ? Kind.Put : Kind.Append, v, h: rollHash(v), pow: rollPow(v.length) },
          output: EMPTY,
        };
      }
    }
    throw new Error(
      `kv: unknown operation f "${op.f}" at index ${op.invokeIndex} (expected get, put, append)`,
    );
  },
  step(s: KvState, i: KvInput, o: KvOutput): KvState | null {
    switch (i.k) {
      case Kind.Get:
        return s.h === o.h && s.s === o.s ? s : null;
      case Kind.Put:
        return { s: i.v, h: i.h };
      default:
        if (i.v.length === 0) return s;
        return { s: s.s + i.v, h: (Math.imul(s.h, i.pow) + i.h) | 0 };
    }
  },
  readOnly: (i: KvInput) => i.k === Kind.Get,
  blind: (i: KvInput) => i.k === Kind.Put,
  hash: (s: KvState) => s.h,
  equal: (a: KvState, b: KvState) => a === b || (a.h === b.h && a.s === b.s),
  describeOp(op: CheckOp): string {
    const st = op.status === "ok" ? "" : ` (${op.status})`;
    if (op.f === "get") return op.status === "ok" ? `get → ${JSON.stringify(op.output ?? "")}` : `get${st}`;
    return `${op.f}(${JSON.stringify(op.input)})${st}`;
  },
  describeState: (s: KvState) => JSON.stringify(s.s),
};

/** The kv model (one shared instance: its functions are the search's call targets). */
export const kvModel = (): Model<KvState, KvInput, KvOutput> => KV;
