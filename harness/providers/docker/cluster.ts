/**
 * The docker provider's cluster: members as containers (./member.ts) on the run's network
 * (./network.ts). Killable (docker kill / start: data in the bind-mounted `nodes/<node>/data`,
 * the fixed address kept), Pausable (docker pause), Net (iptables in each container's namespace
 * through nsenter, re-applied when a member restarts), Clock (libfaketime mounted in, reference
 * server only), Disk (host tmpfs bind-mounted as the data directory), Members (./members.ts).
 * Teardown removes the containers, the network and the mounts, and unregisters the run.
 */
import type {
  Capabilities,
  CapabilityName,
  Grudge,
  Killable,
  Members,
  Net,
  Pausable,
  PartitionOptions,
} from "../../api/capabilities.js";
import { HarnessError, type Cluster, type NodeInfo } from "../../api/cluster.js";
import { diskCapability, undoMounts } from "../local/disk.js";
import { disarmNoSpace } from "../member-calls.js";
import { addRules, deleteRules, failures, type NamespaceRules } from "../partition-rules.js";
import { unregisterActive, writeState } from "../local/state.js";
import { memberStatus } from "../local/status.js";
import { clockCapability } from "./clock.js";
import { removeRunImages } from "./images.js";
import type { DockerMember } from "./member.js";
import { dropRule, removeNetwork, type DockerNet } from "./network.js";
import type { DockerState } from "./state.js";

export interface DockerClusterParts {
  state: DockerState;
  resultsRoot: string;
  members: Map<string, DockerMember>;
  infos: Map<string, NodeInfo>;
  net: DockerNet;
  faketimeDirs?: Map<string, string>;
  tmpfsDirs?: Map<string, string>;
  membership?: (cluster: DockerCluster) => Members;
  version: string;
  log: (line: string) => void;
  unavailable: Partial<Record<CapabilityName, string>>;
}

interface Rule {
  node: string;
  rule: string[];
}

export class DockerCluster implements Cluster {
  readonly nodes: readonly string[];
  readonly capabilities: Capabilities;
  readonly unavailable: Partial<Record<CapabilityName, string>>;
  private tornDown = false;
  private rules: Rule[] = [];
  private grudge: Record<string, string[]> = {};

  constructor(readonly p: DockerClusterParts) {
    this.nodes = [...p.members.keys()];
    this.unavailable = { ...p.unavailable };
    const caps: Capabilities = { killable: this.killable(), pausable: this.pausable() };
    // Partitions enter the container's namespace with nsenter: root only.
    if (process.getuid?.() === 0) caps.net = this.netCapability();
    else this.unavailable.net = "needs root (iptables in the container's namespace via nsenter)";
    if (p.faketimeDirs) caps.clock = clockCapability(p.faketimeDirs, p.log, () => this.tornDown);
    if (p.tmpfsDirs)
      caps.disk = diskCapability(p.tmpfsDirs, p.log, (node) =>
        disarmNoSpace(
          this.nodes.map((name) => {
            const m = this.member(name);
            return { name, endpoint: this.clientEndpoints(name)[0]!, running: m.running, paused: m.paused };
          }),
          node,
          p.log,
        ),
      );
    if (p.membership) caps.members = p.membership(this);
    this.capabilities = caps;
    for (const m of p.members.values()) m.onStarted = (x) => this.reapply(x.spec.node);
  }

  member(node: string): DockerMember {
    const m = this.p.members.get(node);
    if (!m) throw new HarnessError(`no member named ${node} (members: ${this.nodes.join(", ")})`);
    return m;
  }

  save(): void {
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

  /** Container ids by member (for tests and the cleanup check). */
  containerIds(): Record<string, string | undefined> {
    return Object.fromEntries([...this.p.members].map(([n, m]) => [n, m.id]));
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const last = new Map<string, string>();
    for (;;) {
      const dead: string[] = [];
      for (const n of this.nodes) if (!(await this.member(n).refresh())) dead.push(n);
      if (dead.length > 0)
        throw new HarnessError(
          `member${dead.length > 1 ? "s" : ""} ${dead.join(", ")} exited while starting:\n` +
            dead.map((n) => `--- ${n} (log) ---\n${this.logTail(n, 15)}`).join("\n"),
        );
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
        const detail = this.nodes
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
        await this.member(node).kill();
        this.p.log(`killed ${node} (docker kill)`);
      },
      start: async (node) => {
        const m = this.member(node);
        if (m.running) return;
        await m.start();
        this.p.log(`restarted ${node} (docker start, pid ${m.pid})`);
      },
      isRunning: (node) => this.member(node).running,
    };
  }

  private pausable(): Pausable {
    return {
      pause: async (node) => {
        await this.member(node).pause();
        this.p.log(`paused ${node} (docker pause)`);
      },
      resume: async (node) => {
        await this.member(node).resume();
        this.p.log(`resumed ${node} (docker unpause)`);
      },
      isPaused: (node) => this.member(node).paused,
    };
  }

  /** Re-applies the partition rules of a member whose container (and namespace) was restarted. */
  private async reapply(node: string): Promise<void> {
    const m = this.member(node);
    const mine = this.rules.filter((r) => r.node === node);
    if (!m.pid || mine.length === 0) return;
    const [o] = await addRules([this.nsRules(node, mine)]);
    if (o?.status === "rejected") throw o.reason;
    this.p.log(`re-applied ${mine.length} partition rule(s) in ${node}'s new namespace`);
  }

  /** A member's rules as a batch run inside its container's network namespace. */
  private nsRules(node: string, rules: readonly Rule[]): NamespaceRules {
    return { enter: ["nsenter", "-t", String(this.member(node).pid), "-n"], rules: rules.map((r) => r.rule) };
  }

  private netCapability(): Net {
    const net = this.p.net;
    return {
      partition: async (grudge: Grudge, opts: PartitionOptions = {}) => {
        const p = opts.probability;
        if (p !== undefined && !(p > 0 && p <= 1))
          throw new HarnessError(`partition probability must be in (0, 1], got ${p}`);
        const byNode: { node: string; member: DockerMember; peers: string[]; rules: Rule[] }[] = [];
        for (const [node, peers] of Object.entries(grudge)) {
          const member = this.member(node);
          const rules = peers.map((peer): Rule => {
            const ip = net.ips[peer];
            if (!ip) throw new HarnessError(`grudge names unknown member ${peer}`);
            return { node, rule: dropRule(ip, p) };
          });
          byNode.push({ node, member, peers: [...peers], rules });
        }
        // A stopped member gets its rules when it starts again (onStarted).
        const live = byNode.filter((b) => b.member.running && b.member.pid);
        const outcomes = await addRules(live.map((b) => this.nsRules(b.node, b.rules)));
        const failed = new Set(live.filter((_, i) => outcomes[i]!.status === "rejected").map((b) => b.node));
        for (const b of byNode) {
          if (failed.has(b.node)) continue;
          this.rules.push(...b.rules);
          (this.grudge[b.node] ??= []).push(...b.peers);
        }
        const why = failures(
          outcomes,
          live.map((b) => b.node),
        );
        if (why)
          throw new HarnessError(
            `partition rules not added (iptables in a container's namespace needs root, nsenter and the host's iptables-restore): ${why}`,
          );
        this.p.log(`partition ${JSON.stringify(grudge)}${p !== undefined ? ` p=${p}` : ""}`);
      },
      heal: async () => {
        const n = this.rules.length;
        const nodes = [...new Set(this.rules.map((r) => r.node))].filter((node) => {
          const m = this.p.members.get(node);
          return m?.running && m.pid;
        });
        // A rule that cannot be removed lives in a namespace that is going away with its container.
        await deleteRules(
          nodes.map((node) =>
            this.nsRules(
              node,
              this.rules.filter((r) => r.node === node),
            ),
          ),
        );
        this.rules = [];
        this.grudge = {};
        if (n) this.p.log(`healed ${n} rule(s)`);
      },
      current: () => Object.fromEntries(Object.entries(this.grudge).map(([k, v]) => [k, [...new Set(v)]])),
    };
  }

  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    const errors: string[] = [];
    await Promise.all(
      [...this.p.members].map(async ([node, m]) => {
        try {
          await m.remove();
          delete this.p.state.docker.containers[node];
        } catch (err) {
          errors.push(`remove container of ${node}: ${String(err)}`);
        }
      }),
    );
    try {
      await removeNetwork(this.p.net.id);
      delete this.p.state.docker.network;
    } catch (err) {
      errors.push(`remove network ${this.p.net.name}: ${String(err)}`);
    }
    errors.push(...(await undoMounts(this.p.state, () => {})));
    // Images this run built on demand (unless --keep-images); one in use by another run stays.
    // If a container of ours is left, the image stays recorded for `gauntlet cleanup`.
    if (errors.length === 0)
      errors.push(...(await removeRunImages(this.p.state, this.p.log).catch((e: unknown) => [String(e)])));
    this.save();
    if (errors.length === 0) {
      unregisterActive(this.p.resultsRoot, this.p.state.runId);
      this.p.log(
        `teardown complete: ${this.nodes.length} container(s) and network ${this.p.net.name} removed`,
      );
    } else {
      this.p.log(`teardown left things behind (run \`gauntlet cleanup\`):\n  ${errors.join("\n  ")}`);
    }
  }
}
