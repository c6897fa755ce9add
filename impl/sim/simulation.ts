/**
 * The deterministic simulator: N nodes running the real Raft core over a seeded network
 * (drop, duplicate, delay, reorder, partition), crash/restart that loses everything not
 * persisted through a Ready, and simulated time. One seed (plus a schedule) determines the
 * whole run: same inputs, same trace hash.
 *
 * Time is in units of 1/100 tick. Each node ticks every 100 units at its own phase; messages
 * take `minDelay..maxDelay` units; a node's Ready is processed `1..diskDelay` units after it
 * has one (the disk write), and a crash in between loses it. Invariants are checked as the run
 * goes (see invariants.ts); after the fault phase the network heals, crashed nodes restart,
 * and a leader must emerge and a fresh proposal commit everywhere within `livenessTicks`.
 */
import type { Entry, HardState, Message, Ready } from "../raft/index.js";
import {
  RawNode,
  MemoryStorage,
  SeededRand,
  Role,
  EntryType,
  MessageType,
  ConfChangeType,
  decodeConfChange,
  messageTypeNames,
  emptyHardState,
} from "../raft/index.js";
import { EventQueue, EventKind } from "./events.js";
import type { Application, ApplicationFactory } from "./app.js";
import { ChainApp } from "./app.js";
import { Invariants } from "./invariants.js";
import type { Violation } from "./invariants.js";
import type { FaultEvent, Schedule } from "./schedule.js";
import { randomSchedule } from "./schedule.js";
import { TraceHash } from "./trace-hash.js";

export const TICK = 100;

export interface SimOptions {
  readonly seed: number;
  /** Initial voters, ids 1..nodes. Default 5. */
  readonly nodes?: number;
  /** Length of the fault phase in ticks. Default 400. */
  readonly ticks?: number;
  /** Bound, in ticks after healing, for a leader to emerge and a proposal to commit. Default 100. */
  readonly livenessTicks?: number;
  /** The fault schedule. Default: randomSchedule(seed). */
  readonly schedule?: Schedule;
  /** Membership changes in the random schedule. Default false. */
  readonly confChanges?: boolean;
  /** Mean proposals per tick. Default 2. */
  readonly proposalsPerTick?: number;
  /** Mean ReadIndex requests per tick. Default 0.5. */
  readonly readsPerTick?: number;
  readonly electionTick?: number;
  readonly heartbeatTick?: number;
  /** Applied entries between snapshots (then the log is compacted). Default 64. */
  readonly snapshotEvery?: number;
  /** Entries kept behind a snapshot when compacting. Default 8. */
  readonly keepEntries?: number;
  /** Default 8 (small, to exercise flow control). */
  readonly maxInflight?: number;
  /** Default 128 bytes (a few entries per MsgApp). */
  readonly maxSizePerMsg?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  /** The application on each node. Default ChainApp. */
  readonly app?: ApplicationFactory;
  /**
   * The payload of the `seq`-th client proposal (e.g. an encoded server request). Default:
   * 8 bytes holding `seq`. Payloads must not start with byte 0xff (the liveness probe's).
   */
  readonly payload?: (seq: number, rand: SeededRand) => Uint8Array;
  /** Receives a text line per event (slow; for debugging). */
  readonly trace?: (line: string) => void;
}

export interface SimResult {
  readonly seed: number;
  readonly violations: readonly Violation[];
  readonly delivered: number;
  readonly dropped: number;
  readonly proposals: number;
  readonly committed: number;
  readonly reads: number;
  readonly readsAnswered: number;
  readonly elections: number;
  readonly ticks: number;
  readonly traceHash: string;
  /** Ticks from healing until the liveness probe committed everywhere. */
  readonly recoveryTicks: number | undefined;
}

interface SimNode {
  readonly id: number;
  readonly storage: MemoryStorage;
  readonly rand: SeededRand;
  raw: RawNode | undefined;
  app: Application | undefined;
  alive: boolean;
  /** Bumped on crash: stale Ready/tick events are ignored. */
  incarnation: number;
  readyPending: boolean;
  /**
   * The hard state as of the last sync. A Ready whose only change is the commit index has
   * mustSync = false: it is written but not synced, and a crash reverts it to this (Raft's
   * commit index is volatile state; it is recomputed after a restart).
   */
  syncedHardState: HardState;
  /** Removed from the cluster: stopped for good. */
  removed: boolean;
  phase: number;
  /** Units between this node's ticks (TICK unless its clock is skewed). */
  tickPeriod: number;
  probeApplied: boolean;
}

const PROBE = 0xff;
const PROPOSAL = 0x01;

export class Simulation {
  readonly inv = new Invariants();
  readonly hash = new TraceHash();
  private readonly q = new EventQueue();
  private readonly nodes = new Map<number, SimNode>();
  private readonly netRand: SeededRand;
  private readonly workRand: SeededRand;
  private readonly o: Required<Omit<SimOptions, "schedule" | "trace" | "app" | "payload">>;
  private readonly payload: SimOptions["payload"];
  private readonly schedule: Schedule;
  private readonly appFactory: ApplicationFactory;
  private readonly trace: ((line: string) => void) | undefined;
  private now = 0;
  private nextAction = 0;
  // network state
  private group = new Map<number, number>();
  private dropRate = 0;
  private dupRate = 0;
  private minDelay = 2;
  private maxDelay = 20;
  private diskDelay = 10;
  // counters
  delivered = 0;
  private dropped = 0;
  private proposals = 0;
  private reads = 0;
  private readsAnswered = 0;
  private elections = 0;
  private nextId: number;
  private proposalSeq = 0;
  private healAt: number;
  private probeDone: number | undefined;
  private lastProbeTick = -1000;

  constructor(opts: SimOptions) {
    this.o = {
      seed: opts.seed,
      nodes: opts.nodes ?? 5,
      ticks: opts.ticks ?? 400,
      livenessTicks: opts.livenessTicks ?? 100,
      confChanges: opts.confChanges ?? false,
      proposalsPerTick: opts.proposalsPerTick ?? 2,
      readsPerTick: opts.readsPerTick ?? 0.5,
      electionTick: opts.electionTick ?? 10,
      heartbeatTick: opts.heartbeatTick ?? 1,
      snapshotEvery: opts.snapshotEvery ?? 64,
      keepEntries: opts.keepEntries ?? 8,
      maxInflight: opts.maxInflight ?? 8,
      maxSizePerMsg: opts.maxSizePerMsg ?? 128,
      preVote: opts.preVote ?? true,
      checkQuorum: opts.checkQuorum ?? true,
    };
    if (!(this.o.nodes >= 1 && this.o.nodes <= 50))
      throw new Error(`Simulation: nodes must be in 1..50, got ${this.o.nodes}`);
    this.schedule =
      opts.schedule ??
      randomSchedule(opts.seed, {
        nodes: this.o.nodes,
        ticks: this.o.ticks,
        confChanges: this.o.confChanges,
      });
    this.appFactory = opts.app ?? (() => new ChainApp());
    this.trace = opts.trace;
    this.payload = opts.payload;
    this.netRand = new SeededRand(opts.seed);
    this.workRand = new SeededRand(opts.seed ^ 0x5f3759df);
    this.nextId = this.o.nodes + 1;
    this.healAt = this.o.ticks;
    const peers = Array.from({ length: this.o.nodes }, (_, i) => i + 1);
    // Create every initial node before any applies the bootstrap conf changes (applying an
    // AddNode for an unknown node would create it as a joiner).
    const initial = peers.map((id) => this.createNode(id));
    for (const n of initial) {
      n.raw!.bootstrap(peers);
      this.processReady(n);
    }
    // One Action event per tick, each scheduling the next (a short agenda keeps the heap fast).
    this.q.push(0, EventKind.Action, 0, 0, undefined);
  }

  // ---- nodes ---------------------------------------------------------------------------

  private createNode(id: number): SimNode {
    const n: SimNode = {
      id,
      storage: new MemoryStorage(),
      rand: new SeededRand((this.o.seed * 31 + id * 0x9e3779b1) >>> 0),
      raw: undefined,
      app: undefined,
      alive: false,
      incarnation: 0,
      readyPending: false,
      syncedHardState: emptyHardState,
      removed: false,
      phase: 1 + this.netRand.intn(TICK - 1),
      tickPeriod: TICK,
      probeApplied: false,
    };
    this.nodes.set(id, n);
    this.start(n);
    return n;
  }

  private start(n: SimNode): void {
    const snap = n.storage.snapshot();
    n.raw = new RawNode({
      id: n.id,
      storage: n.storage,
      rand: n.rand,
      applied: snap.metadata.index,
      electionTick: this.o.electionTick,
      heartbeatTick: this.o.heartbeatTick,
      maxInflightMsgs: this.o.maxInflight,
      maxSizePerMsg: this.o.maxSizePerMsg,
      preVote: this.o.preVote,
      checkQuorum: this.o.checkQuorum,
    });
    n.app = this.appFactory(n.id);
    n.app.restore(snap.data);
    n.alive = true;
    n.incarnation++;
    n.readyPending = false;
    // First tick at the node's phase within the next tick period.
    const base = Math.floor(this.now / TICK) * TICK;
    this.q.push(
      base + n.phase + (base + n.phase <= this.now ? TICK : 0),
      EventKind.Tick,
      n.id,
      n.incarnation,
      undefined,
    );
    this.scheduleReady(n);
  }

  private crash(n: SimNode): void {
    if (!n.alive) return;
    n.alive = false;
    // Unsynced writes are lost: only a commit-index-only hard state can be unsynced.
    const hs = n.storage.initialState().hardState;
    if (hs !== n.syncedHardState) {
      if (hs.term !== n.syncedHardState.term || hs.vote !== n.syncedHardState.vote) {
        throw new Error(`node ${n.id}: term/vote written without a sync`);
      }
      this.log(
        () =>
          `crash ${n.id} loses its unsynced commit index ${hs.commit} (back to ${n.syncedHardState.commit})`,
      );
      n.storage.setHardState(n.syncedHardState);
    }
    n.raw = undefined;
    n.app = undefined;
    n.incarnation++;
    n.readyPending = false;
    this.hash.add(0xc4a54);
    this.hash.add(n.id);
    this.log(() => `crash ${n.id}`);
  }

  private scheduleReady(n: SimNode): void {
    if (n.readyPending || !n.alive || !n.raw!.hasReady()) return;
    n.readyPending = true;
    this.q.push(
      this.now + 1 + this.netRand.intn(this.diskDelay),
      EventKind.Ready,
      n.id,
      n.incarnation,
      undefined,
    );
  }

  /** Follows the Ready contract: persist, send, apply, advance. */
  private processReady(n: SimNode): void {
    const raw = n.raw!;
    const rd: Ready = raw.ready();
    const st = n.storage;
    if (rd.softState !== undefined && rd.softState.role === Role.Leader && raw.raft.term > 0) {
      this.elections++;
      this.inv.onLeader(n.id, raw.raft.term, raw.raft);
      this.hash.add(0x1ead);
      this.hash.add(n.id);
      this.hash.add(raw.raft.term);
      this.log(() => `${n.id} became leader of term ${raw.raft.term}`);
    }
    // 1. persist
    if (rd.snapshot !== undefined) st.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) {
      st.append(rd.entries);
      const pt = st.term(rd.entries[0]!.index - 1);
      this.inv.onPersistEntries(n.id, rd.entries, typeof pt === "number" ? pt : -1);
    }
    if (rd.hardState !== undefined) {
      st.setHardState(rd.hardState);
      if (rd.mustSync || rd.snapshot !== undefined) n.syncedHardState = rd.hardState;
      this.inv.onPersistCommit(n.id, rd.hardState.commit, raw.raft);
    }
    // 2. send
    for (let i = 0; i < rd.messages.length; i++) this.send(rd.messages[i]!);
    // 3. apply
    const app = n.app!;
    if (rd.snapshot !== undefined) {
      app.restore(rd.snapshot.data);
      this.inv.onRestore(n.id, rd.snapshot.metadata.index, app.fingerprint());
    }
    const ents = rd.committedEntries;
    let confChanged = false;
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      app.apply(e);
      this.inv.onApply(n.id, e.index, app.fingerprint());
      if (e.type === EntryType.ConfChange) {
        this.applyConfChange(n, e);
        confChanged = true;
      } else if (e.data.length > 0 && e.data[0] === PROBE && this.now >= this.healAt * TICK)
        n.probeApplied = true;
      if (!n.alive) return; // removed itself
    }
    for (let i = 0; i < rd.readStates.length; i++) {
      const rs = rd.readStates[i]!;
      const c = rs.requestCtx;
      const ctx = c.length === 4 ? new DataView(c.buffer, c.byteOffset, 4).getUint32(0, true) : -1;
      this.inv.onReadState(n.id, ctx, rs);
      this.readsAnswered++;
      app.read?.(rs);
    }
    if (ents.length > 0) {
      this.hash.add(n.id);
      this.hash.add(ents[ents.length - 1]!.index);
    }
    // 4. advance
    raw.advance(rd);
    const applied = raw.raft.log.applied;
    const snapIndex = st.snapshot().metadata.index;
    // Snapshot and compact now and then, and after every conf change (so a snapshot sent to a
    // new member includes it).
    if (applied - snapIndex >= this.o.snapshotEvery || (confChanged && applied > snapIndex)) {
      st.createSnapshot(applied, raw.raft.prs.confState(), app.snapshot());
      // Saving a snapshot syncs the log and hard state written before it (as a WAL does).
      n.syncedHardState = st.initialState().hardState;
      const upto = applied - this.o.keepEntries;
      if (upto >= st.firstIndex()) st.compact(upto);
    }
  }

  private applyConfChange(n: SimNode, e: Entry): void {
    const cc = decodeConfChange(e.data);
    const res = n.raw!.applyConfChange(cc);
    if (typeof res === "string") return;
    // The first node to apply a change makes it happen in the simulated world.
    if (cc.type !== ConfChangeType.RemoveNode && !this.nodes.has(cc.nodeId)) {
      this.log(() => `node ${cc.nodeId} joins`);
      this.createNode(cc.nodeId);
    } else if (cc.type === ConfChangeType.RemoveNode) {
      const gone = this.nodes.get(cc.nodeId);
      if (gone && !gone.removed) {
        this.log(() => `node ${cc.nodeId} removed`);
        gone.removed = true;
        this.crash(gone);
      }
    }
  }

  // ---- network -------------------------------------------------------------------------

  private send(m: Message): void {
    if (this.dropRate > 0 && this.netRand.float() < this.dropRate) {
      this.dropped++;
      if (m.type === MessageType.Snap) this.q.push(this.now, EventKind.SnapStatus, m.from, 0, m, false);
      return;
    }
    const span = this.maxDelay - this.minDelay + 1;
    this.q.push(this.now + this.minDelay + this.netRand.intn(span), EventKind.Deliver, m.to, 0, m);
    if (this.dupRate > 0 && this.netRand.float() < this.dupRate) {
      this.q.push(this.now + this.minDelay + this.netRand.intn(span), EventKind.Deliver, m.to, 0, m);
    }
  }

  private connected(a: number, b: number): boolean {
    if (this.group.size === 0) return true;
    const ga = this.group.get(a);
    return ga !== undefined && ga === this.group.get(b);
  }

  private deliver(m: Message): void {
    const n = this.nodes.get(m.to);
    if (n === undefined || !n.alive || !this.connected(m.from, m.to)) {
      this.dropped++;
      if (m.type === MessageType.Snap) this.q.push(this.now, EventKind.SnapStatus, m.from, 0, m, false);
      const sender = this.nodes.get(m.from);
      if (sender?.alive && n !== undefined && !this.connected(m.from, m.to)) {
        sender.raw!.reportUnreachable(m.to);
        this.scheduleReady(sender);
      }
      return;
    }
    this.delivered++;
    const h = this.hash;
    h.add(this.now);
    h.add(m.to);
    h.add(m.from);
    h.add(m.type);
    h.add(m.term);
    h.add(m.index);
    h.add(m.logTerm);
    h.add(m.commit);
    h.add(m.entries.length);
    h.add(m.reject ? m.rejectHint + 1 : 0);
    if (this.trace) this.trace(`${this.now} ${m.from}->${m.to} ${describe(m)}`);
    n.raw!.step(m);
    if (m.type === MessageType.Snap) this.q.push(this.now, EventKind.SnapStatus, m.from, 0, m, true);
    this.scheduleReady(n);
  }

  // ---- the run -------------------------------------------------------------------------

  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (n.alive && n.raw!.raft.role === Role.Leader && (!best || n.raw!.raft.term > best.raw!.raft.term))
        best = n;
    }
    return best;
  }

  private aliveNodes(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (n.alive) out.push(n);
    return out;
  }

  private applyFault(f: FaultEvent): void {
    this.hash.addString(f.kind);
    this.log(() => `fault ${JSON.stringify(f)}`);
    switch (f.kind) {
      case "partition": {
        this.group = new Map();
        f.groups.forEach((g, i) => g.forEach((id) => this.group.set(id, i)));
        // Nodes named in no group are isolated (each alone).
        return;
      }
      case "heal":
        this.group = new Map();
        return;
      case "crash": {
        const n = this.nodes.get(f.node);
        if (n && !n.removed) this.crash(n);
        return;
      }
      case "restart": {
        const n = this.nodes.get(f.node);
        if (n && !n.alive && !n.removed) this.start(n);
        return;
      }
      case "drop":
        this.dropRate = Math.min(Math.max(f.rate, 0), 1);
        return;
      case "duplicate":
        this.dupRate = Math.min(Math.max(f.rate, 0), 1);
        return;
      case "delay":
        this.maxDelay = Math.max(this.minDelay, Math.round(f.maxTicks * TICK));
        return;
      case "clock": {
        const n = this.nodes.get(f.node);
        if (n) n.tickPeriod = Math.max(1, Math.round(TICK / Math.min(Math.max(f.rate, 0.1), 10)));
        return;
      }
      case "crash-leader": {
        const l = this.leader();
        if (l) this.crash(l);
        return;
      }
      case "isolate-leader": {
        const l = this.leader();
        if (!l) return;
        this.group = new Map();
        for (const id of this.nodes.keys()) this.group.set(id, id === l.id ? 0 : 1);
        return;
      }
      case "transfer": {
        const l = this.leader();
        if (l) {
          l.raw!.transferLeader(f.to);
          this.scheduleReady(l);
        }
        return;
      }
      case "add-learner": {
        const l = this.leader();
        if (l && this.nextId <= this.o.nodes + 3) {
          l.raw!.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: this.nextId++ });
          this.scheduleReady(l);
        }
        return;
      }
      case "promote": {
        const l = this.leader();
        const learner = l?.raw!.raft.prs.learners[0];
        if (l && learner !== undefined) {
          l.raw!.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: learner });
          this.scheduleReady(l);
        }
        return;
      }
      case "remove": {
        const l = this.leader();
        if (l && l.raw!.raft.prs.voters.length > 3 && l.raw!.raft.prs.progress.has(f.node)) {
          l.raw!.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: f.node });
          this.scheduleReady(l);
        }
        return;
      }
    }
  }

  private heal(): void {
    this.group = new Map();
    this.dropRate = 0;
    this.dupRate = 0;
    this.maxDelay = 20;
    for (const n of this.nodes.values()) {
      n.tickPeriod = TICK;
      if (!n.alive && !n.removed) this.start(n);
    }
    this.log(() => "heal: faults stop");
  }

  /** Once per tick: faults due now, client workload, liveness bookkeeping. */
  private action(tick: number): void {
    while (this.nextAction < this.schedule.length && this.schedule[this.nextAction]!.at <= tick) {
      const f = this.schedule[this.nextAction++]!;
      if (tick < this.healAt) this.applyFault(f);
    }
    if (tick === this.healAt) this.heal();
    const alive = this.aliveNodes();
    if (alive.length === 0) return;
    const w = this.workRand;
    if (tick < this.healAt) {
      let k = Math.floor(this.o.proposalsPerTick);
      if (w.float() < this.o.proposalsPerTick - k) k++;
      for (let i = 0; i < k; i++) {
        const n = alive[w.intn(alive.length)]!;
        let data: Uint8Array;
        if (this.payload) data = this.payload(++this.proposalSeq, w);
        else {
          data = new Uint8Array(8);
          data[0] = PROPOSAL;
          new DataView(data.buffer).setUint32(4, ++this.proposalSeq, true);
        }
        n.raw!.propose(data);
        this.proposals++;
        this.scheduleReady(n);
      }
      let r = Math.floor(this.o.readsPerTick);
      if (w.float() < this.o.readsPerTick - r) r++;
      for (let i = 0; i < r; i++) {
        const n = alive[w.intn(alive.length)]!;
        const ctx = new Uint8Array(4);
        const id = ++this.reads;
        new DataView(ctx.buffer).setUint32(0, id, true);
        this.inv.onReadStart(id);
        n.raw!.readIndex(ctx);
        this.scheduleReady(n);
      }
      return;
    }
    // Liveness: after healing, a proposal must commit on every live member.
    if (this.probeDone !== undefined) return;
    const members = alive.filter((n) => !n.removed);
    if (members.every((n) => n.probeApplied)) {
      this.probeDone = tick - this.healAt;
      this.log(() => `liveness probe committed everywhere after ${this.probeDone} ticks`);
      return;
    }
    if (tick >= this.healAt + this.o.livenessTicks) {
      const roles = members.map(
        (n) => `${n.id}:${n.raw!.raft.role}@${n.raw!.raft.term}/c${n.raw!.raft.log.committed}`,
      );
      this.inv.reportLiveness(
        `no commit on every node ${this.o.livenessTicks} ticks after healing (${roles.join(" ")})`,
      );
      this.probeDone = -1;
      return;
    }
    const l = this.leader();
    if (l && tick - this.lastProbeTick >= this.o.electionTick) {
      this.lastProbeTick = tick;
      const data = new Uint8Array(8);
      data[0] = PROBE;
      new DataView(data.buffer).setUint32(4, tick, true);
      l.raw!.propose(data);
      this.scheduleReady(l);
    }
  }

  run(): SimResult {
    const end = (this.healAt + this.o.livenessTicks) * TICK;
    try {
      for (;;) {
        const e = this.q.pop();
        if (e === undefined || e.time > end) break;
        this.now = e.time;
        this.inv.now = e.time / TICK;
        switch (e.kind) {
          case EventKind.Deliver:
            this.deliver(e.msg!);
            break;
          case EventKind.Tick: {
            const n = this.nodes.get(e.node)!;
            if (!n.alive || n.incarnation !== e.incarnation) break;
            n.raw!.tick();
            this.scheduleReady(n);
            this.q.push(e.time + n.tickPeriod, EventKind.Tick, n.id, n.incarnation, undefined);
            break;
          }
          case EventKind.Ready: {
            const n = this.nodes.get(e.node)!;
            if (!n.alive || n.incarnation !== e.incarnation) break;
            n.readyPending = false;
            this.processReady(n);
            if (n.alive) this.scheduleReady(n);
            break;
          }
          case EventKind.SnapStatus: {
            const n = this.nodes.get(e.node);
            if (n?.alive) {
              n.raw!.reportSnapshot(e.msg!.to, e.ok ? "finish" : "failure");
              this.scheduleReady(n);
            }
            break;
          }
          case EventKind.Action: {
            const tick = e.time / TICK;
            this.action(tick);
            if (tick % 50 === 49) this.fullCheck();
            this.q.push(e.time + TICK, EventKind.Action, 0, 0, undefined);
            if (this.probeDone !== undefined) return this.finish(tick);
            break;
          }
        }
        this.q.release(e);
      }
    } catch (err) {
      this.inv.reportCrash(err instanceof Error ? (err.stack ?? err.message) : String(err));
    }
    return this.finish(Math.floor(this.now / TICK));
  }

  /** The whole-log checks: log matching across nodes, and each node's committed prefix. */
  private fullCheck(): void {
    const logs = new Map<number, readonly Entry[]>();
    for (const n of this.nodes.values()) {
      const st = n.storage;
      const ents = st.entries(st.firstIndex(), st.lastIndex() + 1, Number.POSITIVE_INFINITY);
      if (typeof ents === "string") continue;
      logs.set(n.id, ents);
      this.inv.committedPrefixCheck(n.id, ents, st.initialState().hardState.commit);
    }
    this.inv.fullCheck(logs);
  }

  private finish(ticks: number): SimResult {
    this.fullCheck();
    return {
      seed: this.o.seed,
      violations: this.inv.violations,
      delivered: this.delivered,
      dropped: this.dropped,
      proposals: this.proposals,
      committed: this.inv.committedMax,
      reads: this.reads,
      readsAnswered: this.readsAnswered,
      elections: this.elections,
      ticks,
      traceHash: this.hash.hex(),
      recoveryTicks: this.probeDone !== undefined && this.probeDone >= 0 ? this.probeDone : undefined,
    };
  }

  private log(line: () => string): void {
    if (this.trace) this.trace(`${this.now} ${line()}`);
  }
}

function describe(m: Message): string {
  let s = `${messageTypeNames[m.type]} term=${m.term}`;
  if (m.index || m.logTerm) s += ` index=${m.index} logTerm=${m.logTerm}`;
  if (m.commit) s += ` commit=${m.commit}`;
  if (m.entries.length) s += ` entries=${m.entries.length}`;
  if (m.reject) s += ` reject hint=${m.rejectHint}`;
  return s;
}

/** Runs one simulation. */
export function simulate(opts: SimOptions): SimResult {
  return new Simulation(opts).run();
}
