/**
 * The interaction-test environment: a handful of RawNodes over a manual network. Each
 * command of a script (see testdata/*.txt) drives it one step and prints what happened, so
 * a scenario reads like a trace of the protocol (after etcd's raft `rafttest`).
 *
 * Commands:
 *   add-nodes N [prevote=true] [checkquorum=true] [election=10] [max-size=∞] [join]
 *                           N new nodes; the first call bootstraps them as the voters, `join`
 *                           makes empty nodes that wait to be added by a conf change
 *   campaign ID             start an election on ID
 *   propose ID DATA         propose an entry
 *   propose-conf-change ID (add|add-learner|remove) NODE
 *   read-index ID CTX       request a linearizable read
 *   transfer-leadership from=ID to=ID
 *   tick ID [N]             tick ID N times (default 1)
 *   tick-election ID        tick ID 2*election-1 times (one election timeout surely passes)
 *   process-ready ID...     handle each node's Ready (persist, queue messages, apply)
 *   deliver-msgs ID...      deliver the queued messages addressed to these nodes
 *   drop-msgs ID...         drop the queued messages addressed to these nodes
 *   stabilize [ID...]       repeat process-ready + deliver-msgs until nothing happens
 *   isolate ID...           cut these nodes off from everyone else
 *   heal                    remove every cut
 *   crash ID / restart ID   lose everything not persisted / start again from storage
 *   compact ID INDEX        snapshot ID's state at its applied index; drop entries ≤ INDEX
 *   status ID / raft-state / raft-log ID
 *   log-level (debug|none)  include the core's debug lines in the output
 */
import {
  RawNode,
  MemoryStorage,
  SeededRand,
  EntryType,
  ConfChangeType,
  decodeConfChange,
  describeEntry,
  describeMessage,
  describeReady,
  describeConfState,
  roleNames,
} from "../../../impl/raft/index.js";
import type { Message, RaftConfig } from "../../../impl/raft/index.js";
import type { Command } from "./datadriven.js";

interface EnvNode {
  id: number;
  storage: MemoryStorage;
  raw: RawNode | undefined;
  config: Omit<RaftConfig, "id" | "storage" | "rand" | "applied">;
  /** Applied entries' data (the "state machine"). */
  applied: string[];
  crashed: boolean;
}

const encoder = new TextEncoder();

export class InteractionEnv {
  private readonly nodes = new Map<number, EnvNode>();
  /** Messages waiting for delivery, in send order. */
  private queue: Message[] = [];
  private isolated = new Set<number>();
  private debug = false;
  private logLines: string[] = [];

  handle(c: Command): string {
    this.logLines = [];
    const out = this.dispatch(c);
    return [...this.logLines, ...out].join("\n");
  }

  private node(arg: string | undefined): EnvNode {
    const id = Number(arg);
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${arg}`);
    return n;
  }

  private raw(arg: string | undefined): RawNode {
    const n = this.node(arg);
    if (!n.raw) throw new Error(`node ${arg} is crashed`);
    return n.raw;
  }

  private ids(args: readonly string[]): number[] {
    if (args.length === 0) return [...this.nodes.keys()].sort((a, b) => a - b);
    return args.map((a) => this.node(a).id);
  }

  private start(n: EnvNode): void {
    const snap = n.storage.snapshot();
    n.raw = new RawNode({
      ...n.config,
      id: n.id,
      storage: n.storage,
      rand: new SeededRand(n.id),
      applied: snap.metadata.index,
      logger: (l) => {
        if (this.debug) this.logLines.push(`DEBUG ${l}`);
      },
    });
    n.crashed = false;
  }

  private dispatch(c: Command): string[] {
    const a = c.args;
    switch (c.name) {
      case "add-nodes": {
        const count = Number(a[0]);
        const first = this.nodes.size + 1;
        const ids = Array.from({ length: count }, (_, i) => first + i);
        const join = a.includes("join");
        const config = {
          electionTick: Number(c.kv.get("election") ?? 10),
          heartbeatTick: 1,
          preVote: (c.kv.get("prevote") ?? "true") === "true",
          checkQuorum: (c.kv.get("checkquorum") ?? "true") === "true",
          maxSizePerMsg: c.kv.has("max-size") ? Number(c.kv.get("max-size")) : undefined,
        };
        const out: string[] = [];
        for (const id of ids) {
          const n: EnvNode = {
            id,
            storage: new MemoryStorage(),
            raw: undefined,
            config,
            applied: [],
            crashed: false,
          };
          this.nodes.set(id, n);
          this.start(n);
          if (!join && first === 1) {
            n.raw!.bootstrap(ids);
            this.processReady(n, true);
          }
          const st = n.raw!.status();
          out.push(
            `INFO ${id} started: term ${st.term}, commit ${st.commit}, applied ${st.applied}, ` +
              describeConfState({ voters: st.voters, learners: st.learners }),
          );
        }
        return out;
      }
      case "campaign":
        this.raw(a[0]).campaign();
        return [];
      case "propose": {
        const r = this.raw(a[0]).propose(encoder.encode(a[1] ?? ""));
        return r === "ok" ? [] : [`proposal ${r}`];
      }
      case "propose-conf-change": {
        const type = {
          add: ConfChangeType.AddNode,
          "add-learner": ConfChangeType.AddLearner,
          remove: ConfChangeType.RemoveNode,
        }[a[1] ?? ""];
        if (type === undefined) throw new Error(`unknown conf change "${a[1]}"`);
        const r = this.raw(a[0]).proposeConfChange({ type, nodeId: Number(a[2]) });
        return r === "ok" ? [] : [`proposal ${r}`];
      }
      case "read-index": {
        const r = this.raw(a[0]).readIndex(encoder.encode(a[1] ?? ""));
        return r === "ok" ? [] : [`read ${r}`];
      }
      case "transfer-leadership": {
        const r = this.raw(c.kv.get("from")).transferLeader(Number(c.kv.get("to")));
        return r === "ok" ? [] : [`transfer ${r}`];
      }
      case "tick": {
        const raw = this.raw(a[0]);
        for (let i = 0; i < Number(a[1] ?? 1); i++) raw.tick();
        return [];
      }
      case "tick-election": {
        const raw = this.raw(a[0]);
        for (let i = 0; i < 2 * raw.raft.electionTimeout - 1; i++) raw.tick();
        return [];
      }
      case "tick-heartbeat": {
        const raw = this.raw(a[0]);
        for (let i = 0; i < raw.raft.heartbeatTimeout; i++) raw.tick();
        return [];
      }
      case "process-ready":
        return this.ids(a).flatMap((id) => this.processReady(this.nodes.get(id)!, false));
      case "deliver-msgs":
        return this.ids(a).flatMap((id) => this.deliver(id, false));
      case "drop-msgs":
        return this.ids(a).flatMap((id) => this.deliver(id, true));
      case "stabilize": {
        const ids = this.ids(a);
        const out: string[] = [];
        for (let round = 0; round < 1000; round++) {
          let progress = false;
          for (const id of ids) {
            const n = this.nodes.get(id)!;
            if (n.raw && n.raw.hasReady()) {
              out.push(...this.processReady(n, false));
              progress = true;
            }
          }
          for (const id of ids) {
            const d = this.deliver(id, false);
            if (d.length > 0) progress = true;
            out.push(...d);
          }
          if (!progress) return out;
        }
        throw new Error("stabilize: no fixpoint after 1000 rounds");
      }
      case "isolate":
        for (const id of this.ids(a)) this.isolated.add(id);
        return [];
      case "heal":
        this.isolated.clear();
        return [];
      case "crash": {
        const n = this.node(a[0]);
        n.raw = undefined;
        n.crashed = true;
        n.applied = [];
        this.queue = this.queue.filter((m) => m.to !== n.id);
        return [];
      }
      case "restart": {
        const n = this.node(a[0]);
        if (n.raw) throw new Error(`node ${n.id} is running`);
        this.start(n);
        // Replay the committed log into the (lost) state machine, as a server does on boot.
        this.processReady(n, true);
        const st = n.raw!.status();
        return [
          `INFO ${n.id} restarted: term ${st.term}, commit ${st.commit}, applied ${st.applied}, last index ${st.lastIndex}, ${describeConfState({ voters: st.voters, learners: st.learners })}`,
        ];
      }
      case "compact": {
        const n = this.node(a[0]);
        const raw = this.raw(a[0]);
        const applied = raw.raft.log.applied;
        const snap = n.storage.createSnapshot(
          applied,
          raw.raft.prs.confState(),
          encoder.encode(n.applied.join(",")),
        );
        if (snap === "out-of-date") return ["snapshot out of date"];
        const r = n.storage.compact(Number(a[1]));
        return [`snapshot at ${applied}; compact ${a[1]}: ${r}; first index now ${n.storage.firstIndex()}`];
      }
      case "status": {
        const st = this.raw(a[0]).status();
        const out = [
          `${st.id}: ${roleNames[st.role]} term=${st.term} vote=${st.vote} lead=${st.leader} commit=${st.commit} applied=${st.applied} last=${st.lastIndex}`,
        ];
        if (st.progress) {
          const raft = this.raw(a[0]).raft;
          for (const [id, pr] of [...raft.prs.progress].sort((x, y) => x[0] - y[0]))
            out.push(`  ${id}: ${pr.describe()}`);
        }
        return out;
      }
      case "raft-state":
        return [...this.nodes.values()].map((n) => {
          if (!n.raw) return `${n.id}: crashed`;
          const r = n.raw.raft;
          const kind = r.prs.voters.includes(n.id)
            ? "voter"
            : r.prs.learners.includes(n.id)
              ? "learner"
              : "not a member";
          return `${n.id}: ${roleNames[r.role]} (${kind}) term=${r.term} lead=${r.lead} commit=${r.log.committed}${this.isolated.has(n.id) ? " isolated" : ""}`;
        });
      case "raft-log": {
        const n = this.node(a[0]);
        const raw = this.raw(a[0]);
        const ents = raw.raft.log.allEntries();
        const out = [`first index ${raw.raft.log.firstIndex()}, stable up to ${n.storage.lastIndex()}`];
        for (const e of ents) out.push(describeEntry(e));
        return out;
      }
      case "log-level":
        this.debug = a[0] === "debug";
        return [];
      default:
        throw new Error(`unknown command "${c.name}"`);
    }
  }

  /** The Ready contract: persist, send (queue), apply, advance. */
  private processReady(n: EnvNode, quiet: boolean): string[] {
    const raw = n.raw;
    if (!raw || !raw.hasReady()) return [];
    const rd = raw.ready();
    const out = quiet ? [] : [`> ${n.id} handling Ready`, ...describeReady(rd)];
    if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    // A cut network loses messages as they are sent (and, in deliver, those already in flight).
    for (const m of rd.messages)
      if (!this.isolated.has(m.from) && !this.isolated.has(m.to)) this.queue.push(m);
    if (rd.snapshot)
      n.applied = new TextDecoder()
        .decode(rd.snapshot.data)
        .split(",")
        .filter((x) => x !== "");
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.ConfChange) {
        const cc = decodeConfChange(e.data);
        const res = raw.applyConfChange(cc);
        if (!quiet)
          out.push(
            `  INFO ${n.id} applied conf change: ${typeof res === "string" ? `refused: ${res}` : describeConfState(res)}`,
          );
      } else if (e.type === EntryType.Normal) {
        n.applied.push(new TextDecoder().decode(e.data));
      }
    }
    raw.advance(rd);
    // Messages the conf change produced (e.g. TimeoutNow from a removed leader) wait for the next Ready.
    return out;
  }

  private deliver(to: number, drop: boolean): string[] {
    const mine = this.queue.filter((m) => m.to === to);
    if (mine.length === 0) return [];
    this.queue = this.queue.filter((m) => m.to !== to);
    const n = this.nodes.get(to);
    const out = [drop ? `> ${to} dropping messages` : `> ${to} receiving messages`];
    for (const m of mine) {
      const cut = this.isolated.has(m.from) || this.isolated.has(m.to);
      if (drop || cut || !n || !n.raw) {
        out.push(`  ${describeMessage(m)} DROPPED${cut && !drop ? " (partition)" : ""}`);
        continue;
      }
      out.push(`  ${describeMessage(m)}`);
      this.logLines = [];
      n.raw.step(m);
      out.push(...this.logLines.map((l) => `  ${l}`));
      this.logLines = [];
    }
    return out;
  }
}
