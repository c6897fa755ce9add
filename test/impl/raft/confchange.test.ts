import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  applyToConfState,
  ConfChangeType,
  decodeConfChange,
  encodeConfChange,
} from "../../../impl/raft/confchange.js";

describe("conf changes (§6, one server at a time)", () => {
  it("encode/decode round-trips", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.constantFrom(0, 1, 2),
        fc.uint8Array({ maxLength: 20 }),
        (id, t, ctx) => {
          const cc = { type: t as ConfChangeType, nodeId: id, context: ctx };
          const back = decodeConfChange(encodeConfChange(cc));
          expect(back.type).toBe(t);
          expect(back.nodeId).toBe(id);
          expect(Array.from(back.context ?? [])).toEqual(Array.from(ctx));
        },
      ),
    );
    expect(() => decodeConfChange(new Uint8Array([9]))).toThrow(/malformed/);
  });

  it("add, add learner, promote, remove; no direct demotion", () => {
    let cs = { voters: [1, 2, 3], learners: [] as number[] };
    const step = (type: ConfChangeType, nodeId: number) => {
      const r = applyToConfState(cs, { type, nodeId });
      if (typeof r === "string") return r;
      cs = { voters: [...r.voters], learners: [...r.learners] };
      return cs;
    };
    expect(step(ConfChangeType.AddLearner, 4)).toEqual({ voters: [1, 2, 3], learners: [4] });
    expect(step(ConfChangeType.AddNode, 4)).toEqual({ voters: [1, 2, 3, 4], learners: [] });
    expect(step(ConfChangeType.AddLearner, 2)).toMatch(/cannot demote/);
    expect(step(ConfChangeType.RemoveNode, 1)).toEqual({ voters: [2, 3, 4], learners: [] });
    expect(step(ConfChangeType.RemoveNode, 9)).toEqual({ voters: [2, 3, 4], learners: [] });
    expect(step(ConfChangeType.AddNode, 0)).toMatch(/invalid node id/);
  });
});
