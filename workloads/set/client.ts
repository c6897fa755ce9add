/**
 * The set workload's client. A set `sK` is the etcd keys under `<prefix>sK/`; element E is the
 * key `<prefix>sK/E` (value E). An add is one Put of the element's key — no read-modify-write,
 * so concurrent adds never contend, and each add is exactly one write transaction with its own
 * revision (what the revision check relies on); a read is one Range over the set's prefix
 * (keys only), linearizable unless `--serializable` (final reads always are). This suits etcd
 * better than Jepsen's single-key set (a cas loop on one value): no retries hide an outcome,
 * and a set of thousands of elements is not rewritten on every add.
 *
 * History encoding (checkers/set, checkers/revisions): add ok `{value: E, rev}`; read ok
 * `{value: [E...] sorted, rev}` (rev: the header revision), with `serializable: true` when the
 * read was serializable. Errors through the registry: definite → `fail`; indeterminate →
 * `info` for an add, `fail` for a read.
 */
import type { Completion, Invocation } from "../../harness/api/operation.js";
import type { WorkloadClient } from "../../harness/api/workload.js";
import { classify, outcome } from "../../harness/client/errors.js";
import type { EtcdClient } from "../../harness/client/types.js";

export interface SetClientOptions {
  /** Prefix of every etcd key (the set name and `/` are appended), e.g. `gauntlet/<runId>/`. */
  prefix: string;
  /** Serializable (possibly stale) reads in the main phase. */
  serializable: boolean;
  /** Deadline of each request, ms. */
  timeoutMs: number;
}

/** An element as stored in the key's last segment: a decimal integer, else the text itself. */
export function decodeElement(s: string): number | string {
  return /^-?\d{1,15}$/.test(s) ? Number(s) : s;
}

function sortElements(xs: (number | string)[]): (number | string)[] {
  return xs.sort((a, b) =>
    typeof a === "number" && typeof b === "number"
      ? a - b
      : String(a) < String(b)
        ? -1
        : String(a) > String(b)
          ? 1
          : 0,
  );
}

export function setClient(client: EtcdClient<string>, o: SetClientOptions): WorkloadClient {
  return {
    async invoke(op: Invocation): Promise<Completion> {
      const dir = `${o.prefix}${String(op.key)}/`;
      try {
        switch (op.f) {
          case "add": {
            const e = String(op.value);
            const r = await client.put(dir + e, e, { timeoutMs: o.timeoutMs });
            return { type: "ok", value: op.value, rev: r.header.revision };
          }
          case "read": {
            const serializable = o.serializable && op.final !== true;
            const r = await client.get(dir, {
              prefix: true,
              keysOnly: true,
              serializable,
              timeoutMs: o.timeoutMs,
            });
            const els = sortElements(r.kvs.map((kv) => decodeElement(kv.key.slice(dir.length))));
            return {
              type: "ok",
              value: els,
              rev: r.header.revision,
              ...(serializable ? { serializable: true } : {}),
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
