/**
 * Majority-quorum arithmetic, kept apart from the state machine so it can be tested alone:
 * the index a majority has acknowledged, and the outcome of an election.
 */

export const VoteResult = {
  /** Not enough votes either way yet. */
  Pending: 0,
  Lost: 1,
  Won: 2,
} as const;
export type VoteResult = (typeof VoteResult)[keyof typeof VoteResult];

/**
 * The largest index acknowledged by a majority of `voters`, given each voter's match index
 * (missing = 0). With no voters, returns +Infinity (an empty config commits nothing on its
 * own, and never holds back anyone else's commit; callers treat it as "no constraint").
 * `scratch` is reused to avoid allocating on every call.
 */
export function committedIndex(
  voters: readonly number[],
  matchOf: (id: number) => number,
  scratch: number[] = [],
): number {
  const n = voters.length;
  if (n === 0) return Number.POSITIVE_INFINITY;
  scratch.length = n;
  for (let i = 0; i < n; i++) scratch[i] = matchOf(voters[i]!);
  // Insertion sort: n is tiny (a handful of voters), and this avoids a comparator closure.
  for (let i = 1; i < n; i++) {
    const v = scratch[i]!;
    let j = i - 1;
    while (j >= 0 && scratch[j]! > v) {
      scratch[j + 1] = scratch[j]!;
      j--;
    }
    scratch[j + 1] = v;
  }
  // Ascending order: the element at n - quorum is held by at least `quorum` voters.
  return scratch[n - majority(n)]!;
}

/** The size of a majority of n voters. */
export function majority(n: number): number {
  return (n >> 1) + 1;
}

/** The outcome of an election among `voters`, given the votes received so far. */
export function voteResult(voters: readonly number[], votes: ReadonlyMap<number, boolean>): VoteResult {
  const n = voters.length;
  if (n === 0) return VoteResult.Won;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = majority(n);
  if (granted >= q) return VoteResult.Won;
  if (granted + missing >= q) return VoteResult.Pending;
  return VoteResult.Lost;
}
