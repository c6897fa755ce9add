/**
 * Partition shapes as grudges (pure): for each member, the members whose packets it drops.
 * Every grudge made here is symmetric (a drops b ⇔ b drops a): one INPUT drop rule already cuts
 * TCP both ways, so an asymmetric grudge would act symmetric anyway, and a symmetric one says
 * plainly what the network looks like.
 *
 * - `isolate`: one member alone, the rest together.
 * - `halves`: a random majority and the minority, cut apart.
 * - `bridge`: two halves that cannot talk, and one member (the bridge) that sees both.
 * - `majorities-ring`: members on a random ring, each sees itself and its nearest neighbours —
 *   a majority — and no two see the same majority (needs ≥ 4 members; 3 cannot do it
 *   symmetrically).
 * - `flaky`: every peer link, with a drop probability (random packet loss).
 */
import type { Grudge } from "../../harness/api/capabilities.js";
import type { Random } from "../../harness/generator/random.js";

export const SHAPES = ["isolate", "leader", "halves", "bridge", "majorities-ring", "flaky"] as const;
export type Shape = (typeof SHAPES)[number];

export const majority = (n: number): number => Math.floor(n / 2) + 1;

export function shuffle<T>(xs: readonly T[], r: Random): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** The symmetric grudge cutting every link between `a` and `b` (groups of members). */
export function complete(groups: readonly (readonly string[])[]): Record<string, string[]> {
  const g: Record<string, string[]> = {};
  for (const [i, side] of groups.entries())
    for (const n of side) {
      const others = groups.filter((_, j) => j !== i).flat();
      if (others.length) g[n] = [...others].sort();
    }
  return g;
}

/** Adds the mirror of every entry and sorts: a drops b ⇔ b drops a. */
export function symmetric(g: Grudge): Record<string, string[]> {
  const out = new Map<string, Set<string>>();
  const add = (a: string, b: string) => {
    if (a === b) return;
    if (!out.has(a)) out.set(a, new Set());
    out.get(a)!.add(b);
  };
  for (const [a, bs] of Object.entries(g))
    for (const b of bs) {
      add(a, b);
      add(b, a);
    }
  return Object.fromEntries(
    [...out].sort(([a], [b]) => a.localeCompare(b)).map(([a, s]) => [a, [...s].sort()]),
  );
}

export function isolate(nodes: readonly string[], target: string): Record<string, string[]> {
  if (!nodes.includes(target)) throw new Error(`isolate: ${target} is not one of ${nodes.join(", ")}`);
  return complete([[target], nodes.filter((n) => n !== target)]);
}

/** A random majority and minority. Returns the grudge and the two sides (majority first). */
export function halves(
  nodes: readonly string[],
  r: Random,
): { grudge: Record<string, string[]>; sides: string[][] } {
  const s = shuffle(nodes, r);
  const m = majority(nodes.length);
  const sides = [s.slice(0, m).sort(), s.slice(m).sort()];
  return { grudge: complete(sides), sides };
}

/** Two halves that cannot reach each other, joined by one bridge member that reaches both. */
export function bridge(
  nodes: readonly string[],
  r: Random,
): { grudge: Record<string, string[]>; bridge: string } {
  if (nodes.length < 3) throw new Error("bridge needs at least 3 members");
  const s = shuffle(nodes, r);
  const b = s[0]!;
  const rest = s.slice(1);
  const k = Math.ceil(rest.length / 2);
  return { grudge: complete([rest.slice(0, k), rest.slice(k)]), bridge: b };
}

/**
 * Members on a random ring; each keeps links to the ⌊n/2⌋ ring neighbours nearest to it (half
 * on each side; for even n the extra one on the clockwise side), cutting the rest. Each then
 * sees a majority (itself + ⌊n/2⌋ others), no two the same.
 */
export function majoritiesRing(nodes: readonly string[], r: Random): Record<string, string[]> {
  const n = nodes.length;
  if (n < 4)
    throw new Error(
      `majorities-ring needs at least 4 members (got ${n}): with 3 no two members can see different majorities`,
    );
  const ring = shuffle(nodes, r);
  const k = Math.floor(n / 2);
  const keep = new Set<string>();
  const key = (a: string, b: string) => (a < b ? `${a} ${b}` : `${b} ${a}`);
  // Links to ring distance ≤ ⌊k/2⌋ both ways, plus distance ⌈k/2⌉ clockwise when k is odd.
  for (let i = 0; i < n; i++) {
    for (let d = 1; d <= Math.floor(k / 2); d++) keep.add(key(ring[i]!, ring[(i + d) % n]!));
  }
  if (k % 2 === 1) {
    // Odd k: one more link each. Even n: link opposite members (exactly k links each). Odd n:
    // n·k is odd, so k-regular is impossible; links up to distance ⌈k/2⌉ both ways (k+1 each).
    const d = Math.ceil(k / 2);
    if (n % 2 === 0) for (let i = 0; i < n / 2; i++) keep.add(key(ring[i]!, ring[i + n / 2]!));
    else for (let i = 0; i < n; i++) keep.add(key(ring[i]!, ring[(i + d) % n]!));
  }
  const g: Record<string, string[]> = {};
  for (const a of nodes) {
    const drop = nodes.filter((b) => b !== a && !keep.has(key(a, b)));
    if (drop.length) g[a] = drop.sort();
  }
  return g;
}

/** Every peer link (for the `flaky` shape: dropped with a probability, not always). */
export function allLinks(nodes: readonly string[]): Record<string, string[]> {
  return complete(nodes.map((n) => [n]));
}

/** Who each member can reach (itself included) under a grudge: for checks and logs. */
export function reachable(nodes: readonly string[], g: Grudge): Record<string, string[]> {
  return Object.fromEntries(
    nodes.map((a) => [a, nodes.filter((b) => a === b || !(g[a]?.includes(b) || g[b]?.includes(a)))]),
  );
}
