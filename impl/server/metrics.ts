/**
 * Prometheus metrics in the text exposition format, hand-written (no client library), with
 * etcd's metric names where etcd has one: gRPC requests and latencies by method, WAL fsync
 * latency, database size, watchers, proposals. Served at `/metrics`.
 */

type Labels = Record<string, string>;

const keyCache = new WeakMap<Labels, string>();

function labelKey(labels: Labels): string {
  const cached = keyCache.get(labels);
  if (cached !== undefined) return cached;
  const key = computeLabelKey(labels);
  keyCache.set(labels, key);
  return key;
}

function computeLabelKey(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.join(",");
}

export class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [k, v] of this.values) out += `${this.name}${k ? `{${k}}` : ""} ${v}\n`;
    return out;
  }
}

export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}
  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n${this.name} ${this.read()}\n`;
  }
}

export class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(seconds: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s)
      this.series.set(k, (s = { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (seconds <= this.buckets[i]!) s.counts[i]!++;
    s.sum += seconds;
    s.count++;
  }
  count(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const [k, s] of this.series) {
      const pre = k ? `${k},` : "";
      this.buckets.forEach((b, i) => (out += `${this.name}_bucket{${pre}le="${b}"} ${s.counts[i]}\n`));
      out += `${this.name}_bucket{${pre}le="+Inf"} ${s.count}\n`;
      out += `${this.name}_sum${k ? `{${k}}` : ""} ${s.sum}\n${this.name}_count${k ? `{${k}}` : ""} ${s.count}\n`;
    }
    return out;
  }
}

const latencyBuckets = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const fsyncBuckets = [
  0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048,
  4.096, 8.192,
];

/** Every metric the server exports. Gauges read live values through the callbacks given. */
export class Metrics {
  readonly started = new Counter("grpc_server_started_total", "Total number of RPCs started on the server.");
  readonly handled = new Counter(
    "grpc_server_handled_total",
    "Total number of RPCs completed on the server, regardless of success or failure.",
  );
  readonly latency = new Histogram(
    "grpc_server_handling_seconds",
    "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.",
    latencyBuckets,
  );
  readonly fsync = new Histogram(
    "etcd_disk_wal_fsync_duration_seconds",
    "The latency distributions of fsync called by WAL.",
    fsyncBuckets,
  );
  readonly proposalsCommitted = new Counter(
    "etcd_server_proposals_committed_total",
    "The total number of consensus proposals committed.",
  );
  readonly proposalsFailed = new Counter(
    "etcd_server_proposals_failed_total",
    "The total number of failed proposals seen.",
  );
  private readonly gauges: Gauge[] = [];
  /** Live watchers (set by the server). */
  watchers = 0;

  constructor() {
    this.gauge("etcd_debugging_mvcc_watcher_total", "Total number of watchers.", () => this.watchers);
  }

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.push(new Gauge(name, help, read));
  }

  private readonly rpcLabels = new Map<string, { base: Labels; withCode: Map<string, Labels> }>();

  /** Records one finished RPC. */
  rpc(service: string, method: string, type: string, code: string, seconds: number): void {
    const k = `${service}/${method}/${type}`;
    let l = this.rpcLabels.get(k);
    if (!l)
      this.rpcLabels.set(
        k,
        (l = {
          base: { grpc_service: `etcdserverpb.${service}`, grpc_method: method, grpc_type: type },
          withCode: new Map(),
        }),
      );
    let withCode = l.withCode.get(code);
    if (!withCode) l.withCode.set(code, (withCode = { ...l.base, grpc_code: code }));
    this.handled.inc(withCode);
    this.latency.observe(seconds, l.base);
  }

  render(): string {
    return [
      this.started,
      this.handled,
      this.latency,
      this.fsync,
      this.proposalsCommitted,
      this.proposalsFailed,
      ...this.gauges,
    ]
      .map((m) => m.render())
      .join("");
  }
}
