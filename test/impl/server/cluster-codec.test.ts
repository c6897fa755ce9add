/**
 * The peer transport's Raft message codec: every message the core can send round-trips exactly;
 * anything else — random bytes, a number that is not an unsigned safe integer, a local or
 * unknown type, a count the buffer cannot hold, a MsgApp out of shape — is refused with a
 * PeerDecodeError and never reaches the core.
 *
 *   GAUNTLET_FC_SEED=123 npx vitest run test/impl/server/cluster-codec.test.ts   (replay a seed)
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PeerDecodeError, decodeMessage, encodeMessage } from "../../../impl/server/cluster/codec.js";
import { MessageType, type Entry, type Message } from "../../../impl/raft/index.js";
import { bareMessage } from "./peer-messages.js";

const seed = Number(process.env.GAUNTLET_FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`cluster-codec: fast-check seed ${seed} (GAUNTLET_FC_SEED=${seed} to replay)`);
const params = { seed };

const networkTypes = [2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 18] as const;
const localTypes = [0, 1, 10, 11, 12];
const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const small = fc.integer({ min: 0, max: 2 ** 40 });
const bytes = fc.uint8Array({ maxLength: 64 });
const entry: fc.Arbitrary<Entry> = fc.record({
  term: small,
  index: small,
  type: fc.constantFrom(0, 1, 2) as fc.Arbitrary<Entry["type"]>,
  data: bytes,
});
const snapshot = fc.record({
  metadata: fc.record({
    index: small,
    term: small,
    confState: fc.record({
      voters: fc.array(id, { maxLength: 7 }),
      learners: fc.array(id, { maxLength: 3 }),
    }),
  }),
  data: fc.uint8Array({ maxLength: 300 }),
});

/** A message as the core sends it: a MsgApp's entries follow its index, terms in [logTerm, term]. */
const message: fc.Arbitrary<Message> = fc
  .record({
    type: fc.constantFrom(...networkTypes),
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
    snapshot,
  })
  .map((r): Message => {
    const m: Message = { ...r, snapshot: r.type === MessageType.Snap ? r.snapshot : undefined };
    if (m.type !== MessageType.App) return m;
    const logTerm = Math.min(m.logTerm, m.term);
    let t = logTerm;
    const entries = m.entries.map((e, i) => {
      t = Math.min(m.term, t + (e.term % 3));
      return { ...e, index: m.index + 1 + i, term: t };
    });
    return { ...m, logTerm, entries };
  });

const heartbeat = (term: number): Message => bareMessage(MessageType.Heartbeat, 2, 1, term);

/** Every number a decoded message carries. */
function numbers(m: Message): number[] {
  const out = [m.to, m.from, m.term, m.logTerm, m.index, m.commit, m.rejectHint];
  for (const e of m.entries) out.push(e.term, e.index, e.type);
  if (m.snapshot) {
    const md = m.snapshot.metadata;
    out.push(md.index, md.term, ...md.confState.voters, ...md.confState.learners);
  }
  return out;
}

const refused = (b: Buffer, re?: RegExp): void => {
  let err: unknown;
  try {
    decodeMessage(b);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PeerDecodeError);
  if (re) expect((err as Error).message).toMatch(re);
};

describe("cluster codec", () => {
  it("round-trips every message the core can send", () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      params,
    );
  });

  it("refuses truncated and extended buffers", () => {
    fc.assert(
      fc.property(message, fc.nat(), (m, cut) => {
        const b = encodeMessage(m);
        refused(b.subarray(0, cut % b.length));
        refused(Buffer.concat([b, Buffer.from([0])]), /trailing/);
      }),
      params,
    );
  });

  it("random bytes: a typed refusal or a message whose every number is an unsigned safe integer", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom(...networkTypes),
        fc.nat(7),
        (raw, t, flags) => {
          // Half the inputs get a valid type and flags, so that the decoder goes past the header.
          const b = Buffer.from(raw);
          if (b.length >= 2 && raw[0]! % 2 === 0) {
            b[0] = t;
            b[1] = flags;
          }
          let m: Message;
          try {
            m = decodeMessage(b);
          } catch (e) {
            expect(e).toBeInstanceOf(PeerDecodeError);
            return;
          }
          for (const v of numbers(m)) expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
          expect(m.to).toBeGreaterThan(0);
          expect(m.from).toBeGreaterThan(0);
        },
      ),
      { ...params, numRuns: 2000 },
    );
  });

  it("any number field set to NaN, ±Infinity, a fraction, a negative or a number from 2^53 up is refused", () => {
    const bad = [NaN, Infinity, -Infinity, 0.5, -1, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE];
    fc.assert(
      fc.property(message, fc.nat(), fc.constantFrom(...bad), (m, k, v) => {
        const b = encodeMessage(m);
        // The seven fixed fields, then (with no context) each entry's term and index.
        const offsets = [0, 1, 2, 3, 4, 5, 6].map((i) => 2 + 8 * i);
        if (!m.context) {
          let off = 2 + 56 + 4;
          for (const e of m.entries) {
            offsets.push(off, off + 8);
            off += 21 + e.data.byteLength;
          }
        }
        b.writeDoubleLE(v, offsets[k % offsets.length]!);
        refused(b, /not an unsigned safe integer/);
      }),
      params,
    );
  });

  it("the 67-byte heartbeat frames that stopped a member: term Infinity, NaN, 2^53+2", () => {
    for (const term of [Infinity, NaN, 2 ** 53 + 2]) {
      const b = encodeMessage(heartbeat(1));
      expect(b.length).toBe(62); // + 5 bytes of frame header: 67
      b.writeDoubleLE(term, 2 + 16);
      refused(b, /term is not an unsigned safe integer/);
    }
  });

  it("refuses local, unknown and out-of-shape messages", () => {
    const hb = encodeMessage(heartbeat(1));
    for (const t of [...localTypes, 19, 99, 255]) {
      const b = Buffer.from(hb);
      b[0] = t;
      refused(b, /unknown message type/);
    }
    const flags = Buffer.from(hb);
    flags[1] = 8;
    refused(flags, /unknown flags/);
    const zero = Buffer.from(hb);
    zero.writeDoubleLE(0, 2);
    refused(zero, /to is 0/);
    // A count the buffer cannot hold is refused before anything is allocated for it.
    const huge = Buffer.from(hb);
    huge.writeUInt32LE(0xffff_ffff, 58);
    refused(huge, /entry count 4294967295 does not fit/);

    const app = (entries: Entry[], logTerm = 1): Message => ({
      ...heartbeat(3),
      type: MessageType.App,
      index: 10,
      logTerm,
      entries,
    });
    const e = (index: number, term: number, type = 0): Entry => ({
      index,
      term,
      type: type as Entry["type"],
      data: new Uint8Array(1),
    });
    expect(decodeMessage(encodeMessage(app([e(11, 1), e(12, 3)]))).entries).toHaveLength(2);
    refused(encodeMessage(app([e(11, 1), e(13, 1)])), /index 13, expected 12/);
    refused(encodeMessage(app([e(11, 2), e(12, 1)])), /term 1 outside \[2, 3\]/);
    refused(encodeMessage(app([e(11, 4)])), /term 4 outside/);
    refused(encodeMessage(app([], 5)), /logTerm 5 above its term 3/);
    const badType = encodeMessage(app([e(11, 1)]));
    badType[2 + 56 + 4 + 16] = 7;
    refused(badType, /unknown type 7/);
    refused(encodeMessage({ ...heartbeat(1), type: MessageType.Snap }), /MsgSnap without a snapshot/);
  });
});
