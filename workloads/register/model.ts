/**
 * The revision-aware register model for etcd (`etcd-register`): a compare-and-set register
 * that also tracks what etcd reports beyond the value — the key's mod revision and version.
 *
 * State: `{ v, mod, ver }`: the value (canonical form, `"null"` when absent), the revision of
 * the last write (`-1` when that write's revision is unknown, i.e. it was an `info`), and the
 * number of writes since creation (etcd's `version`; the workload never deletes).
 *
 * History encoding (workloads/register/client.ts writes it):
 * - read:  invoke `{f:"read"}`; ok `{value: V|null, modRev, version, rev}` (modRev/version 0 when absent).
 * - write: invoke `{f:"write", value: V}`; ok `{value: V, rev: R}` — R, the response's header
 *   revision, is the write's mod revision.
 * - cas:   invoke `{f:"cas", value: [from, to]}`; ok swapped `{value:[from,to], rev: R}`;
 *   ok not swapped `{value:[from,to], swapped: false, observed: V|null, modRev, version}`.
 *
 * What it checks beyond the plain cas register: a read's version equals the number of writes
 * linearized before it, and its mod revision equals the revision of the last of them (when
 * known); each write's revision is larger than the previous write's. Reads or not-swapped cas
 * without `modRev`/`version` (older histories) are checked on the value only.
 */
import { canon, describeCanon, type Canon } from "../../checkers/linearizable/models/register.js";
import type { CheckOp, Model, Prepared } from "../../checkers/linearizable/types.js";

export interface RevState {
  v: Canon;
  /** Mod revision of the last write; -1 unknown; 0 never written. */
  mod: number;
  /** Writes since creation. */
  ver: number;
}

const ABSENT: Canon = "null";

const enum K {
  Read,
  Write,
  Cas,
}

export interface RevInput {
  k: K;
  v: Canon;
  from: Canon;
}

/** `cas`: 0 swapped, 1 not swapped, 2 unknown (info). `rev`/`mod`/`ver` -1 = not reported. */
export interface RevOutput {
  v: Canon;
  cas: 0 | 1 | 2;
  observed: Canon | undefined;
  rev: number;
  mod: number;
  ver: number;
}

const ANY: RevOutput = { v: ABSENT, cas: 2, observed: undefined, rev: -1, mod: -1, ver: -1 };

function num(x: unknown): number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0 ? x : -1;
}

/** A read (or the observation of a not-swapped cas) agrees with the state; returns the state, refined. */
function observe(s: RevState, v: Canon, mod: number, ver: number): RevState | null {
  if (s.v !== v) return null;
  if (ver >= 0 && s.ver !== ver) return null;
  if (mod >= 0) {
    if (s.mod >= 0) return s.mod === mod ? s : null;
    return { v: s.v, mod, ver: s.ver }; // learn the revision of an earlier info write
  }
  return s;
}

function write(s: RevState, v: Canon, rev: number): RevState | null {
  if (rev >= 0 && s.mod >= 0 && rev <= s.mod) return null; // revisions only grow
  return { v, mod: rev, ver: s.ver + 1 };
}

function describeState(s: RevState): string {
  if (s.ver === 0) return "absent (nil)";
  return `${describeCanon(s.v)} (mod ${s.mod < 0 ? "?" : s.mod}, version ${s.ver})`;
}

export function etcdRegisterModel(): Model<RevState, RevInput, RevOutput> {
  return {
    name: "etcd-register",
    init: () => ({ v: ABSENT, mod: 0, ver: 0 }),
    prepare(op: CheckOp): Prepared<RevInput, RevOutput> | null {
      const ok = op.status === "ok";
      const c = op.completion;
      switch (op.f) {
        case "read":
          if (!ok) return null;
          return {
            input: { k: K.Read, v: ABSENT, from: ABSENT },
            output: { ...ANY, v: canon(op.output ?? null), mod: num(c?.modRev), ver: num(c?.version) },
          };
        case "write":
          return {
            input: { k: K.Write, v: canon(op.input), from: ABSENT },
            output: ok ? { ...ANY, cas: 0, rev: num(c?.rev) } : ANY,
          };
        case "cas": {
          const v = op.input;
          if (!Array.isArray(v) || v.length !== 2)
            throw new Error(
              `cas at index ${op.invokeIndex}: value must be [expected, new], got ${JSON.stringify(v)}`,
            );
          const input: RevInput = { k: K.Cas, v: canon(v[1]), from: canon(v[0]) };
          if (!ok) return { input, output: ANY };
          if (c && c.swapped === false)
            return {
              input,
              output: {
                ...ANY,
                cas: 1,
                observed: "observed" in c ? canon(c.observed) : undefined,
                mod: num(c.modRev),
                ver: num(c.version),
              },
            };
          return { input, output: { ...ANY, cas: 0, rev: num(c?.rev) } };
        }
      }
      throw new Error(
        `etcd-register: unknown operation f "${op.f}" at index ${op.invokeIndex} (expected read, write, cas)`,
      );
    },
    step(s: RevState, i: RevInput, o: RevOutput): RevState | null {
      switch (i.k) {
        case K.Read:
          return observe(s, o.v, o.mod, o.ver);
        case K.Write:
          return write(s, i.v, o.cas === 0 ? o.rev : -1);
        default:
          if (o.cas === 0) return s.v === i.from ? write(s, i.v, o.rev) : null;
          if (o.cas === 1) {
            if (s.v === i.from) return null;
            return o.observed === undefined ? s : observe(s, o.observed, o.mod, o.ver);
          }
          return s.v === i.from ? write(s, i.v, -1) : s;
      }
    },
    hash(s: RevState): number {
      let h = typeof s.v === "number" ? s.v | 0 : 0;
      if (typeof s.v === "string")
        for (let i = 0; i < s.v.length; i++) h = Math.imul(h ^ s.v.charCodeAt(i), 0x01000193);
      h = Math.imul(h ^ s.mod, 0x85ebca6b);
      h = Math.imul(h ^ s.ver, 0xc2b2ae35);
      return (h ^ (h >>> 15)) | 0;
    },
    equal: (a: RevState, b: RevState) => a.v === b.v && a.mod === b.mod && a.ver === b.ver,
    describeOp(op: CheckOp): string {
      const c = op.completion;
      const st = op.status === "ok" ? "" : ` (${op.status})`;
      switch (op.f) {
        case "read":
          return op.status === "ok"
            ? `read → ${describeCanon(canon(op.output ?? null))} (mod ${String(c?.modRev ?? "?")}, version ${String(c?.version ?? "?")})`
            : `read${st}`;
        case "write":
          return `write(${describeCanon(canon(op.input))})${op.status === "ok" ? ` at rev ${String(c?.rev ?? "?")}` : st}`;
        case "cas": {
          const v = Array.isArray(op.input) ? op.input : [null, null];
          const base = `cas(${describeCanon(canon(v[0]))}→${describeCanon(canon(v[1]))})`;
          if (op.status !== "ok") return base + st;
          if (c?.swapped === false)
            return `${base} not swapped${"observed" in c ? `, saw ${describeCanon(canon(c.observed))}` : ""}`;
          return `${base} swapped at rev ${String(c?.rev ?? "?")}`;
        }
      }
      return `${op.f}(${JSON.stringify(op.input)})${st}`;
    },
    describeState,
  };
}
