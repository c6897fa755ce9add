/**
 * The local provider's cluster: members as child processes (see ./provider.ts for how it is
 * started), with the capabilities the machine allows — Killable and Pausable always (signals),
 * Net when members live in network namespaces (root on Linux), Clock for the reference server
 * when asked for and libfaketime is installed. Teardown kills every process group, deletes the
 * namespaces, links and rules recorded in the state file, and unregisters the run.
 */
import { writeFileSync, renameSync } from "node:fs";
import type {
  Clock,
  Grudge,
  Killable,
  Net,
  Pausable,
  PartitionOptions,
  Capabilities,
  CapabilityName,
  Members,
} from "../../api/capabilities.js";
import { HarnessError, type Cluster, type NodeInfo } from "../../api/cluster.js";
import type { MemberProcess } from "./member.js";
import { undoNetwork, type NetLayout } from "./netns.js";
import { diskCapability, undoMounts } from "./disk.js";
import { disarmNoSpace } from "../member-calls.js";
import { addRules, deleteRules, failures } from "../partition-rules.js";
import { unregisterActive, writeState, type IptablesRecord, type LocalState } from "./state.js";
import { memberStatus } from "./status.js";

export interface LocalClusterParts {
  state: LocalState;
  resultsRoot: string;
  members: Map<string, MemberProcess>;
  infos: Map<string, NodeInfo>;
  net?: NetLayout;
  /** node → faketime control file, when the Clock capability is on. */
  faketimeFiles?: Map<string, string>;
  /** The Members capability, when the provider offers it. */
  membership?: Members;
  /** node → data directory on a tmpfs, when the Disk capability is on. */
  tmpfsDirs?: Map<string, string>;
  version: string;
  log: (line: string) => void;
  unavailable: Partial<Record<CapabilityName, string>>;
}

export class LocalCluster implements Cluster {
  readonly nodes: readonly string[];
  readonly capabilities: Capabilities;
  readonly unavailable: Partial<Record<CapabilityName, string>>;
  private tornDown = false;
  private added: IptablesRecord[] = [];
  private grudge: Record<string, string[]> = {};
  private readonly exits = new Map<string, { code: number | null; signal: string | null }>();

  constructor(private readonly p: LocalClusterParts) {
    this.nodes = [...p.members.keys()];
    this.unavailable = { ...p.unavailable };
    const caps: Capabilities = { killable: this.killable(), pausable: this.pausable() };
    if (p.net) caps.net = this.netCapability(p.net);
    if (p.faketimeFiles) caps.clock = this.clockCapability(p.faketimeFiles);
    if (p.membership) caps.members = p.membership;
    if (p.tmpfsDirs)
      caps.disk = diskCapability(p.tmpfsDirs, p.log, (node) =>
        disarmNoSpace(
          [...p.members].map(([name, m]) => ({
            name,
            endpoint: p.infos.get(name)!.clientEndpoints[0]!,
            running: m.running,
            paused: m.paused,
          })),
          node,
          p.log,
        ),
      );
    this.capabilities = caps;
    for (const [node, m] of p.members) {
      m.onUnexpectedExit = (code, signal) => {
        this.exits.set(node, { code, signal });
        p.log(`member ${node} exited unexpectedly (code ${code}, signal ${signal})`);
      };
    }
  }

  private member(node: string): MemberProcess {
    const m = this.p.members.get(node);
    if (!m) throw new HarnessError(`no member named ${node} (members: ${this.nodes.join(", ")})`);
    return m;
  }

  private save(): void {
    writeState(this.p.state);
  }

  node(name: string): NodeInfo {
    const i = this.p.infos.get(name);
    if (!i) throw new HarnessError(`no member named ${name} (members: ${this.nodes.join(", ")})`);
    return i;
  }

  clientEndpoints(node: string): string[] {
    return this.node(node).clientEndpoints;
  }

  logTail(node: string, lines = 15): string {
    return this.member(node).logTail(lines);
  }

  async serverVersion(): Promise<string> {
    return this.p.version;
  }

  /** How a member last exited without having been killed by the harness (undefined: it did not). */
  unexpectedExit(node: string): { code: number | null; signal: string | null } | undefined {
    return this.exits.get(node);
  }

  /** Pids of running members (for tests and the cleanup check). */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.p.members].map(([n, m]) => [n, m.pid]));
  }

  /** The log tails of some members; members whose tail equals an earlier one's say so instead. */
  private logsOf(nodes: readonly string[], lines = 12): string {
    const seen = new Map<string, string>();
    return nodes
      .map((n) => {
        // First lines (where a refused flag or a bad config is reported) and the last ones.
        const all = this.logTail(n, 100_000).split("\n");
        const tail =
          all.length > lines
            ? [...all.slice(0, 3), "...", ...all.slice(-(lines - 3))].join("\n")
            : all.join("\n");
        const same = seen.get(tail);
        if (same) return `--- ${n}: same log lines as ${same}`;
        seen.set(tail, n);
        return `--- ${n} (log) ---\n${tail}`;
      })
      .join("\n");
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const last = new Map<string, string>();
    for (;;) {
      const dead = this.nodes.filter((n) => !this.member(n).running);
      if (dead.length > 0) {
        throw new HarnessError(
          `member${dead.length > 1 ? "s" : ""} ${dead.join(", ")} exited while starting:\n` +
            this.logsOf(dead),
        );
      }
      const leaders = new Set<string>();
      let answered = 0;
      await Promise.all(
        this.nodes.map(async (n) => {
          try {
            const s = await memberStatus(this.clientEndpoints(n)[0]!, 1000);
            if (s.leader === "0" || s.leader === "") last.set(n, "answers, but knows no leader");
            else {
              leaders.add(s.leader);
              answered++;
              last.delete(n);
            }
          } catch (err) {
            last.set(n, err instanceof Error ? err.message : String(err));
          }
        }),
      );
      if (answered === this.nodes.length && leaders.size === 1) {
        this.p.log(`cluster healthy: ${this.nodes.length} members, leader ${[...leaders][0]}`);
        return;
      }
      if (Date.now() > deadline) {
        const bad = this.nodes.filter((n) => last.has(n));
        const detail = (bad.length ? bad : this.nodes)
          .map(
            (n) =>
              `--- ${n}: ${last.get(n) ?? "disagrees on the leader"}; last log lines ---\n${this.logTail(n)}`,
          )
          .join("\n");
        throw new HarnessError(
          `cluster not healthy after ${Math.round(timeoutMs / 1000)} s (no agreed leader):\n${detail}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private killable(): Killable {
    return {
      kill: async (node) => {
        const m = this.member(node);
        await m.kill();
        delete this.p.state.processes[node];
        this.save();
        this.p.log(`killed ${node}`);
      },
      start: async (node) => {
        const m = this.member(node);
        if (m.running) return;
        this.p.state.processes[node] = m.start();
        this.save();
        this.p.log(`restarted ${node} (pid ${m.pid})`);
      },
      isRunning: (node) => this.member(node).running,
    };
  }

  private pausable(): Pausable {
    return {
      pause: async (node) => {
        this.member(node).pause();
        this.p.log(`paused ${node}`);
      },
      resume: async (node) => {
        this.member(node).resume();
        this.p.log(`resumed ${node}`);
      },
      isPaused: (node) => this.member(node).paused,
    };
  }

  private netCapability(net: NetLayout): Net {
    return {
      partition: async (grudge: Grudge, opts: PartitionOptions = {}) => {
        const p = opts.probability;
        if (p !== undefined && !(p > 0 && p <= 1))
          throw new HarnessError(`partition probability must be in (0, 1], got ${p}`);
        const match =
          p !== undefined && p < 1 ? ["-m", "statistic", "--mode", "random", "--probability", String(p)] : [];
        const byNode: { node: string; ns: string; peers: string[]; records: IptablesRecord[] }[] = [];
        for (const [node, peers] of Object.entries(grudge)) {
          const ns = net.netns[node];
          if (!ns) throw new HarnessError(`grudge names unknown member ${node}`);
          const records = peers.map((peer): IptablesRecord => {
            const ip = net.ips[peer];
            if (!ip) throw new HarnessError(`grudge names unknown member ${peer}`);
            return { netns: ns, rule: ["INPUT", "-s", ip, ...match, "-j", "DROP"] };
          });
          byNode.push({ node, ns, peers: [...peers], records });
        }
        // Recorded before they exist, so that a harness killed meanwhile leaves them to cleanup.
        for (const b of byNode) this.p.state.iptables.push(...b.records);
        this.save();
        const outcomes = await addRules(
          byNode.map((b) => ({
            enter: ["ip", "netns", "exec", b.ns],
            rules: b.records.map((r) => r.rule),
          })),
        );
        byNode.forEach((b, i) => {
          if (outcomes[i]!.status !== "fulfilled") return;
          this.added.push(...b.records);
          (this.grudge[b.node] ??= []).push(...b.peers);
        });
        const failed = failures(
          outcomes,
          byNode.map((b) => b.node),
        );
        if (failed) throw new HarnessError(`partition rules not added: ${failed}`);
        this.p.log(`partition ${JSON.stringify(grudge)}${p !== undefined ? ` p=${p}` : ""}`);
      },
      heal: async () => {
        const added = this.added;
        const byNs = new Map<string, IptablesRecord[]>();
        for (const r of added) byNs.set(r.netns!, [...(byNs.get(r.netns!) ?? []), r]);
        const groups = [...byNs];
        const outcomes = await deleteRules(
          groups.map(([ns, rs]) => ({ enter: ["ip", "netns", "exec", ns], rules: rs.map((r) => r.rule) })),
        );
        const gone = new Set(groups.flatMap(([, rs], i) => (outcomes[i]!.status === "fulfilled" ? rs : [])));
        this.p.state.iptables = this.p.state.iptables.filter((x) => !gone.has(x));
        this.save();
        this.added = added.filter((r) => !gone.has(r));
        if (this.added.length === 0) this.grudge = {};
        if (gone.size) this.p.log(`healed ${gone.size} rule(s)`);
        const failed = failures(
          outcomes,
          groups.map(([ns]) => ns),
        );
        if (failed) throw new HarnessError(`partition rules not removed: ${failed}`);
      },
      current: () => Object.fromEntries(Object.entries(this.grudge).map(([k, v]) => [k, [...new Set(v)]])),
    };
  }

  private clockCapability(files: Map<string, string>): Clock {
    const write = (node: string, offsetMs: number) => {
      const f = files.get(node);
      if (!f) throw new HarnessError(`no member named ${node}`);
      const s = offsetMs / 1000;
      writeFileSync(`${f}.tmp`, `${s >= 0 ? "+" : ""}${s}s\n`);
      renameSync(`${f}.tmp`, f);
    };
    return {
      bump: async (node, deltaMs) => {
        write(node, deltaMs);
        this.p.log(`clock ${node} ${deltaMs >= 0 ? "+" : ""}${deltaMs} ms`);
      },
      strobe: async (node, deltaMs, periodMs, durationMs) => {
        const end = Date.now() + durationMs;
        let on = false;
        while (Date.now() < end && !this.tornDown) {
          on = !on;
          write(node, on ? deltaMs : 0);
          await new Promise((r) => setTimeout(r, periodMs));
        }
        write(node, 0);
      },
      reset: async (node) => {
        write(node, 0);
        this.p.log(`clock ${node} reset`);
      },
    };
  }

  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    const log = this.p.log;
    const errors: string[] = [];
    await Promise.all(
      [...this.p.members].map(async ([node, m]) => {
        try {
          await m.kill();
          delete this.p.state.processes[node];
        } catch (err) {
          errors.push(`kill ${node}: ${String(err)}`);
        }
      }),
    );
    this.save();
    errors.push(...(await undoNetwork(this.p.state, () => {})));
    errors.push(...(await undoMounts(this.p.state, () => {})));
    if (errors.length === 0) {
      this.p.state.netns = [];
      this.p.state.links = [];
      this.p.state.iptables = [];
      this.p.state.mounts = [];
      this.save();
      unregisterActive(this.p.resultsRoot, this.p.state.runId);
      log(
        `teardown complete: ${this.nodes.length} member(s) stopped${this.p.net ? ", namespaces, links and rules removed" : ""}`,
      );
    } else {
      log(`teardown left things behind (run \`gauntlet cleanup\`):\n  ${errors.join("\n  ")}`);
    }
  }
}
