/**
 * Nemesis schedule lag, from a run's history: for every fault op, how late it was invoked
 * after it was due (`invoke.time - invoke.due`, the schedule's own time) and how long it took
 * (completion time - invoke time), per family. Pure over parsed history lines; the CLI entry
 * (nemesis/bench/lag-cli.ts) reads history.jsonl files and prints the table.
 */

/** The fields of a history line this analysis reads. */
export interface NemesisLine {
  process: unknown;
  type: string;
  f: string;
  time: number;
  family?: unknown;
  due?: unknown;
}

export interface FamilyLag {
  family: string;
  ops: number;
  /** Lag of invocations behind their due time, ms. */
  lagMeanMs: number;
  lagMaxMs: number;
  /** Duration of the ops (invoke to completion), ms. */
  durMeanMs: number;
  durMaxMs: number;
  /** The slowest op: its f and duration, ms. */
  slowest: string;
}

/** Families of nemesis ops without a `family` field, by op name (histories from before it). */
function familyOf(l: NemesisLine): string {
  if (typeof l.family === "string") return l.family;
  if (l.f === "compact" || l.f === "defragment") return "admin";
  return /^(?:start|stop)-(.+)$/.exec(l.f)?.[1] ?? l.f;
}

/**
 * Lag and duration per family. An invocation is paired with the next completion of the same
 * family and f (a family runs one op at a time). Ops without a due time (final undo ops) count
 * towards durations, not lag.
 */
export function nemesisLag(lines: readonly NemesisLine[]): FamilyLag[] {
  const open = new Map<string, NemesisLine>();
  const acc = new Map<string, { lags: number[]; durs: { f: string; ms: number }[] }>();
  for (const l of lines) {
    if (l.process !== "nemesis") continue;
    const fam = familyOf(l);
    const a = acc.get(fam) ?? { lags: [], durs: [] };
    acc.set(fam, a);
    if (l.type === "invoke") {
      open.set(`${fam} ${l.f}`, l);
      if (typeof l.due === "number") a.lags.push((l.time - l.due) / 1e6);
      continue;
    }
    const inv = open.get(`${fam} ${l.f}`);
    if (!inv) continue;
    open.delete(`${fam} ${l.f}`);
    a.durs.push({ f: l.f, ms: (l.time - inv.time) / 1e6 });
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
  const max = (xs: number[]) => (xs.length ? Math.max(...xs) : 0);
  return [...acc].map(([family, a]) => {
    const slow = a.durs.reduce<{ f: string; ms: number } | undefined>(
      (b, d) => (b === undefined || d.ms > b.ms ? d : b),
      undefined,
    );
    return {
      family,
      ops: a.durs.length,
      lagMeanMs: mean(a.lags),
      lagMaxMs: max(a.lags),
      durMeanMs: mean(a.durs.map((d) => d.ms)),
      durMaxMs: max(a.durs.map((d) => d.ms)),
      slowest: slow ? slow.f : "-",
    };
  });
}

/** A fixed-width table of {@link nemesisLag}, one line per family plus a total line. */
export function lagTable(rows: readonly FamilyLag[]): string {
  const r = (x: number) => Math.round(x).toString();
  const head = "family      ops  lag mean  lag max   dur mean  dur max  slowest op (ms)";
  const lines = rows.map(
    (x) =>
      `${x.family.padEnd(10)} ${String(x.ops).padStart(4)} ${r(x.lagMeanMs).padStart(9)} ${r(x.lagMaxMs).padStart(8)} ${r(x.durMeanMs).padStart(10)} ${r(x.durMaxMs).padStart(8)}  ${x.slowest}`,
  );
  const all = rows.filter((x) => x.ops > 0);
  const lagMax = Math.max(0, ...all.map((x) => x.lagMaxMs));
  return [head, ...lines, `worst lag behind schedule: ${r(lagMax)} ms`].join("\n");
}
