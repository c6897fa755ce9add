/**
 * Optional fault abilities of a cluster (ARCHITECTURE.md, "Cluster provider"), one small
 * interface each, in the style of Jepsen's Kill/Pause protocols. Nemeses (nemesis/) declare the
 * ones they need; `requireCapabilities` turns a missing one into a clear error before the run.
 *
 * Node arguments are member names (`n1`, ...). Every method is idempotent where that makes sense
 * (killing a dead member, healing a healed network) and undoes nothing the caller did not ask for.
 */
import { HarnessError } from "./errors.js";

/** SIGKILL a member and start it again from its data directory. */
export interface Killable {
  kill(node: string): Promise<void>;
  /** Restart a killed member with the same flags and data directory. No-op when it runs. */
  start(node: string): Promise<void>;
  isRunning(node: string): boolean;
}

/** SIGSTOP / SIGCONT a member. */
export interface Pausable {
  pause(node: string): Promise<void>;
  resume(node: string): Promise<void>;
  isPaused(node: string): boolean;
}

/**
 * A grudge: for each member, the members whose traffic it drops (Jepsen's notion). Symmetric
 * partitions list each side in the other's grudge. `{ n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] }`
 * isolates n1.
 */
export type Grudge = Readonly<Record<string, readonly string[]>>;

export interface PartitionOptions {
  /** Drop only this fraction of packets (0 < p ≤ 1, default 1): the `flaky` shape. */
  probability?: number;
}

/** Network faults between members (never between the harness and members). */
export interface Net {
  /** Add drop rules for a grudge. Rules accumulate until `heal`. */
  partition(grudge: Grudge, opts?: PartitionOptions): Promise<void>;
  /** Remove exactly the rules `partition` added. */
  heal(): Promise<void>;
  /** The grudge in force now (union of the partitions since the last heal). */
  current(): Grudge;
}

/** Wall-clock faults per member (libfaketime; servers that honour LD_PRELOAD only). */
export interface Clock {
  /** Shift the member's wall clock by `deltaMs` (may be negative), relative to true time. */
  bump(node: string, deltaMs: number): Promise<void>;
  /** Flip the clock between +deltaMs and 0 every `periodMs` for `durationMs`. */
  strobe(node: string, deltaMs: number, periodMs: number, durationMs: number): Promise<void>;
  /** Back to true time. */
  reset(node: string): Promise<void>;
}

/** Disk-full faults on the member's data directory (a size-limited tmpfs). */
export interface Disk {
  fill(node: string): Promise<void>;
  free(node: string): Promise<void>;
}

export interface MemberInfo {
  id: string;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
}

/** Membership changes through the cluster's own API, with the provider starting/wiping processes. */
export interface Members {
  list(): Promise<MemberInfo[]>;
  /** Remove a member from the cluster (MemberRemove) and stop its process. */
  remove(node: string): Promise<void>;
  /** Wipe the member's data and add it back as a new member (`--initial-cluster-state existing`). */
  add(node: string): Promise<void>;
}

export interface Capabilities {
  killable?: Killable;
  pausable?: Pausable;
  net?: Net;
  clock?: Clock;
  disk?: Disk;
  members?: Members;
}

export type CapabilityName = keyof Capabilities;
export const CAPABILITY_NAMES: readonly CapabilityName[] = [
  "killable",
  "pausable",
  "net",
  "clock",
  "disk",
  "members",
];

/**
 * Throws a HarnessError naming every capability in `needs` that the cluster lacks, with the
 * provider's reason, e.g. `nemesis partition needs net: unavailable (needs root: network namespaces)`.
 */
export function requireCapabilities(
  who: string,
  needs: readonly CapabilityName[],
  cluster: { capabilities: Capabilities; unavailable: Partial<Record<CapabilityName, string>> },
): void {
  const missing = needs.filter((c) => cluster.capabilities[c] === undefined);
  if (missing.length === 0) return;
  const reasons = missing.map((c) => `${c}: ${cluster.unavailable[c] ?? "not offered by this provider"}`);
  throw new HarnessError(
    `${who} needs ${missing.join(", ")}, which this cluster cannot do (${reasons.join("; ")})`,
  );
}
