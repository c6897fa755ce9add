/**
 * The shapes of `gauntlet bench`: what a run is asked to do ({@link BenchSpec}) and the report
 * it writes ({@link BenchReport}, the `--json FILE` document). Reports are plain JSON so that
 * `gauntlet compare` (and anything else) can read them without Gauntlet.
 */

/** The operations, as etcd's benchmark tool names them. */
export const BENCH_OPS = ["put", "range", "txn-put", "txn-mixed", "watch", "lease-keepalive"] as const;
export type BenchOp = (typeof BENCH_OPS)[number];

/** What the load generator does (pure data: passed to worker threads as is). */
export interface BenchSpec {
  op: BenchOp;
  /** Logical clients (each has at most one request in flight). */
  clients: number;
  /** gRPC connections (TCP) in total, spread over workers; clients share them round-robin. */
  conns: number;
  /** Worker threads driving the clients (each with its own connections). */
  workers: number;
  /** Seconds of measured load (0 when `total` bounds the run). */
  durationS: number;
  /** Total requests to send (0 = bounded by durationS). */
  total: number;
  /** Open loop: requests/s over all clients; 0 = closed loop (each client as fast as it goes). */
  rate: number;
  /** Seconds of load before measuring (not counted). */
  warmupS: number;
  keySize: number;
  valSize: number;
  keySpaceSize: number;
  sequentialKeys: boolean;
  /** range: linearizable ("l") or serializable ("s"). */
  consistency: "l" | "s";
  keysOnly: boolean;
  /** range: max keys returned; with limit > 0 the range runs from the key to the end of the key space. */
  limit: number;
  /** txn-mixed: reads per write. */
  rwRatio: number;
  /** watch: streams, watchers per stream, puts/s on the watched keys. */
  watchStreams: number;
  watchersPerStream: number;
  watchPutRate: number;
  /** Per-request deadline (ms). */
  timeoutMs: number;
  /** Client endpoints host:port; clients are spread over them round-robin. */
  endpoints: string[];
  /** Seed for key choice (reproducible key sequences). */
  seed: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  min: number;
  mean: number;
  stddev: number;
}

/** One second of the measured run. */
export interface Sample {
  /** Seconds since the measured run started (end of the interval). */
  t: number;
  ops: number;
  errors: number;
  /** Latency quantiles of the ops completed in this second (ms); 0 when there were none. */
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface CpuReport {
  client: {
    /** CPU of the whole client process over the measured run (user + system, ms). */
    total_ms: number;
    user_ms: number;
    system_ms: number;
    /** Client CPU per completed request (µs). */
    us_per_op: number;
    /** Share of one core over the run (100 = one core busy). */
    percent: number;
    /** Each worker thread's own CPU (process.threadCpuUsage where available, else omitted). */
    workers?: { worker: number; total_ms: number; us_per_op: number }[];
  };
  /** Each server process found (local members, or the pid listening on an --endpoints port). */
  servers: { node: string; pid: number; total_ms: number; percent: number; us_per_op: number }[];
  /** Why server CPU is missing, when it is. */
  servers_note?: string;
}

export interface BenchEnv {
  gauntlet: string;
  server_version: string;
  node: string;
  cpu_model: string;
  cores: number;
  git_commit: string;
  /** 1-minute load average at start and end of the measured run. */
  load_start: number;
  load_end: number;
  hostname: string;
  platform: string;
  /** How the target was reached: "endpoints" or "local reference x3" etc. */
  target: string;
}

/** One measured run (a report holds one, or N with --repeat). */
export interface RunResult {
  duration_s: number;
  ops: number;
  errors: number;
  errors_by_kind: Record<string, number>;
  throughput: number;
  latency_ms: LatencySummary;
  /** The latency HDR histogram (µs), compressed base64 (hdr-histogram-js encoding). */
  histogram: string;
  samples: Sample[];
  cpu: CpuReport;
  /** watch only: how many events arrived and were expected. */
  watch?: { events: number; expected_events: number; puts: number };
}

export interface BenchReport extends RunResult {
  kind: "gauntlet-bench";
  schema: 1;
  op: BenchOp;
  /** closed: each client sends its next request when the last returns; open: at --rate, latency from the intended send time. */
  mode: "closed" | "open";
  rate: number;
  clients: number;
  conns: number;
  workers: number;
  /** The run's options (the spec without endpoints), for the record. */
  options: Omit<BenchSpec, "endpoints">;
  env: BenchEnv;
  started_at: string;
  /** With --repeat N: every run; the top-level figures are then the medians of these. */
  runs?: RunResult[];
}
