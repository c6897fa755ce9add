/**
 * Single-register models: `register` (read/write) and `cas-register` (read/write/cas). The
 * register starts absent; a read of an absent register returns `null` (Jepsen's `nil`).
 *
 * Values are compared as JSON values. Internally a value is kept in a canonical form that
 * `===` can compare: integers as numbers, anything else as its JSON text (`null` is
 * `"null"`), so the state is never `null` (null means "illegal" to the checker).
 *
 * cas encoding: see ../types.ts. An `ok` cas with `swapped: false` did not swap and must be
 * placed where the register did not hold `expected` (or held exactly `observed`, if given).
 */
import { hashString } from "../hash.js";
import type { CheckOp, Model, Prepared } from "../types.js";

/** Canonical form of a register value. */
export type Canon = number | string;

const enum Kind {
  Read = 0,
  Write = 1,
  Cas = 2,
}

/** What a cas completion says. */
const enum CasOut {
  Swapped = 0,
  NotSwapped = 1,
  Any = 2,
}

export interface RegisterInput {
  k: Kind;
  /** Written value (write), or new value (cas). */
  v: Canon;
  /** Expected value (cas). */
  from: Canon;
}

/** Read: the canonical value read; cas: a CasOut, plus `observed` when given. */
export interface RegisterOutput {
  v: Canon;
  cas: CasOut;
  observed: Canon | undefined;
}

export const ABSENT: Canon = "null";

export function canon(v: unknown): Canon {
  if (typeof v === "number" && Number.isInteger(v)) return v === 0 ? 0 : v;
  const s = JSON.stringify(v === undefined ? null : v);
  if (s === undefined) throw new Error(`value ${String(v)} is not JSON`);
  return s;
}

export function describeCanon(c: Canon): string {
  if (typeof c === "number") return String(c);
  return c === ABSENT ? "nil" : c;
}

function casValue(op: CheckOp): [unknown, unknown] {
  const v = op.input;
  if (!Array.isArray(v) || v.length !== 2)
    throw new Error(
      `cas at index ${op.invokeIndex}: value must be [expected, new], got ${JSON.stringify(v)}`,
    );
  return [v[0], v[1]];
}

const NO_OUT: RegisterOutput = { v: ABSENT, cas: CasOut.Any, observed: undefined };

/** The register's step, shared by both models (one call target for the search). */
function registerStep(s: Canon, i: RegisterInput, o: RegisterOutput): Canon | null {
  switch (i.k) {
    case Kind.Read:
      return s === o.v ? s : null;
    case Kind.Write:
      return i.v;
    default:
      switch (o.cas) {
        case CasOut.Swapped:
          return s === i.from ? i.v : null;
        case CasOut.NotSwapped:
          if (s === i.from) return null;
          return o.observed === undefined || o.observed === s ? s : null;
        default:
          return s === i.from ? i.v : s;
      }
  }
}

function registerReadOnly(i: RegisterInput, o: RegisterOutput): boolean {
  return i.k === Kind.Read || (i.k === Kind.Cas && o.cas === CasOut.NotSwapped);
}

function registerBlind(i: RegisterInput): boolean {
  return i.k === Kind.Write;
}

function registerHash(s: Canon): number {
  // identity for numbers (the search mixes in random Zobrist words); the common absent
  // state without hashing its text
  if (typeof s === "number") return s & 0x3fffffff;
  return s === ABSENT ? 0x2c1b3c6d : hashString(s);
}

function registerEqual(a: Canon, b: Canon): boolean {
  return a === b;
}

function makeRegister(
  name: "register" | "cas-register",
  withCas: boolean,
): Model<Canon, RegisterInput, RegisterOutput> {
  return {
    name,
    init: () => ABSENT,
    prepare(op: CheckOp): Prepared<RegisterInput, RegisterOutput> | null {
      const ok = op.status === "ok";
      switch (op.f) {
        case "read":
          if (!ok) return null; // an unfinished read constrains nothing
          return {
            input: { k: Kind.Read, v: ABSENT, from: ABSENT },
            output: { v: canon(op.output), cas: CasOut.Any, observed: undefined },
          };
        case "write":
          return { input: { k: Kind.Write, v: canon(op.input), from: ABSENT }, output: NO_OUT };
        case "cas": {
          if (!withCas) break;
          const [from, to] = casValue(op);
          const input: RegisterInput = { k: Kind.Cas, v: canon(to), from: canon(from) };
          if (!ok) return { input, output: NO_OUT };
          const c = op.completion;
          if (c && c.swapped === false) {
            const observed = "observed" in c ? canon(c.observed) : undefined;
            return { input, output: { v: ABSENT, cas: CasOut.NotSwapped, observed } };
          }
          return { input, output: { v: ABSENT, cas: CasOut.Swapped, observed: undefined } };
        }
      }
      throw new Error(
        `${name}: unknown operation f "${op.f}" at index ${op.invokeIndex} (expected read, write${withCas ? ", cas" : ""})`,
      );
    },
    step: registerStep,
    readOnly: registerReadOnly,
    blind: registerBlind,
    hash: registerHash,
    equal: registerEqual,
    describeOp(op: CheckOp): string {
      const st = op.status === "ok" ? "" : ` (${op.status})`;
      switch (op.f) {
        case "read":
          return op.status === "ok" ? `read → ${describeCanon(canon(op.output))}` : `read${st}`;
        case "write":
          return `write(${describeCanon(canon(op.input))})${st}`;
        case "cas": {
          const v = Array.isArray(op.input) ? op.input : [undefined, undefined];
          const base = `cas(${describeCanon(canon(v[0]))}→${describeCanon(canon(v[1]))})`;
          if (op.status !== "ok") return base + st;
          const c = op.completion;
          if (c && c.swapped === false)
            return (
              `${base} not swapped` + ("observed" in c ? `, saw ${describeCanon(canon(c.observed))}` : "")
            );
          return `${base} swapped`;
        }
      }
      return `${op.f}(${JSON.stringify(op.input)})${st}`;
    },
    describeState: (s: Canon) => (s === ABSENT ? "absent (nil)" : describeCanon(s)),
  };
}

const RW_REGISTER = makeRegister("register", false);
const CAS_REGISTER = makeRegister("cas-register", true);

/** A read/write register. */
export const rwRegisterModel = (): Model<Canon, RegisterInput, RegisterOutput> => RW_REGISTER;

/** A read/write/compare-and-set register. */
export const casRegisterModel = (): Model<Canon, RegisterInput, RegisterOutput> => CAS_REGISTER;
