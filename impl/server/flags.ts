/**
 * `gauntlet server` flags: etcd's own names, defaults and syntax, so the same start-up line
 * works for etcd and for Gauntlet. Like Go's flag package (which etcd uses), a flag may be
 * written `--flag value`, `--flag=value`, `-flag value` or `-flag=value`; a boolean flag alone
 * means true. An unknown flag or a stray argument is an error, never silently ignored.
 */
import { isLogLevel, type LogLevel } from "./log.js";

export interface ServerConfig {
  name: string;
  dataDir: string;
  walDir: string;
  listenClientUrls: URL[];
  advertiseClientUrls: string[];
  listenPeerUrls: URL[];
  initialAdvertisePeerUrls: string[];
  /** name → peer URLs, from --initial-cluster. */
  initialCluster: Map<string, string[]>;
  initialClusterState: "new" | "existing";
  initialClusterToken: string;
  snapshotCount: number;
  maxRequestBytes: number;
  /** 0 means etcd's default, 2 GiB. */
  quotaBackendBytes: number;
  maxTxnOps: number;
  listenMetricsUrls: URL[];
  heartbeatInterval: number;
  electionTimeout: number;
  logLevel: LogLevel;
  /** --force-truncate-wal: cut the WAL at damage to acknowledged records instead of refusing to start. */
  forceTruncateWal: boolean;
  /** Flags accepted for etcd compatibility that this server does not act on. */
  ignored: string[];
}

type Kind = "string" | "int" | "bool";
interface FlagSpec {
  kind: Kind;
  def: string;
  help: string;
  /** Accepted for compatibility with etcd start-up lines, but without effect here. */
  ignored?: boolean;
}

export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;

export const FLAGS: Record<string, FlagSpec> = {
  name: { kind: "string", def: "default", help: "Human-readable name for this member." },
  "data-dir": { kind: "string", def: "${name}.etcd", help: "Path to the data directory." },
  "wal-dir": {
    kind: "string",
    def: "",
    help: "Accepted for compatibility; the WAL is always <data-dir>/member/wal.",
    ignored: true,
  },
  "listen-client-urls": {
    kind: "string",
    def: "http://localhost:2379",
    help: "List of URLs to listen on for client traffic (gRPC, /health, /metrics).",
  },
  "advertise-client-urls": {
    kind: "string",
    def: "http://localhost:2379",
    help: "List of this member's client URLs to advertise to the public.",
  },
  "listen-peer-urls": {
    kind: "string",
    def: "http://localhost:2380",
    help: "List of URLs to listen on for peer traffic (not used by a single node).",
  },
  "initial-advertise-peer-urls": {
    kind: "string",
    def: "http://localhost:2380",
    help: "List of this member's peer URLs to advertise to the rest of the cluster.",
  },
  "initial-cluster": {
    kind: "string",
    def: "default=http://localhost:2380",
    help: "Initial cluster configuration for bootstrapping (name=peer-url,...).",
  },
  "initial-cluster-state": {
    kind: "string",
    def: "new",
    help: "Initial cluster state ('new' or 'existing').",
  },
  "initial-cluster-token": {
    kind: "string",
    def: "etcd-cluster",
    help: "Initial cluster token for the etcd cluster during bootstrap.",
  },
  "snapshot-count": {
    kind: "int",
    def: "100000",
    help: "Number of committed transactions to trigger a snapshot to disk.",
  },
  "max-request-bytes": {
    kind: "int",
    def: "1572864",
    help: "Maximum client request size in bytes the server will accept.",
  },
  "quota-backend-bytes": {
    kind: "int",
    def: "0",
    help: "Raise alarms when backend size exceeds the given quota (0 defaults to 2 GiB).",
  },
  "max-txn-ops": {
    kind: "int",
    def: "128",
    help: "Maximum number of operations permitted in a transaction.",
  },
  "listen-metrics-urls": {
    kind: "string",
    def: "",
    help: "List of additional URLs to listen on that respond to /metrics and /health.",
  },
  "heartbeat-interval": {
    kind: "int",
    def: "100",
    help: "Time (in milliseconds) of a heartbeat interval (used by replication, later).",
  },
  "election-timeout": {
    kind: "int",
    def: "1000",
    help: "Time (in milliseconds) for an election to timeout (used by replication, later).",
  },
  "log-level": {
    kind: "string",
    def: "info",
    help: "Configures log level: debug, info, warn, error, panic, or fatal.",
  },
  logger: {
    kind: "string",
    def: "zap",
    help: "Accepted for compatibility; logs are always zap-style JSON lines.",
    ignored: true,
  },
  "log-outputs": {
    kind: "string",
    def: "stderr",
    help: "Accepted for compatibility; logs always go to stderr.",
    ignored: true,
  },
  "enable-v2": {
    kind: "bool",
    def: "false",
    help: "Accepted for compatibility; the v2 API is not served.",
    ignored: true,
  },
  "auto-compaction-retention": {
    kind: "string",
    def: "0",
    help: "Accepted for compatibility; auto compaction is not supported (compact through the API).",
    ignored: true,
  },
  "auto-compaction-mode": {
    kind: "string",
    def: "periodic",
    help: "Accepted for compatibility; see --auto-compaction-retention.",
    ignored: true,
  },
  "strict-reconfig-check": {
    kind: "bool",
    def: "true",
    help: "Accepted for compatibility; no effect on a single node.",
    ignored: true,
  },
  "enable-pprof": {
    kind: "bool",
    def: "false",
    help: "Accepted for compatibility; use node --cpu-prof instead.",
    ignored: true,
  },
  "force-truncate-wal": {
    kind: "bool",
    def: "false",
    help: "Start even if the WAL is damaged where acknowledged writes were synced: cut it at the first damaged record (losing what follows; the damaged files are kept as *.damaged). Without it such a server refuses to start.",
  },
  help: { kind: "bool", def: "false", help: "Show this help." },
  version: { kind: "bool", def: "false", help: "Print the version and exit." },
};

export class FlagError extends Error {}

export type ParseResult = { kind: "help" } | { kind: "version" } | { kind: "run"; config: ServerConfig };

/** Parses argv (without `node gauntlet.js server`). Throws FlagError on bad input. */
export function parseFlags(argv: readonly string[]): ParseResult {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-") || arg === "-" || arg === "--")
      throw new FlagError(`'${arg}' is not a valid flag`);
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = name === "h" ? FLAGS.help : FLAGS[name];
    if (!spec) throw new FlagError(`flag provided but not defined: -${name}`);
    const key = name === "h" ? "help" : name;
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (spec.kind === "bool") value = "true";
    else {
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      value = argv[++i]!;
    }
    if (spec.kind === "bool" && !/^(true|false|1|0|t|f|TRUE|FALSE|True|False)$/.test(value))
      throw new FlagError(`invalid boolean value "${value}" for -${name}`);
    if (spec.kind === "int" && !/^-?\d+$/.test(value))
      throw new FlagError(`invalid value "${value}" for flag -${name}: parse error`);
    values.set(key, value);
  }
  const bool = (n: string): boolean => /^(true|1|t|TRUE|True)$/.test(values.get(n) ?? FLAGS[n]!.def);
  if (bool("help")) return { kind: "help" };
  if (bool("version")) return { kind: "version" };
  const str = (n: string): string => values.get(n) ?? FLAGS[n]!.def;
  const int = (n: string, min: number): number => {
    const v = Number(str(n));
    if (!Number.isSafeInteger(v) || v < min)
      throw new FlagError(`invalid value "${str(n)}" for flag --${n}: must be an integer >= ${min}`);
    return v;
  };
  const name = str("name");
  if (name === "") throw new FlagError("--name must not be empty");
  const dataDir = values.get("data-dir") ?? `${name}.etcd`;
  const logLevel = str("log-level");
  if (!isLogLevel(logLevel))
    throw new FlagError(`invalid --log-level "${logLevel}" (want debug, info, warn, error, panic or fatal)`);
  const state = str("initial-cluster-state");
  if (state !== "new" && state !== "existing")
    throw new FlagError(
      `invalid value "${state}" for flag --initial-cluster-state: valid values are "new" and "existing"`,
    );
  const advertisePeers = urlList(str("initial-advertise-peer-urls"), "initial-advertise-peer-urls")
    .map(String)
    .map(trimSlash);
  const initialCluster = values.has("initial-cluster")
    ? parseInitialCluster(str("initial-cluster"))
    : new Map([[name, advertisePeers]]);
  const metrics = str("listen-metrics-urls");
  const config: ServerConfig = {
    name,
    dataDir,
    walDir: str("wal-dir"),
    listenClientUrls: urlList(str("listen-client-urls"), "listen-client-urls"),
    advertiseClientUrls: urlList(str("advertise-client-urls"), "advertise-client-urls")
      .map(String)
      .map(trimSlash),
    listenPeerUrls: urlList(str("listen-peer-urls"), "listen-peer-urls"),
    initialAdvertisePeerUrls: advertisePeers,
    initialCluster,
    initialClusterState: state,
    initialClusterToken: str("initial-cluster-token"),
    snapshotCount: int("snapshot-count", 1),
    maxRequestBytes: int("max-request-bytes", 1),
    quotaBackendBytes: int("quota-backend-bytes", 0),
    maxTxnOps: int("max-txn-ops", 1),
    listenMetricsUrls: metrics === "" ? [] : urlList(metrics, "listen-metrics-urls"),
    heartbeatInterval: int("heartbeat-interval", 1),
    electionTimeout: int("election-timeout", 1),
    logLevel,
    forceTruncateWal: bool("force-truncate-wal"),
    ignored: [...values.keys()].filter((k) => FLAGS[k]?.ignored),
  };
  const self = config.initialCluster.get(name);
  if (!self) throw new FlagError(`couldn't find local name "${name}" in the initial cluster configuration`);
  return { kind: "run", config };
}

function trimSlash(s: string): string {
  return s.endsWith("/") ? s.slice(0, -1) : s;
}

function urlList(s: string, flag: string): URL[] {
  const parts = s
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) throw new FlagError(`--${flag} must list at least one URL`);
  return parts.map((p) => {
    let u: URL;
    try {
      u = new URL(p);
    } catch {
      throw new FlagError(`invalid URL "${p}" in --${flag}`);
    }
    if (u.protocol === "https:" || u.protocol === "unixs:")
      throw new FlagError(`--${flag}: TLS (${p}) is not supported yet; use http://`);
    if (u.protocol !== "http:") throw new FlagError(`--${flag}: URL scheme must be http ("${p}")`);
    if (u.pathname !== "/" && u.pathname !== "")
      throw new FlagError(`--${flag}: URL "${p}" must not have a path`);
    return u;
  });
}

function parseInitialCluster(s: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of s
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new FlagError(`invalid --initial-cluster entry "${part}" (want name=peer-url)`);
    const n = part.slice(0, eq);
    const url = urlList(part.slice(eq + 1), "initial-cluster")[0]!;
    out.set(n, [...(out.get(n) ?? []), trimSlash(String(url))]);
  }
  if (out.size === 0) throw new FlagError("--initial-cluster must name at least one member");
  return out;
}

/** The text of `gauntlet server --help`. */
export function helpText(): string {
  const lines = [
    "Usage: gauntlet server [flags]",
    "",
    "Runs Gauntlet's reference server: etcd's v3 gRPC API (KV, Watch, Lease, Maintenance, Cluster),",
    "durable (write-ahead log + snapshots); a single node, or a Raft member when --initial-cluster",
    "names several members. Flags are etcd's; write --flag value or --flag=value. See",
    "docs/server.md and docs/server-cluster.md.",
    "",
    "Flags:",
  ];
  for (const [name, spec] of Object.entries(FLAGS)) {
    const arg = spec.kind === "bool" ? "" : spec.kind === "int" ? " <int>" : " <string>";
    lines.push(`  --${name}${arg}`);
    lines.push(
      `      ${spec.help}${spec.def !== "" && spec.kind !== "bool" ? ` (default: ${JSON.stringify(spec.def)})` : ""}`,
    );
  }
  return lines.join("\n") + "\n";
}
