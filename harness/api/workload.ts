/**
 * Workloads and nemesis packages as plain records, in Jepsen's style:
 * a workload is `{ client, generator, finalGenerator, checker }`, a nemesis package is
 * `{ nemesis, generator, finalGenerator, needs }`. The generator type is the interpreter's
 * (harness/generator); it is a type parameter here so that this file depends on nothing.
 */
import type { CapabilityName } from "./capabilities.js";
import type { Checker } from "./checker.js";
import type { Cluster } from "./cluster.js";
import type { Completion, Invocation } from "./operation.js";

/** One logical single-threaded client (a history `process`), bound to one member. */
export interface WorkloadClient {
  /** Perform an operation. Must not throw: map every error to `fail` / `info` (harness/client's registry). */
  invoke(op: Invocation): Promise<Completion>;
  close(): Promise<void>;
}

export interface ClientContext {
  cluster: Cluster;
  /** The member this client talks to (workers are spread over members round-robin). */
  node: string;
  /** The history process id the client will serve. */
  process: number;
}

export interface Workload<G = unknown> {
  readonly name: string;
  /** Open a client for one process. Called again with a fresh process id after an `info`. */
  openClient(ctx: ClientContext): Promise<WorkloadClient>;
  /** Operations during the main phase (the runner bounds it by the time limit and rate). */
  generator: G;
  /**
   * Operations after faults are healed and the cluster settled, given every key the main
   * phase touched (e.g. a final read of each).
   */
  finalGenerator?(keys: readonly string[]): G;
  /** The workload's checker (usually composed: correctness + stats + latency). */
  checker: Checker;
  /** Workload options, stored in test.json. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** Injects faults. `invoke` gets a nemesis op (`{ f: "start-partition", value: ... }`) from the generator. */
export interface Nemesis {
  setup(cluster: Cluster): Promise<void>;
  invoke(op: Invocation): Promise<Completion>;
  /** Undo every fault still active. Called at the end of the main phase and on Ctrl-C. Never throws. */
  teardown(): Promise<void>;
}

export interface NemesisPackage<G = unknown> {
  readonly name: string;
  /** Capabilities checked before any load starts (`requireCapabilities`). */
  readonly needs: readonly CapabilityName[];
  nemesis: Nemesis;
  generator: G;
  /** Ops that undo everything (heal, resume, restart) before the final reads (run one at a time). */
  finalGenerator?: G;
  /**
   * How many of its ops may be in flight at once (default 1): a combined nemesis runs one per
   * fault family, its generator keeping each family's own ops in sequence.
   */
  readonly concurrency?: number;
  /** The fault active now, for the live progress line (e.g. "partition majorities-ring"). */
  active?(): string | undefined;
}

/** A nemesis that does nothing (Jepsen's noop): every op is `ok`. */
export const noopNemesis: Nemesis = {
  setup: async () => {},
  invoke: async (op) => ({ type: "ok", value: op.value }),
  teardown: async () => {},
};
