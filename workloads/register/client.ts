/**
 * The register workload's client: read / write / cas on one etcd key per history key, through
 * harness/client (one connection per process, a deadline per request, never a retry). Errors go
 * through the registry: definite → `fail`; indeterminate → `info` for write and cas, `fail` for
 * a read. Completions carry what etcd reported (see ./model.ts for the encoding); a serializable
 * read's completion says `serializable: true` (checkers/revisions lets it lag).
 */
import type { Completion, Invocation } from "../../harness/api/operation.js";
import type { WorkloadClient } from "../../harness/api/workload.js";
import { classify, outcome } from "../../harness/client/errors.js";
import type { EtcdClient } from "../../harness/client/types.js";

export interface RegisterClientOptions {
  /** Prefix of every etcd key (the history key is appended), e.g. `gauntlet/<runId>/`. */
  prefix: string;
  /** Serializable (possibly stale) reads instead of linearizable ones. */
  serializable: boolean;
  /** Deadline of each request, ms. */
  timeoutMs: number;
}

/** Register values are small integers stored as decimal strings; anything else is kept as text. */
export function decode(s: string): unknown {
  return /^-?\d{1,15}$/.test(s) ? Number(s) : s;
}

export function encode(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function registerClient(client: EtcdClient<string>, o: RegisterClientOptions): WorkloadClient {
  return {
    async invoke(op: Invocation): Promise<Completion> {
      const key = o.prefix + String(op.key);
      try {
        switch (op.f) {
          case "read": {
            const r = await client.get(key, { serializable: o.serializable, timeoutMs: o.timeoutMs });
            const kv = r.kvs[0];
            const ser = o.serializable ? { serializable: true } : {};
            return kv
              ? {
                  type: "ok",
                  value: decode(kv.value),
                  modRev: kv.modRevision,
                  version: kv.version,
                  rev: r.header.revision,
                  ...ser,
                }
              : { type: "ok", value: null, modRev: 0, version: 0, rev: r.header.revision, ...ser };
          }
          case "write": {
            const r = await client.put(key, encode(op.value), { timeoutMs: o.timeoutMs });
            return { type: "ok", value: op.value, rev: r.header.revision };
          }
          case "cas": {
            const [from, to] = op.value as [unknown, unknown];
            const r = await client.cas(key, encode(from), encode(to), {
              readOnFailure: true,
              timeoutMs: o.timeoutMs,
            });
            if (r.succeeded) return { type: "ok", value: op.value, rev: r.header.revision };
            const cur = r.current;
            return {
              type: "ok",
              value: op.value,
              swapped: false,
              observed: cur ? decode(cur.value) : null,
              modRev: cur?.modRevision ?? 0,
              version: cur?.version ?? 0,
              rev: r.header.revision,
            };
          }
          default:
            return { type: "fail", error: `unknown-f:${op.f}` };
        }
      } catch (err) {
        const c = classify(err);
        return { type: outcome(op.f === "read" ? "read" : "write", c), error: c.name };
      }
    },
    async close() {
      client.close();
    },
  };
}
