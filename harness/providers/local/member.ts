/**
 * One member process of a local cluster: spawned in its own process group (so a kill or pause
 * reaches everything it started), optionally inside its network namespace via `ip netns exec`
 * (which execs, so the pid is the server's), stdout and stderr appended to `nodes/<node>/server.log`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { processStart, type ProcessRecord } from "./state.js";

export interface MemberCommand {
  node: string;
  /** The server command line, program first. */
  argv: string[];
  env: NodeJS.ProcessEnv;
  logPath: string;
  /** Network namespace to run in (root only). */
  netns?: string;
}

export class MemberProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  running = false;
  paused = false;
  /** Called when the process exits without having been killed by us. */
  onUnexpectedExit: (code: number | null, signal: string | null) => void = () => {};
  private killing = false;

  constructor(readonly cmd: MemberCommand) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Spawns the member; returns its pid and start time for the state file. */
  start(): ProcessRecord {
    const { argv, netns, env, logPath } = this.cmd;
    const full = netns ? ["ip", "netns", "exec", netns, ...argv] : argv;
    const fd = openSync(logPath, "a");
    let child: ChildProcess;
    try {
      child = spawn(full[0]!, full.slice(1), { detached: true, stdio: ["ignore", fd, fd], env });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`could not start ${this.cmd.node}: ${full.join(" ")}`);
    this.child = child;
    this.running = true;
    this.paused = false;
    this.killing = false;
    this.exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        this.running = false;
        this.paused = false;
        if (!this.killing) this.onUnexpectedExit(code, signal);
        resolve();
      });
      child.once("error", () => {
        this.running = false;
        resolve();
      });
    });
    return { pid: child.pid, start: processStart(child.pid) ?? "" };
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) return;
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  /** SIGKILL the process group and wait until it is gone (at most `timeoutMs`). */
  async kill(timeoutMs = 5000): Promise<void> {
    if (!this.running) return;
    this.killing = true;
    this.signal("SIGKILL");
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  pause(): void {
    this.signal("SIGSTOP");
    if (this.running) this.paused = true;
  }

  resume(): void {
    this.signal("SIGCONT");
    this.paused = false;
  }

  /** The last `lines` lines of the member's log. */
  logTail(lines = 15): string {
    try {
      const text = readFileSync(this.cmd.logPath, "utf8");
      return text.split("\n").filter(Boolean).slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }
}
