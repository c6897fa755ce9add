/**
 * Converts EDN values into the plain JSON-like values an {@link Operation} carries: keywords
 * become strings with their colon (`:timed-out`), vectors/lists/sets arrays, maps objects (keys
 * as strings, keywords without their colon), big integers numbers when exact, else strings.
 */
import { EdnSymbol, Keyword, type EdnValue } from "./edn.js";

export function ednToPlain(v: EdnValue): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Keyword) return `:${v.name}`;
  if (v instanceof EdnSymbol) return v.name;
  if (Array.isArray(v)) return v.map(ednToPlain);
  if (v instanceof Set) return [...v].map(ednToPlain);
  const out: Record<string, unknown> = {};
  for (const [k, val] of v) out[ednKeyName(k)] = ednToPlain(val);
  return out;
}

/** A map key or `:key` value as a string: keywords without their colon. */
export function ednKeyName(k: EdnValue): string {
  if (k instanceof Keyword) return k.name;
  if (typeof k === "string") return k;
  const plain = ednToPlain(k);
  return typeof plain === "string" ? plain : JSON.stringify(plain);
}
