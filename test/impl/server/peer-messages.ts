/** Test helper: a Raft message with every optional field empty, as the peer codec carries it. */
import type { Message } from "../../../impl/raft/index.js";

export function bareMessage(type: number, from: number, to: number, term = 1): Message {
  return {
    type: type as Message["type"],
    to,
    from,
    term,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: undefined,
    snapshot: undefined,
  };
}
