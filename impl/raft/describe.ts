/**
 * Text renderings of entries, messages and Ready values (for interaction tests, traces
 * and debugging). Stable formats: the interaction scripts' expected output depends on them.
 */
import type { Entry, Message, Snapshot, HardState, ConfState } from "./types.js";
import { EntryType, MessageType as M, messageTypeNames, roleNames } from "./types.js";
import type { Ready } from "./ready.js";
import { decodeConfChange, describeConfChange } from "./confchange.js";

const decoder = new TextDecoder();

/** Bytes shown as text when printable, else as hex. */
export function describeBytes(b: Uint8Array | undefined): string {
  if (b === undefined || b.length === 0) return '""';
  let printable = true;
  for (let i = 0; i < b.length; i++) if (b[i]! < 0x20 || b[i]! > 0x7e) printable = false;
  if (printable) return JSON.stringify(decoder.decode(b));
  return "0x" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export function describeEntry(e: Entry): string {
  switch (e.type) {
    case EntryType.Normal:
      return `${e.term}/${e.index} EntryNormal ${describeBytes(e.data)}`;
    case EntryType.ConfChange:
      return `${e.term}/${e.index} EntryConfChange ${describeConfChange(decodeConfChange(e.data))}`;
    default:
      return `${e.term}/${e.index} EntryEmpty`;
  }
}

export function describeConfState(cs: ConfState): string {
  return (
    `voters=(${cs.voters.join(" ")})` + (cs.learners.length > 0 ? ` learners=(${cs.learners.join(" ")})` : "")
  );
}

export function describeSnapshot(s: Snapshot): string {
  return `Index:${s.metadata.index} Term:${s.metadata.term} ConfState:${describeConfState(s.metadata.confState)}`;
}

export function describeHardState(h: HardState): string {
  return `Term:${h.term} Vote:${h.vote} Commit:${h.commit}`;
}

export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${messageTypeNames[m.type]} Term:${m.term}`;
  switch (m.type) {
    case M.App:
      s += ` Log:${m.logTerm}/${m.index} Commit:${m.commit}`;
      break;
    case M.AppResp:
      s += m.reject
        ? ` Rejected (Hint: ${m.rejectHint}, LogTerm: ${m.logTerm}) Index:${m.index}`
        : ` Index:${m.index}`;
      break;
    case M.Vote:
    case M.PreVote:
      s += ` Log:${m.logTerm}/${m.index}`;
      break;
    case M.VoteResp:
    case M.PreVoteResp:
      if (m.reject) s += " Rejected";
      break;
    case M.Heartbeat:
      s += ` Commit:${m.commit}`;
      break;
    case M.ReadIndexResp:
      s += ` Index:${m.index}`;
      break;
  }
  if (m.context !== undefined && m.context.length > 0) s += ` Context:${describeBytes(m.context)}`;
  if (m.entries.length > 0) {
    if (m.type === M.ReadIndex || m.type === M.ReadIndexResp)
      s += ` Request:${describeBytes(m.entries[0]!.data)}`;
    else s += ` Entries:[${m.entries.map(describeEntry).join(", ")}]`;
  }
  if (m.snapshot !== undefined) s += ` Snapshot: ${describeSnapshot(m.snapshot)}`;
  return s;
}

/** A Ready as indented lines. */
export function describeReady(rd: Ready, indent = "  "): string[] {
  const out: string[] = [`Ready MustSync=${rd.mustSync}:`];
  if (rd.softState) out.push(`Lead:${rd.softState.lead} State:${roleNames[rd.softState.role]}`);
  if (rd.hardState) out.push(`HardState ${describeHardState(rd.hardState)}`);
  if (rd.readStates.length > 0) {
    out.push(`ReadStates:`);
    for (const r of rd.readStates)
      out.push(`${indent}Index:${r.index} Request:${describeBytes(r.requestCtx)}`);
  }
  if (rd.entries.length > 0) {
    out.push("Entries:");
    for (const e of rd.entries) out.push(indent + describeEntry(e));
  }
  if (rd.snapshot) out.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  if (rd.committedEntries.length > 0) {
    out.push("CommittedEntries:");
    for (const e of rd.committedEntries) out.push(indent + describeEntry(e));
  }
  if (rd.messages.length > 0) {
    out.push("Messages:");
    for (const m of rd.messages) out.push(indent + describeMessage(m));
  }
  return out.map((l) => indent + l);
}
