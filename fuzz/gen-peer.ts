/**
 * Inputs for the reference server's peer port (`peer`): well-framed Raft messages whose numbers
 * are NaN, ±Infinity, negative, fractional or beyond 2^53, sent as if from a member or a
 * stranger; side messages such as a forged "removed" notice naming a real member; hello frames
 * with odd IDs and URLs; frames announcing up to 4 GiB; and raw garbage. Member IDs differ
 * between clusters, so they are written in at send time (see IdPatch).
 */
import fc from "fast-check";
import { chunk, type Chunk, type FuzzInput, type IdPatch } from "./input.js";
import { encodeRaftMessage, peerFrame, PeerKind, RAFT_TYPES, type RaftMessage } from "./peer-frames.js";

const EXTREME_NUMBERS = [
  0,
  1,
  2,
  3,
  -1,
  0.5,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53 + 2,
  2 ** 64,
  1e308,
  NaN,
  Infinity,
  -Infinity,
];
const numberArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EXTREME_NUMBERS) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 100 }) },
);

/** A Raft field that is either a number or "the ID of member k". */
type IdRef = number | { member: number };
const idArb: fc.Arbitrary<IdRef> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 }).map((member) => ({ member })) },
  { weight: 1, arbitrary: numberArb },
);

const entryArb = fc.record({
  term: numberArb,
  index: numberArb,
  type: fc.integer({ min: 0, max: 3 }),
  data: fc.uint8Array({ maxLength: 32 }),
});

const raftArb = fc.record({
  type: fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...Object.values(RAFT_TYPES)) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
  ),
  to: idArb,
  from: idArb,
  term: numberArb,
  logTerm: numberArb,
  index: numberArb,
  commit: numberArb,
  rejectHint: numberArb,
  reject: fc.boolean(),
  context: fc.option(fc.uint8Array({ maxLength: 16 }), { nil: undefined }),
  entries: fc.array(entryArb, { maxLength: 3 }),
  snapshot: fc.option(
    fc.record({
      index: numberArb,
      term: numberArb,
      voters: fc.array(numberArb, { maxLength: 3 }),
      learners: fc.array(numberArb, { maxLength: 2 }),
      data: fc.uint8Array({ maxLength: 32 }),
    }),
    { nil: undefined },
  ),
});

const TO_AT = 5 + 2;
const FROM_AT = 5 + 2 + 8;

/** The frame of a Raft message whose `to`/`from` may name members (patched at send time). */
export function raftChunk(m: Omit<RaftMessage, "to" | "from"> & { to: IdRef; from: IdRef }): Chunk {
  const ids: IdPatch[] = [];
  const num = (r: IdRef, at: number): number => {
    if (typeof r === "number") return r;
    ids.push({ at, member: r.member, enc: "f64" });
    return 0;
  };
  const msg: RaftMessage = { ...m, to: num(m.to, TO_AT), from: num(m.from, FROM_AT) };
  const c = chunk(peerFrame(PeerKind.RAFT, encodeRaftMessage(msg)));
  if (ids.length) c.ids = ids;
  return c;
}

/** A side-message frame (kind 1) from member `member`, the ID written in at send time. */
export function sideChunk(member: number, body: unknown): Chunk {
  const prefix = '{"from":';
  const json = `${prefix}${" ".repeat(20)},"body":${JSON.stringify(body)}}`;
  return {
    ...chunk(peerFrame(PeerKind.SIDE, Buffer.from(json))),
    ids: [{ at: 5 + prefix.length, member, enc: "dec20" }],
  };
}

function show(r: IdRef): string {
  return typeof r === "number" ? String(r) : `member#${r.member}`;
}

function peerInput(what: string, chunks: Chunk[], holdMs = 100, member = 0): FuzzInput {
  return { class: "peer", what, conns: [{ port: "peer", member, chunks, read: true, holdMs, close: "end" }] };
}

export const peerArb: fc.Arbitrary<FuzzInput> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(raftArb, fc.integer({ min: 0, max: 2 }))
      .map(([m, member]) =>
        peerInput(
          `Raft type ${m.type} to ${show(m.to)} from ${show(m.from)} term ${m.term} logTerm ${m.logTerm} index ${m.index} commit ${m.commit} (${m.entries.length} entries${m.snapshot ? ", snapshot" : ""})`,
          [raftChunk(m)],
          300,
          member,
        ),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }))
      .map(([from, member]) =>
        peerInput(`"removed" notice from member#${from}`, [sideChunk(from, { t: "removed" })], 100, member),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 2 }), fc.jsonValue({ maxDepth: 2 }))
      .map(([from, body]) =>
        peerInput(`side message from member#${from}: ${JSON.stringify(body).slice(0, 80)}`, [
          sideChunk(from, body),
        ]),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.oneof(numberArb, fc.string()), fc.string({ maxLength: 40 }))
      .map(([id, url]) =>
        peerInput(`hello id ${String(id)} url ${JSON.stringify(url)}`, [
          chunk(peerFrame(PeerKind.HELLO, Buffer.from(JSON.stringify({ id, url })))),
        ]),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(2 ** 20, 2 ** 28, 2 ** 30, 2 ** 32 - 1), fc.integer({ min: 1, max: 256 }))
      .map(([len, mib]) =>
        peerInput(
          `frame announcing ${len} bytes, ${mib} MiB sent`,
          [chunk(peerFrame(PeerKind.RAFT, new Uint8Array(0), len)), chunk(new Uint8Array(1 << 20), mib)],
          1000,
        ),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 256 })
      .map((b) => peerInput(`${b.length} random bytes`, [chunk(b)])),
  },
);
