/**
 * The cluster contract (ARCHITECTURE.md, "Cluster provider").
 *
 * A provider starts a cluster from a {@link ClusterSpec} and hands back a {@link Cluster}: its
 * members, where clients reach each one, and the fault capabilities it offers. Capabilities are
 * optional: a provider that cannot do something leaves the field undefined and says why in
 * `unavailable`, so a nemesis that needs it fails with a clear error before any load starts
 * (see `requireCapabilities` in ./capabilities.ts), never as a silent no-op.
 *
 * ```ts
 * const cluster = await provider.start(spec);
 * try {
 *   await cluster.waitHealthy(30_000);
 *   const eps = cluster.nodes.flatMap((n) => cluster.clientEndpoints(n)); // ["10.77.3.11:2379", ...]
 *   await cluster.capabilities.killable?.kill("n1");
 * } finally {
 *   await cluster.teardown(); // always: processes, namespaces, links, rules, mounts
 * }
 * ```
 */
import type { Capabilities, CapabilityName } from "./capabilities.js";

/** What every provider is asked to start. Provider-specific choices live in the provider's own options. */
export interface ClusterSpec {
  /** Number of members (local: `--nodes`, default 3). Ignored by `external`. */
  nodes: number;
  /** The run's directory: node data and logs go to `<runDir>/nodes/<node>/`, state to `<runDir>/state.json`. */
  runDir: string;
  /** A short id unique to the run ([a-z0-9]{6}); everything the run creates is named after it. */
  runId: string;
  /** Where the provider writes its progress lines (run.log). */
  log: (line: string) => void;
}

/** A member as the harness sees it. */
export interface NodeInfo {
  /** Stable member name, e.g. `n1`. */
  name: string;
  /** `host:port` endpoints on which clients reach this member. */
  clientEndpoints: string[];
  /** The member's own address (inside its namespace, or 127.0.0.1), for grudges and logs. */
  host: string;
  /** Peer URL as given to `--initial-advertise-peer-urls`, when the provider knows it. */
  peerUrl?: string;
  /** Directory with the member's log and data (`nodes/<node>/`), when the provider has one. */
  dir?: string;
}

export interface Cluster {
  /** Names of the members, in a fixed order (`n1`, `n2`, ...). */
  readonly nodes: readonly string[];
  /** Details of one member. Throws on an unknown name. */
  node(name: string): NodeInfo;
  /** `host:port` client endpoints of one member. */
  clientEndpoints(node: string): string[];
  /** Fault abilities this cluster offers (undefined = not offered; see `unavailable`). */
  readonly capabilities: Capabilities;
  /** Why each missing capability is missing, e.g. `{ net: "needs root (network namespaces)" }`. */
  readonly unavailable: Partial<Record<CapabilityName, string>>;
  /**
   * Resolves once every member answers and all agree on a leader; rejects after `timeoutMs` with a
   * message naming the members that did not, and the last lines of their logs.
   */
  waitHealthy(timeoutMs: number): Promise<void>;
  /** The server's version string, e.g. `etcd Version: 3.4.23` (stored in test.json). */
  serverVersion(): Promise<string>;
  /** Last `lines` lines of a member's log, for error messages. */
  logTail(node: string, lines?: number): string;
  /** Restore everything the cluster changed. Idempotent; never throws (errors are logged). */
  teardown(): Promise<void>;
}

/** Starts clusters. `check` reports, before anything starts, what this machine allows. */
export interface Provider<Opts = unknown> {
  readonly name: string;
  start(spec: ClusterSpec, opts: Opts): Promise<Cluster>;
}

export { HarnessError } from "./errors.js";
