/**
 * The simulated cluster: its members (each built by member.ts over its own simulated disk and
 * clock, all on one simulated network and agenda), their lifecycle (boot, stop, crash,
 * restart), membership changes proposed through the leader, and the calls clients make to a
 * member. Checked as it runs (→ `violations`): members agree on the store after every applied
 * index; no member's Raft loop fails; a crashed member restarts from its disk.
 */
import type { MvccStore } from "../../../mvcc/index.js";
import { ConfChangeType, Role, SeededRand } from "../../../raft/index.js";
import { TraceHash } from "../../../sim/trace-hash.js";
import type { ServerConfig } from "../../flags.js";
import { AlarmAction, AlarmType } from "../../pb.js";
import type { MemberInfo } from "../members.js";
import { clusterConfig } from "./cluster-config.js";
import type { ClientCall } from "./clients.js";
import { storeDigest } from "./digest.js";
import { SimDisk } from "./disk.js";
import { bootMember, type Incarnation } from "./member.js";
import { SimNetwork } from "./network.js";
import { NodeClock, Scheduler } from "./scheduler.js";

export interface SimClusterOptions {
  seed: number;
  /** Initial members (1..nodes). */
  nodes: number;
  /** Whether membership changes are made (then two more members may join). */
  confChanges: boolean;
  /** --snapshot-count. */
  snapshotCount: number;
  /** Log entries kept behind a snapshot. */
  catchUpEntries: number;
  /** Client deadline per call, ms: then the call is `lost`. */
  clientTimeoutMs: number;
  /** Called for each fault applied. */
  onFault?: ((time: number, what: string) => void) | undefined;
}

export class SimCluster {
  readonly sched = new Scheduler();
  /** Covers every delivered message, fault, leader change, membership change and client event. */
  readonly trace = new TraceHash();
  readonly net: SimNetwork;
  /** What went wrong (at most 50), each with its simulated time. */
  readonly violations: string[] = [];
  /** Initial members. */
  readonly nodes: number;
  readonly infos: MemberInfo[];
  readonly clocks: NodeClock[];
  readonly disks: SimDisk[];
  /** The running incarnation of each live member. */
  readonly live = new Map<number, Incarnation>();
  /** Members started at least once (1..n at first; added ones after their AddLearner commits). */
  readonly started: Set<number>;
  /** Members removed from the cluster (never restarted). */
  readonly removed = new Set<number>();
  /** Members whose disk was full at some point: only they may hold a NOSPACE alarm. */
  readonly filled = new Set<number>();
  /** The member table a joining member starts with (as join.ts asks the cluster for it). */
  readonly joinTable = new Map<number, MemberInfo[]>();
  /** The highest applied index reached by any member. */
  maxApplied = 0;
  crashes = 0;
  /** Membership changes applied. */
  confChanges = 0;
  leaderChanges = 0;

  private readonly configs: ServerConfig[];
  private readonly cid: bigint;
  private readonly incarnations: number[];
  /** In-flight client calls per member: settle them as `lost` when it crashes. */
  private readonly inflight = new Map<number, Set<(r: "lost") => void>>();
  /** The store digest first seen after each applied index, and the member that had it. */
  private readonly applied = new Map<number, { digest: number; node: number }>();
  private readonly crashRand: SeededRand;
  private lastLeader = 0;

  constructor(readonly o: SimClusterOptions) {
    this.net = new SimNetwork(this.sched, new SeededRand(o.seed * 31 + 1), this.trace);
    this.nodes = o.nodes;
    const extra = o.confChanges ? 2 : 0;
    const { configs, infos, cid } = clusterConfig(o.nodes, extra);
    this.configs = configs;
    this.infos = infos;
    this.cid = cid;
    for (let i = 0; i < o.nodes + extra; i++) {
      this.net.nodeOf.set(infos[i]!.raftId, i + 1);
      this.net.raftOf.set(i + 1, infos[i]!.raftId);
    }
    this.started = new Set<number>(infos.slice(0, o.nodes).map((_, i) => i + 1));
    this.clocks = infos.map(() => new NodeClock(this.sched));
    this.disks = infos.map(
      (_, i) =>
        new SimDisk(this.sched, new SeededRand(o.seed * 131 + i), {
          minMs: 0.2,
          maxMs: 3,
          catchUpEntries: o.catchUpEntries,
        }),
    );
    this.incarnations = infos.map(() => 0);
    this.crashRand = new SeededRand(o.seed * 613 + 5);
  }

  /** Records a violation at the current simulated time (the first 50 are kept). */
  readonly violate = (s: string): void => {
    if (this.violations.length < 50) this.violations.push(`${(this.sched.now / 1000).toFixed(3)}s: ${s}`);
  };

  /** Members of the cluster: started and not removed. */
  readonly ids = (): number[] => [...this.started].filter((x) => !this.removed.has(x));

  /** The live member that is leader in the highest term, if any. */
  leader(): number | undefined {
    let best: number | undefined;
    let term = -1;
    for (const [node, inc] of this.live)
      if (inc.loop.role === Role.Leader && inc.node.raft.term > term) {
        best = node;
        term = inc.node.raft.term;
      }
    return best;
  }

  nodeOfRaft(raftId: number): number | undefined {
    return this.net.nodeOf.get(raftId);
  }

  /** Starts a member from its disk (a new incarnation); a failure to start is a violation. */
  boot(node: number): void {
    const i = node - 1;
    this.incarnations[i]!++;
    try {
      const inc = bootMember(
        {
          node,
          self: this.infos[i]!,
          initial: this.joinTable.get(node) ?? this.infos.slice(0, this.nodes),
          clusterId: this.cid,
          config: this.configs[i]!,
          snapshotCount: this.o.snapshotCount,
          seed: (this.o.seed * 1000003 + node * 7907 + this.incarnations[i]! * 104729) >>> 0,
          bootstrap: node <= this.nodes,
          onApplied: (nd, index, store) => this.checkApplied(nd, index, store),
          onFatal: (nd, err) =>
            this.violate(
              `member ${nd}: raft loop failed: ${err instanceof Error ? err.message : String(err)}`,
            ),
          onRemoved: (nd) => {
            if (!this.o.confChanges) this.violate(`member ${nd} was removed (no membership change was made)`);
            this.removed.add(nd);
            this.stop(nd);
          },
        },
        this.sched,
        this.clocks[i]!,
        this.disks[i]!,
        this.net,
      );
      this.live.set(node, inc);
      inc.loop.onLeaderChange = (lead, isLeader) => this.countLeaderChange(node, lead, isLeader);
    } catch (err) {
      this.violate(
        `member ${node} cannot restart from its disk: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** Takes a member out of the simulation (its in-flight client calls are lost); true if it was live. */
  stop(node: number): boolean {
    const inc = this.live.get(node);
    if (!inc) return false;
    inc.env.kill();
    this.live.delete(node);
    const calls = this.inflight.get(node);
    this.inflight.delete(node);
    if (calls) for (const settle of calls) settle("lost");
    return true;
  }

  /** Stops a live member and crashes its disk: half the time a power loss, half kill -9. */
  crash(node: number): void {
    if (!this.stop(node)) return;
    this.crashes++;
    // Half the crashes are power losses (unsynced writes lost), half kill -9 (page cache kept).
    const powerLoss = this.crashRand.intn(2) === 0;
    this.disks[node - 1]!.crash(powerLoss);
    this.trace.add(powerLoss ? -4 : -5);
    this.o.onFault?.(this.sched.now, `member ${node} ${powerLoss ? "loses power" : "is killed (kill -9)"}`);
  }

  /** Boots a member that was started before, is down and was not removed. */
  restart(node: number): void {
    if (!this.live.has(node) && this.started.has(node) && !this.removed.has(node)) this.boot(node);
  }

  /** The disk has space again; the operator disarms the member's NOSPACE alarm (etcdctl alarm disarm). */
  freeDisk(node: number): void {
    const disk = this.disks[node - 1]!;
    if (!disk.full) return;
    disk.full = false;
    this.trace.add(-6);
    this.trace.add(node);
    this.o.onFault?.(this.sched.now, `disk of ${node} has space again; alarm disarm`);
    const inc = this.live.get(node);
    if (inc?.server.hasAlarm(AlarmType.NOSPACE))
      void Promise.resolve(
        inc.server.unary.Maintenance!.alarm!({
          action: AlarmAction.DEACTIVATE,
          memberID: "0",
          alarm: AlarmType.NOSPACE,
        }),
      ).catch(() => {});
  }

  /**
   * A membership change proposed through the current leader (as the Cluster API does); `then`
   * runs once it is applied. Returns how it was proposed, for the fault log.
   */
  confChange(type: ConfChangeType, node: number, then?: () => void): string {
    const l = this.leader();
    if (l === undefined) return "(no leader)";
    const info = this.infos[node - 1]!;
    this.live
      .get(l)!
      .loop.proposeConfChange(type, { ...info, isLearner: type === ConfChangeType.AddLearner })
      .then(
        () => {
          this.confChanges++;
          this.trace.add(-3);
          this.trace.add(node);
          this.o.onFault?.(
            this.sched.now,
            `conf change ${type === ConfChangeType.AddLearner ? "add-learner" : type === ConfChangeType.AddNode ? "promote" : "remove"} ${node} applied`,
          );
          then?.();
        },
        () => {},
      );
    return `via ${l}`;
  }

  /** The end of the fault phase: heal the network, clock rates 1, free every disk, restart every member. */
  healAll(): void {
    this.net.groups = undefined;
    this.net.dropRate = 0;
    this.net.dupRate = 0;
    this.net.maxDelayMs = 0;
    for (const c of this.clocks) c.setRate(1);
    for (let node = 1; node <= this.disks.length; node++) this.freeDisk(node);
    for (const node of this.started) if (!this.live.has(node) && !this.removed.has(node)) this.boot(node);
    this.trace.addString("heal all");
    this.o.onFault?.(this.sched.now, "heal all, restart all");
  }

  /**
   * A client's call to a member's KV service: `refused` if the member is down, `lost` if it
   * crashes during the call or the call outlives the client's deadline.
   */
  readonly call: ClientCall = (member, fn) => {
    const inc = this.live.get(member);
    if (!inc) return Promise.resolve("refused");
    return new Promise((resolve) => {
      let done = false;
      const settle = (r: Parameters<typeof resolve>[0]): void => {
        if (done) return;
        done = true;
        this.inflight.get(member)?.delete(settleLost);
        resolve(r);
      };
      const settleLost = (): void => settle("lost");
      if (!this.inflight.has(member)) this.inflight.set(member, new Set());
      this.inflight.get(member)!.add(settleLost);
      this.sched.at(this.o.clientTimeoutMs, settleLost);
      try {
        Promise.resolve(fn(inc.server.unary)).then(
          (value) => {
            if (this.live.get(member) === inc) settle({ ok: true, value });
          },
          (error: unknown) => {
            if (this.live.get(member) === inc) settle({ ok: false, error });
          },
        );
      } catch (error) {
        settle({ ok: false, error });
      }
    });
  };

  /** Each live member's role, term, commit and applied index. */
  status(): string {
    const parts = [...this.live.entries()].map(([k, inc]) => {
      const st = inc.node.status();
      return `${k}:${inc.loop.isLeader ? "L" : "F"} t${st.term} c${st.commit} a${inc.loop.appliedIndex}`;
    });
    return parts.join("  ");
  }

  /** Every member of the cluster is live at the same applied index, at least the highest reached. */
  converged(): boolean {
    const idx = [...this.live.values()].map((i) => i.loop.appliedIndex);
    const want = [...this.started].filter((x) => !this.removed.has(x)).length;
    return idx.length === want && idx.every((x) => x === idx[0]) && idx[0]! >= this.maxApplied;
  }

  /** Each live member's applied index, as `node:index` pairs. */
  appliedIndexes(): string {
    return [...this.live.entries()].map(([k, i]) => `${k}:${i.loop.appliedIndex}`).join(" ");
  }

  /** Stops every live member (the end of the run). */
  shutdown(): void {
    for (const inc of this.live.values()) {
      inc.env.kill();
      inc.loop.stop();
      inc.server.stop();
    }
  }

  /** Members must agree on the store after every applied index. */
  private checkApplied(node: number, index: number, store: MvccStore): void {
    const d = storeDigest(store);
    const prev = this.applied.get(index);
    if (!prev) this.applied.set(index, { digest: d, node });
    else if (prev.digest !== d)
      this.violate(`members ${prev.node} and ${node} disagree on the store after index ${index}`);
    if (index > this.maxApplied) this.maxApplied = index;
  }

  private countLeaderChange(node: number, lead: number, isLeader: boolean): void {
    if (isLeader && lead !== this.lastLeader) {
      this.leaderChanges++;
      this.lastLeader = lead;
      this.trace.add(-2);
      this.trace.add(node);
    }
  }
}
