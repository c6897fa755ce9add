/**
 * The `external` provider: a cluster someone else runs, reached at `--endpoints a:p,b:q`. No
 * faults (every capability unavailable); teardown leaves the cluster alone. Endpoints outside
 * this machine (not 127.0.0.0/8, ::1 or localhost) are refused unless `allowRemote` is set, so
 * that a typo never aims a load test at someone's production cluster.
 */
import { isIP } from "node:net";
import { CAPABILITY_NAMES, type CapabilityName } from "../../api/capabilities.js";
import {
  HarnessError,
  type Cluster,
  type ClusterSpec,
  type NodeInfo,
  type Provider,
} from "../../api/cluster.js";
import { memberStatus } from "../local/status.js";

export interface ExternalOptions {
  /** `host:port,host:port` or a list. */
  endpoints: string | readonly string[];
  allowRemote?: boolean;
}

export interface Endpoint {
  host: string;
  port: number;
  /** `host:port` as gRPC wants it (IPv6 in brackets). */
  address: string;
}

export function isLocalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/** Parses and checks `--endpoints`; throws a HarnessError naming the bad entry. */
export function parseEndpoints(spec: string | readonly string[], allowRemote = false): Endpoint[] {
  const parts = (typeof spec === "string" ? spec.split(",") : [...spec]).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0)
    throw new HarnessError(
      "--endpoints is required with --provider external, e.g. --endpoints 127.0.0.1:2379",
    );
  return parts.map((raw) => {
    const s = raw.replace(/^https?:\/\//, "");
    const m = /^(\[[0-9a-fA-F:]+\]|[^:[\]]+):(\d{1,5})$/.exec(s);
    if (!m)
      throw new HarnessError(`bad endpoint ${JSON.stringify(raw)}: expected host:port (IPv6 as [::1]:2379)`);
    const host = m[1]!;
    const port = Number(m[2]);
    if (port < 1 || port > 65535)
      throw new HarnessError(`bad endpoint ${JSON.stringify(raw)}: port must be 1-65535`);
    if (!allowRemote && !isLocalHost(host))
      throw new HarnessError(
        `endpoint ${raw} is outside this machine (only 127.0.0.0/8, ::1 and localhost are allowed): pass --allow-remote if you mean it`,
      );
    return { host, port, address: `${host}:${port}` };
  });
}

class ExternalCluster implements Cluster {
  readonly nodes: readonly string[];
  readonly capabilities = {};
  readonly unavailable: Partial<Record<CapabilityName, string>>;
  private readonly infos: Map<string, NodeInfo>;
  private version = "unknown";

  constructor(
    eps: Endpoint[],
    private readonly log: (line: string) => void,
  ) {
    this.infos = new Map(
      eps.map((e, i) => [`n${i + 1}`, { name: `n${i + 1}`, clientEndpoints: [e.address], host: e.host }]),
    );
    this.nodes = [...this.infos.keys()];
    this.unavailable = Object.fromEntries(
      CAPABILITY_NAMES.map((c) => [c, "the external provider injects no faults"]),
    );
  }

  node(name: string): NodeInfo {
    const i = this.infos.get(name);
    if (!i) throw new HarnessError(`no member named ${name} (members: ${this.nodes.join(", ")})`);
    return i;
  }

  clientEndpoints(node: string): string[] {
    return this.node(node).clientEndpoints;
  }

  logTail(): string {
    return "(external cluster: no logs)";
  }

  async serverVersion(): Promise<string> {
    return this.version;
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const last = new Map<string, string>();
    for (;;) {
      const leaders = new Set<string>();
      await Promise.all(
        this.nodes.map(async (n) => {
          try {
            const s = await memberStatus(this.clientEndpoints(n)[0]!, 1000);
            this.version = `etcd-compatible server, API version ${s.version}`;
            if (s.leader === "0") last.set(n, "answers, but knows no leader");
            else {
              leaders.add(s.leader);
              last.delete(n);
            }
          } catch (err) {
            last.set(n, err instanceof Error ? err.message : String(err));
          }
        }),
      );
      if (last.size === 0 && leaders.size === 1) {
        this.log(`external cluster healthy: ${this.nodes.length} endpoint(s)`);
        return;
      }
      if (Date.now() > deadline)
        throw new HarnessError(
          `external cluster not healthy after ${Math.round(timeoutMs / 1000)} s: ` +
            [...last].map(([n, why]) => `${this.clientEndpoints(n)[0]}: ${why}`).join("; "),
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async teardown(): Promise<void> {}
}

export const externalProvider: Provider<ExternalOptions> = {
  name: "external",
  async start(spec: ClusterSpec, opts: ExternalOptions): Promise<Cluster> {
    const eps = parseEndpoints(opts.endpoints, opts.allowRemote);
    spec.log(`external cluster: ${eps.map((e) => e.address).join(", ")}`);
    return new ExternalCluster(eps, spec.log);
  },
};
