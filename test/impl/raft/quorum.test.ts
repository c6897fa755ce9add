import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { committedIndex, majority, voteResult, VoteResult } from "../../../impl/raft/quorum.js";

describe("quorum (Raft §5.3 commitment, §5.2 elections)", () => {
  it("majority sizes", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it("committed index is the highest index held by a majority", () => {
    const match = new Map([
      [1, 10],
      [2, 7],
      [3, 3],
      [4, 7],
      [5, 1],
    ]);
    expect(committedIndex([1, 2, 3, 4, 5], (id) => match.get(id) ?? 0)).toBe(7);
    expect(committedIndex([1, 3, 5], (id) => match.get(id) ?? 0)).toBe(3);
    expect(committedIndex([1], (id) => match.get(id) ?? 0)).toBe(10);
  });

  it("committed index agrees with a brute-force definition", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 9 }), (matches) => {
        const voters = matches.map((_, i) => i + 1);
        const got = committedIndex(voters, (id) => matches[id - 1]!);
        // The largest x such that at least a majority have match >= x.
        let want = 0;
        for (const x of matches)
          if (matches.filter((m) => m >= x).length >= majority(matches.length)) want = Math.max(want, x);
        expect(got).toBe(want);
      }),
    );
  });

  it("vote results: won, lost, pending", () => {
    const v = (entries: [number, boolean][]) => voteResult([1, 2, 3, 4, 5], new Map(entries));
    expect(v([[1, true]])).toBe(VoteResult.Pending);
    expect(
      v([
        [1, true],
        [2, true],
        [3, true],
      ]),
    ).toBe(VoteResult.Won);
    expect(
      v([
        [1, false],
        [2, false],
        [3, false],
      ]),
    ).toBe(VoteResult.Lost);
    expect(
      v([
        [1, true],
        [2, true],
        [3, false],
        [4, false],
      ]),
    ).toBe(VoteResult.Pending);
    expect(
      v([
        [1, true],
        [2, false],
        [3, false],
        [4, false],
      ]),
    ).toBe(VoteResult.Lost);
    expect(voteResult([], new Map())).toBe(VoteResult.Won);
  });
});
