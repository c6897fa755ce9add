/**
 * Membership changes, one server at a time (Raft §6 / thesis §4.1): add a voter, add a
 * learner (receives the log, never votes, does not count towards quorums), promote a
 * learner, remove a member. A change takes effect when the application applies its entry
 * and reports it with `applyConfChange`; a leader refuses a new change while an earlier one
 * is not applied yet.
 */
import type { ConfState } from "./types.js";

export const ConfChangeType = {
  /** Add a voter, or promote a learner to voter. */
  AddNode: 0,
  RemoveNode: 1,
  AddLearner: 2,
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];
export const confChangeTypeNames = ["add", "remove", "add-learner"] as const;

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: number;
  /** Opaque to the core (the server puts the member's URLs here). */
  readonly context?: Uint8Array;
}

/** Encoding inside an entry: [type u8][nodeId float64 LE][context...]. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const ctx = cc.context ?? new Uint8Array(0);
  const out = new Uint8Array(9 + ctx.length);
  out[0] = cc.type;
  new DataView(out.buffer).setFloat64(1, cc.nodeId, true);
  out.set(ctx, 9);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < 9 || data[0]! > 2)
    throw new Error(`decodeConfChange: malformed conf change (${data.length} bytes)`);
  const nodeId = new DataView(data.buffer, data.byteOffset, data.byteLength).getFloat64(1, true);
  const type = data[0] as ConfChangeType;
  return data.length > 9 ? { type, nodeId, context: data.slice(9) } : { type, nodeId };
}

/**
 * The configuration after `cc`, or an error string when the change is not allowed (demoting
 * a voter to learner directly; node id 0). Adding an existing member as the same kind, or
 * removing an absent one, is a no-op.
 */
export function applyToConfState(cs: ConfState, cc: ConfChange): ConfState | string {
  if (!(cc.nodeId > 0) || !Number.isInteger(cc.nodeId)) return `invalid node id ${cc.nodeId}`;
  const voters = cs.voters.filter((v) => v !== cc.nodeId);
  const learners = cs.learners.filter((v) => v !== cc.nodeId);
  switch (cc.type) {
    case ConfChangeType.AddNode:
      voters.push(cc.nodeId);
      break;
    case ConfChangeType.AddLearner:
      if (cs.voters.includes(cc.nodeId)) return `cannot demote voter ${cc.nodeId} to learner`;
      learners.push(cc.nodeId);
      break;
    case ConfChangeType.RemoveNode:
      break;
    default:
      return `unknown conf change type ${String(cc.type)}`;
  }
  voters.sort((a, b) => a - b);
  learners.sort((a, b) => a - b);
  return { voters, learners };
}

export function describeConfChange(cc: ConfChange): string {
  return `${confChangeTypeNames[cc.type]} ${cc.nodeId}`;
}
