/** The peer transport's Raft message codec: every message round-trips exactly; bad input is refused. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeMessage, encodeMessage } from "../../../impl/server/cluster/codec.js";
import type { Entry, Message, MessageType } from "../../../impl/raft/index.js";

const id = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const small = fc.integer({ min: 0, max: 2 ** 40 });
const bytes = fc.uint8Array({ maxLength: 64 });
const entry: fc.Arbitrary<Entry> = fc.record({
  term: small,
  index: small,
  type: fc.constantFrom(0, 1, 2) as fc.Arbitrary<Entry["type"]>,
  data: bytes,
});
const message: fc.Arbitrary<Message> = fc.record({
  type: fc.integer({ min: 0, max: 18 }) as fc.Arbitrary<MessageType>,
  to: id,
  from: id,
  term: small,
  logTerm: small,
  index: small,
  entries: fc.array(entry, { maxLength: 5 }),
  commit: small,
  reject: fc.boolean(),
  rejectHint: small,
  context: fc.option(bytes, { nil: undefined }),
  snapshot: fc.option(
    fc.record({
      metadata: fc.record({
        index: small,
        term: small,
        confState: fc.record({
          voters: fc.array(id, { maxLength: 7 }),
          learners: fc.array(id, { maxLength: 3 }),
        }),
      }),
      data: fc.uint8Array({ maxLength: 300 }),
    }),
    { nil: undefined },
  ),
});

describe("cluster codec", () => {
  it("round-trips every message", () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
    );
  });

  it("refuses truncated, extended and unknown-type buffers", () => {
    fc.assert(
      fc.property(message, fc.nat(), (m, cut) => {
        const b = encodeMessage(m);
        const n = cut % b.length;
        expect(() => decodeMessage(b.subarray(0, n))).toThrow(/codec/);
        expect(() => decodeMessage(Buffer.concat([b, Buffer.from([0])]))).toThrow(/codec/);
      }),
    );
    const b = encodeMessage({
      type: 3,
      to: 1,
      from: 2,
      term: 1,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
      context: undefined,
      snapshot: undefined,
    });
    b[0] = 99;
    expect(() => decodeMessage(b)).toThrow(/unknown message type/);
  });
});
