/**
 * Interpreter workers: one per client thread, bound to a member (round-robin), opening a fresh
 * workload client whenever its thread starts a new process (after an `info`, the old
 * connection's fate is unknown); and the nemesis worker.
 */
import type { Cluster } from "../api/cluster.js";
import type { Nemesis, Workload, WorkloadClient } from "../api/workload.js";
import type { Completion, Event, Worker } from "../generator/types.js";

export class ClientWorker implements Worker {
  private client: WorkloadClient | undefined;
  private process: number | undefined;

  constructor(
    private readonly workload: Workload<unknown>,
    private readonly cluster: Cluster,
    readonly node: string,
  ) {}

  async invoke(op: Event): Promise<Completion> {
    const p = op.process as number;
    if (this.client === undefined || this.process !== p) {
      const old = this.client;
      this.client = undefined;
      await old?.close().catch(() => {});
      this.client = await this.workload.openClient({ cluster: this.cluster, node: this.node, process: p });
      this.process = p;
    }
    return this.client.invoke(op);
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.close().catch(() => {});
  }
}

export function clientWorkers(
  workload: Workload<unknown>,
  cluster: Cluster,
  concurrency: number,
): ClientWorker[] {
  return Array.from(
    { length: concurrency },
    (_, i) => new ClientWorker(workload, cluster, cluster.nodes[i % cluster.nodes.length]!),
  );
}

export function nemesisWorker(n: Nemesis): Worker {
  return {
    invoke: async (op) => {
      try {
        return await n.invoke(op);
      } catch (err) {
        return { type: "info", error: `nemesis-error: ${err instanceof Error ? err.message : String(err)}` };
      }
    },
  };
}

/** `--concurrency`: `N` workers, or `Nn` = N per member. */
export function parseConcurrency(s: string | number, nodes: number): number {
  const m = /^(\d+)(n?)$/.exec(String(s).trim());
  if (!m)
    throw new Error(
      `--concurrency must be a number or a number followed by n (per member), e.g. 10 or 2n; got ${JSON.stringify(s)}`,
    );
  const n = Number(m[1]) * (m[2] ? nodes : 1);
  if (n < 1 || n > 10_000) throw new Error(`--concurrency must give 1 to 10000 workers, got ${n}`);
  return n;
}
