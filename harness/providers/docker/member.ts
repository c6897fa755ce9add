/**
 * One member of a docker cluster: a container on the run's network at a fixed address, created
 * and first started through testcontainers (GenericContainer, with the fixed IP set through its
 * create options), then killed, restarted, paused and removed through dockerode, which
 * testcontainers has no calls for (its `stop` removes the container, and a kill must keep the
 * member's data and address). Output is followed into `nodes/<node>/server.log` across restarts.
 */
import {
  appendFileSync,
  closeSync,
  createWriteStream,
  openSync,
  readFileSync,
  type WriteStream,
} from "node:fs";
import type Dockerode from "dockerode";
import { HarnessError } from "../../api/cluster.js";
import { docker, LABEL, RUN_LABEL, testcontainers } from "./engine.js";

export interface ContainerSpec {
  node: string;
  runId: string;
  image: string;
  /** Overrides the image's entrypoint (undefined: the image's own, e.g. a user's `--image`). */
  entrypoint?: string[];
  /** Arguments after the entrypoint: the member's etcd flags. */
  cmd: string[];
  network: string;
  ip: string;
  /** host path → container path (`:ro` appended for read-only). */
  binds: { host: string; container: string; readOnly?: boolean }[];
  env: Record<string, string>;
  logPath: string;
}

export function containerName(runId: string, node: string): string {
  return `gauntlet-${runId}-${node}`;
}

export class DockerMember {
  id: string | undefined;
  running = false;
  paused = false;
  /** Pid of the member's main process on the host (for nsenter), while it runs. */
  pid: number | undefined;
  private follow: NodeJS.ReadableStream | undefined;
  private out: WriteStream | undefined;
  /** Called after every (re)start, e.g. to re-apply partition rules in the new namespace. */
  onStarted: (m: DockerMember) => Promise<void> = async () => {};

  constructor(public spec: ContainerSpec) {}

  get name(): string {
    return containerName(this.spec.runId, this.spec.node);
  }

  private container(): Dockerode.Container {
    if (!this.id) throw new HarnessError(`member ${this.spec.node} has no container`);
    return docker().getContainer(this.id);
  }

  /** Creates and starts the container (testcontainers). */
  async create(): Promise<void> {
    const { GenericContainer } = await testcontainers();
    const s = this.spec;
    class FixedAddressContainer extends GenericContainer {
      /** testcontainers has no call for a fixed address on a user network: set it in the create options. */
      withFixedAddress(network: string, ip: string): this {
        this.createOpts.NetworkingConfig = {
          EndpointsConfig: { [network]: { IPAMConfig: { IPv4Address: ip } } },
        };
        return this;
      }
    }
    let c = new FixedAddressContainer(s.image)
      .withName(this.name)
      .withNetworkMode(s.network)
      .withFixedAddress(s.network, s.ip)
      .withHostname(s.node)
      .withLabels({ [LABEL]: "container", [RUN_LABEL]: s.runId, "gauntlet.node": s.node })
      .withCommand(s.cmd)
      .withEnvironment(s.env)
      .withBindMounts(
        s.binds.map((b) => ({ source: b.host, target: b.container, mode: b.readOnly ? "ro" : "rw" })),
      )
      .withAutoRemove(false)
      .withStartupTimeout(30_000);
    if (s.entrypoint) c = c.withEntrypoint(s.entrypoint);
    const started = await c.start();
    this.id = started.getId();
    await this.afterStart(0);
  }

  private async afterStart(sinceMs: number): Promise<void> {
    const info = await this.container().inspect();
    this.pid = info.State.Pid || undefined;
    this.running = info.State.Running;
    this.paused = info.State.Paused;
    await this.followLogs(sinceMs);
    await this.onStarted(this);
  }

  /** Appends the container's output since `sinceMs` (0: all) to the log file, until it stops. */
  private async followLogs(sinceMs: number): Promise<void> {
    this.out ??= createWriteStream(this.spec.logPath, { flags: "a" });
    const stream = (await this.container().logs({
      follow: true,
      stdout: true,
      stderr: true,
      since: sinceMs ? (sinceMs / 1000).toFixed(3) : 0,
    } as Dockerode.ContainerLogsOptions & { follow: true })) as NodeJS.ReadableStream;
    this.follow = stream;
    const out = this.out;
    docker().modem.demuxStream(stream, out, out);
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    try {
      if (this.paused)
        await this.container()
          .unpause()
          .catch(() => {});
      await this.container().kill({ signal: "SIGKILL" });
    } catch (err) {
      if (!/is not running|No such container/.test(String(err))) throw err;
    }
    await this.container()
      .wait({ condition: "not-running" })
      .catch(() => {});
    this.running = false;
    this.paused = false;
    this.pid = undefined;
    this.lastStop = Date.now();
  }

  private lastStop = 0;

  /** Starts the stopped container again: same data, same address, new process and namespace. */
  async start(): Promise<void> {
    if (this.running) return;
    const since = this.lastStop || Date.now();
    await this.container().start();
    await this.afterStart(since - 50);
  }

  async pause(): Promise<void> {
    if (!this.running || this.paused) return;
    await this.container().pause();
    this.paused = true;
  }

  async resume(): Promise<void> {
    if (!this.paused) return;
    await this.container().unpause();
    this.paused = false;
  }

  /** Is the container still running (asks the engine; the member may have exited by itself)? */
  async refresh(): Promise<boolean> {
    if (!this.id) return false;
    try {
      const info = await this.container().inspect();
      this.running = info.State.Running;
      this.paused = info.State.Paused;
      if (!this.running) this.pid = undefined;
      return this.running;
    } catch {
      this.running = false;
      return false;
    }
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(this.spec.logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** Removes the container (its data lives in the bind-mounted directory and stays). */
  async remove(): Promise<void> {
    if (this.id) {
      try {
        await docker().getContainer(this.id).remove({ force: true, v: true });
      } catch (err) {
        if (!/No such container|is already in progress/.test(String(err))) throw err;
      }
    }
    this.id = undefined;
    this.running = false;
    this.paused = false;
    this.pid = undefined;
    await new Promise<void>((r) => {
      if (!this.out) return r();
      this.out.end(r);
    });
    this.out = undefined;
  }
}

/** Makes sure a log file exists (so a tail of a member that never printed is empty, not an error). */
export function touch(path: string): void {
  closeSync(openSync(path, "a"));
  appendFileSync(path, "");
}
