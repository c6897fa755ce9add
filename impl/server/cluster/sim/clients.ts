/**
 * Simulated clients of the whole-server simulation: each calls a random member's
 * `server.unary.KV` (what the gRPC services call) — put, linearizable range, and a txn
 * compare-and-set — on a few registers, one call at a time, and records what it saw:
 * `invoke`, then `ok` with the result, `error` with the gRPC status the server would send
 * (toGrpcError), `refused` (the member was down: the request never left), or `lost` (the
 * member crashed while the call was in flight, or the client gave up after its deadline).
 * Turning these into ok/fail/info is the reader's job (the harness's error registry).
 */
import type { SeededRand } from "../../../raft/index.js";
import { toGrpcError } from "../../errors.js";
import type { Scheduler } from "./scheduler.js";
import type { Core } from "../../services.js";

export type ClientF = "read" | "write" | "cas";

export interface ClientEvent {
  /** Simulated time, ms. */
  time: number;
  process: number;
  member: number;
  kind: "invoke" | "ok" | "error" | "refused" | "lost";
  f: ClientF;
  key: string;
  /** write → value, cas → [from, to], read: null on invoke, value | null on ok. */
  value: unknown;
  /**
   * ok: what the response said — read `{modRev, version, rev}` (0, 0 when absent), write
   * `{rev}`, cas `{swapped: true, rev}` or `{swapped: false, observed, modRev, version}`
   * (the txn's failure branch reads the key). `rev`: the response header's revision.
   */
  result?: Record<string, unknown>;
  error?: { code: number; details: string };
}

export interface ClientCall {
  /** Resolves with the member's answer; rejects with its error; `refused`/`lost` as strings. */
  (
    member: number,
    call: (unary: Core["unary"]) => unknown,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown } | "refused" | "lost">;
}

export interface ClientOptions {
  clients: number;
  keys: number;
  /** Pause between one client's calls, ms: uniform in [0, thinkMs]. */
  thinkMs: number;
  /** Clients stop invoking at this simulated time. */
  until: number;
}

interface Kv {
  value: Uint8Array;
  modRevision: number | string;
  version: number | string;
}

function readKv(kv: Kv | undefined): { value: number | null; modRev: number; version: number } {
  if (!kv) return { value: null, modRev: 0, version: 0 };
  return { value: Number(td.decode(kv.value)), modRev: Number(kv.modRevision), version: Number(kv.version) };
}

const te = new TextEncoder();
const td = new TextDecoder();

export async function runClient(
  p: number,
  o: ClientOptions,
  nodes: () => number[],
  sched: Scheduler,
  rand: SeededRand,
  call: ClientCall,
  record: (e: ClientEvent) => void,
  nextValue: () => number,
): Promise<void> {
  const seen = new Map<string, number>();
  for (;;) {
    await sched.sleep(1 + rand.float() * o.thinkMs);
    if (sched.now >= o.until) return;
    const members = nodes();
    const member = members[rand.intn(members.length)]!;
    const key = `r${rand.intn(o.keys)}`;
    const k = te.encode(key);
    const roll = rand.intn(10);
    const f: ClientF = roll < 4 ? "read" : roll < 7 ? "write" : "cas";
    let value: unknown = null;
    let req: (u: Core["unary"]) => unknown;
    if (f === "read") req = (u) => u.KV!.range!({ key: k });
    else if (f === "write") {
      const v = nextValue();
      value = v;
      req = (u) => u.KV!.put!({ key: k, value: te.encode(String(v)) });
    } else {
      const to = nextValue();
      const from = seen.get(key) ?? 1 + rand.intn(Math.max(1, to - 1));
      value = [from, to];
      req = (u) =>
        u.KV!.txn!({
          compare: [{ result: 0, target: 3, key: k, value: te.encode(String(from)) }],
          success: [{ requestPut: { key: k, value: te.encode(String(to)) } }],
          failure: [{ requestRange: { key: k } }],
        });
    }
    record({ time: sched.now, process: p, member, kind: "invoke", f, key, value });
    const r = await call(member, req);
    const base = { time: sched.now, process: p, member, f, key };
    if (r === "refused" || r === "lost") record({ ...base, kind: r, value });
    else if (!r.ok) {
      const g = toGrpcError(r.error);
      record({ ...base, kind: "error", value, error: { code: g.code, details: g.details } });
    } else {
      const resp = r.value as {
        header?: { revision?: number };
        kvs?: Kv[];
        succeeded?: boolean;
        responses?: { responseRange?: { kvs?: Kv[] } }[];
      };
      const rev = Number(resp.header?.revision ?? -1);
      if (f === "read") {
        const kv = readKv(resp.kvs?.[0]);
        if (kv.value !== null) seen.set(key, kv.value);
        record({
          ...base,
          kind: "ok",
          value: kv.value,
          result: { modRev: kv.modRev, version: kv.version, rev },
        });
      } else if (f === "write") {
        seen.set(key, value as number);
        record({ ...base, kind: "ok", value, result: { rev } });
      } else if (resp.succeeded) {
        seen.set(key, (value as number[])[1]!);
        record({ ...base, kind: "ok", value, result: { swapped: true, rev } });
      } else {
        const kv = readKv(resp.responses?.[0]?.responseRange?.kvs?.[0]);
        if (kv.value !== null) seen.set(key, kv.value);
        record({
          ...base,
          kind: "ok",
          value,
          result: { swapped: false, observed: kv.value, modRev: kv.modRev, version: kv.version },
        });
      }
    }
  }
}
