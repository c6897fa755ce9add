/** Readers of request fields: enums given as wire numbers or names, int64s as safe integers. */
import { EtcdError } from "./errors.js";
import type { EnumInput } from "./types.js";

function norm(s: string): string {
  return s.replace(/_/g, "").toUpperCase();
}

/**
 * The numeric value of `v` in `values` (a map NAME -> number, names in UPPER_SNAKE), `dflt`
 * when absent; throws `InvalidArgument` (naming `what`) for an unknown value.
 */
export function enumValue(
  v: EnumInput | undefined | null,
  values: Readonly<Record<string, number>>,
  dflt: number,
  what: string,
): number {
  if (v === undefined || v === null || v === "") return dflt;
  if (typeof v === "number") {
    for (const n of Object.values(values)) if (n === v) return v;
  } else if (typeof v === "string") {
    const want = norm(v);
    for (const [name, n] of Object.entries(values)) if (norm(name) === want) return n;
  }
  throw new EtcdError("InvalidArgument", `unknown ${what} ${String(v)}`);
}

/** An int64 request field as a safe integer (absent: 0); numeric strings are accepted. */
export function int(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === "string" && v !== "" ? Number(v) : typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n))
    throw new EtcdError("InvalidArgument", `${what} must be an integer below 2^53, got ${String(v)}`);
  return n;
}
