/**
 * The Ready contract under crashes: whatever a node accepted but did not persist through a
 * Ready is lost on a crash, and because messages are sent only after persisting, nobody
 * else ever learned of it.
 */
import { describe, it, expect } from "vitest";
import {
  RawNode,
  MemoryStorage,
  SeededRand,
  MessageType,
  newMessage,
  EntryType,
} from "../../../impl/raft/index.js";
import type { Ready } from "../../../impl/raft/index.js";

function persist(storage: MemoryStorage, rd: Ready): void {
  if (rd.snapshot) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState) storage.setHardState(rd.hardState);
}

describe("crash before a Ready is handled", () => {
  it("loses the appended entry and the acknowledgement together", () => {
    const storage = new MemoryStorage();
    let node = new RawNode({ id: 2, storage, rand: new SeededRand(2) });
    node.bootstrap([1, 2, 3]);
    let rd = node.ready();
    persist(storage, rd);
    node.advance(rd);

    // Leader 1 (term 2) appends entry 4 on node 2.
    const app = newMessage(MessageType.App, 2, 1, 2);
    app.index = 3;
    app.logTerm = 1;
    app.commit = 3;
    app.entries = [{ term: 2, index: 4, type: EntryType.Normal, data: new Uint8Array([1]) }];
    node.step(app);
    expect(node.raft.log.lastIndex()).toBe(4);
    // The acknowledgement exists only inside the pending Ready...
    expect(node.hasReady()).toBe(true);

    // ... crash: a new RawNode from storage knows neither the entry nor the new term.
    node = new RawNode({ id: 2, storage, rand: new SeededRand(3) });
    expect(node.raft.log.lastIndex()).toBe(3);
    expect(node.raft.term).toBe(1);

    // Handled properly, the Ready carries the entry and term to persist before the ack.
    node.step(app);
    rd = node.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([4]);
    expect(rd.hardState?.term).toBe(2);
    expect(rd.messages.map((m) => [m.type, m.index])).toEqual([[MessageType.AppResp, 4]]);
    expect(rd.mustSync).toBe(true);
    persist(storage, rd);
    node.advance(rd);
    node = new RawNode({ id: 2, storage, rand: new SeededRand(4) });
    expect(node.raft.log.lastIndex()).toBe(4);
    expect(node.raft.term).toBe(2);
  });
});
