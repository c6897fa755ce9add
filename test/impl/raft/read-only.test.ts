import { describe, it, expect } from "vitest";
import { ReadOnly, bytesKey } from "../../../impl/raft/read-only.js";
import { newMessage, MessageType, EntryType } from "../../../impl/raft/types.js";

const req = (ctx: string) => {
  const m = newMessage(MessageType.ReadIndex, 0, 2);
  m.entries = [{ term: 0, index: 0, type: EntryType.Normal, data: new TextEncoder().encode(ctx) }];
  return m;
};
const ctx = (s: string) => new TextEncoder().encode(s);

describe("ReadOnly (thesis §6.4 ReadIndex bookkeeping)", () => {
  it("acknowledging a later request answers every earlier one, in order", () => {
    const ro = new ReadOnly();
    ro.addRequest(5, req("a"));
    ro.addRequest(6, req("b"));
    ro.addRequest(6, req("b")); // a duplicate is ignored
    expect(ro.size).toBe(2);
    expect(bytesKey(ro.lastPendingRequestCtx())).toBe("b");
    expect([...ro.recvAck(3, ctx("b"))!]).toEqual([3]);
    expect(ro.recvAck(3, ctx("zzz"))).toBeUndefined();
    const done = ro.advance(ctx("b"));
    expect(done.map((d) => [bytesKey(d.req.entries[0]!.data), d.index])).toEqual([
      ["a", 5],
      ["b", 6],
    ]);
    expect(ro.size).toBe(0);
    expect(ro.advance(ctx("b"))).toEqual([]);
  });
});
