/**
 * A fuzz campaign: inputs drawn from the seed one after another against the server, each judged
 * (trial.ts); each finding saved as a replay file (crashes first shrunk on fresh servers), the
 * server replaced by a fresh one when the campaign owns it (else the campaign ends), and a report
 * written. Bounded by `--max-inputs`, `--time-limit`, each input's own deadline, and the fuzzer's
 * own memory; stops cleanly on `stop()` (Ctrl-C).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type fc from "fast-check";
import { Canary } from "./canary.js";
import { generateInput, inputArb, inputSeed } from "./arbitrary.js";
import { writeReplay, type Observation, type ReplayFile } from "./finding.js";
import type { FuzzInput, InputClass } from "./input.js";
import { mib, takeBaseline, type Baseline, type Bounds } from "./observe.js";
import { openServer, type FuzzServer, type ServerSpec } from "./server.js";
import { shrinkInput } from "./shrink.js";
import { trial } from "./trial.js";

export interface CampaignOptions {
  seed: number;
  classes: InputClass[];
  maxInputs: number;
  timeLimitMs: number;
  inputTimeoutMs: number;
  bounds: Bounds;
  /** Stop when the fuzzer's own RSS passes this (bytes). */
  maxSelfRss: number;
  /** Per crash: runs and time for shrinking (0 runs: no shrinking); at most `maxShrinks` crashes are shrunk. */
  shrinkRuns: number;
  shrinkMs: number;
  maxShrinks: number;
  /** Owned servers: delete every key and compact after this many inputs (keeps stored data small). */
  cleanEvery: number;
  server: ServerSpec;
  runDir: string;
  log: (line: string) => void;
}

export interface FindingSummary extends Observation {
  index: number;
  class: InputClass;
  what: string;
  foundAfterS: number;
  file: string;
}

export interface CampaignReport {
  seed: number;
  server: string;
  classes: InputClass[];
  skippedClasses: Record<string, string>;
  inputs: number;
  perClass: Record<string, number>;
  bytesSent: number;
  durationS: number;
  inputsPerS: number;
  findings: FindingSummary[];
  /** Highest anonymous RSS seen per member while inputs ran, MiB. */
  peakRssMiB: Record<string, number>;
  serversStarted: number;
  stoppedBy: string;
}

export class Campaign {
  private stopped = false;
  private server: FuzzServer | undefined;
  private servers = 0;
  constructor(private readonly o: CampaignOptions) {}

  stop(): void {
    this.stopped = true;
  }

  /** Tears down the server in use now, whatever the campaign is doing (the last resort of a hard deadline). */
  async forceClose(): Promise<void> {
    this.stopped = true;
    await this.server?.close();
  }

  /** The longest a campaign may take with these options: inputs, the last input, shrinking, starts. */
  static hardDeadlineMs(o: CampaignOptions): number {
    const starts = 4 * o.server.healthTimeoutS * 1000;
    return o.timeLimitMs + 2 * o.inputTimeoutMs + o.maxShrinks * o.shrinkMs + starts + 60_000;
  }

  private async freshServer(label: string): Promise<{ server: FuzzServer; canary: Canary; base: Baseline }> {
    this.servers++;
    const server = await openServer(
      this.o.server,
      join(this.o.runDir, `${label}-${this.servers}`),
      this.o.log,
    );
    const canary = new Canary(server.targets.client, this.o.bounds.hangMs * 2);
    try {
      const base = await takeBaseline(server, canary);
      return { server, canary, base };
    } catch (e) {
      canary.close();
      await server.close();
      throw e;
    }
  }

  /** Does `input` do a `kind` to a fresh server? (For shrinking.) */
  private async reproduces(input: FuzzInput, kind: Observation["kind"]): Promise<boolean> {
    const { server, canary, base } = await this.freshServer("shrink");
    this.server = server;
    try {
      const r = await trial(server, canary, base, this.o.bounds, input, this.o.inputTimeoutMs);
      return r.found?.kind === kind;
    } finally {
      canary.close();
      await server.close();
      this.server = undefined;
    }
  }

  async run(): Promise<CampaignReport> {
    const o = this.o;
    mkdirSync(o.runDir, { recursive: true });
    const started = Date.now();
    const report: CampaignReport = {
      seed: o.seed,
      server: "",
      classes: [],
      skippedClasses: {},
      inputs: 0,
      perClass: {},
      bytesSent: 0,
      durationS: 0,
      inputsPerS: 0,
      findings: [],
      peakRssMiB: {},
      serversStarted: 0,
      stoppedBy: "",
    };
    let cur = await this.freshServer("server");
    this.server = cur.server;
    report.server = cur.server.describe;
    let classes = o.classes;
    if (classes.includes("peer") && cur.server.targets.peers.length === 0) {
      classes = classes.filter((c) => c !== "peer");
      report.skippedClasses.peer =
        o.server.server === "etcd" || o.server.endpoints
          ? "no peer port to fuzz (the reference server's, or --peer-endpoints)"
          : "no peer URL known";
    }
    report.classes = classes;
    if (classes.length === 0) throw new Error("no input class left to run");
    const arb: fc.Arbitrary<FuzzInput> = inputArb(classes);
    let shrinks = 0;
    try {
      for (let i = 0; ; i++) {
        if (this.stopped) {
          report.stoppedBy = "interrupted";
          break;
        }
        if (i >= o.maxInputs) {
          report.stoppedBy = `--max-inputs ${o.maxInputs}`;
          break;
        }
        if (Date.now() - started >= o.timeLimitMs) {
          report.stoppedBy = `--time-limit ${o.timeLimitMs / 1000} s`;
          break;
        }
        const self = process.memoryUsage().rss;
        if (self > o.maxSelfRss) {
          report.stoppedBy = `the fuzzer's own memory (${mib(self)}) passed its cap ${mib(o.maxSelfRss)}`;
          break;
        }
        if (cur.server.owned && o.cleanEvery > 0 && i > 0 && i % o.cleanEvery === 0) await clean(cur.canary);
        const input = generateInput(arb, o.seed, i);
        const r = await trial(cur.server, cur.canary, cur.base, o.bounds, input, o.inputTimeoutMs);
        report.inputs++;
        report.perClass[input.class] = (report.perClass[input.class] ?? 0) + 1;
        report.bytesSent += r.sent.bytes;
        for (const [n, b] of r.peak)
          report.peakRssMiB[n] = Math.max(report.peakRssMiB[n] ?? 0, Math.round(b / 2 ** 20));
        if (!r.found) continue;
        const found = r.found;
        const foundAfterS = (Date.now() - started) / 1000;
        o.log(
          `input ${i} (${input.class}: ${input.what.slice(0, 120)}): ${found.kind} on ${found.node}: ${found.detail}`,
        );
        const file = join(o.runDir, `finding-${report.findings.length + 1}-${found.kind}.json`);
        const replay: ReplayFile = {
          format: "gauntlet-fuzz-replay/1",
          ...found,
          class: input.class,
          seed: o.seed,
          index: i,
          inputSeed: inputSeed(o.seed, i),
          server: cur.server.describe,
          foundAfterS,
          input,
        };
        writeReplay(file, replay);
        cur.canary.close();
        await cur.server.close();
        this.server = undefined;
        if (!cur.server.owned) {
          report.findings.push({
            ...found,
            index: i,
            class: input.class,
            what: input.what,
            foundAfterS,
            file,
          });
          report.stoppedBy = "a finding on a server this campaign cannot restart (--endpoints)";
          break;
        }
        if (found.kind === "crash" && o.shrinkRuns > 0 && shrinks < o.maxShrinks && !this.stopped) {
          shrinks++;
          o.log(
            `shrinking input ${i} on fresh servers (at most ${o.shrinkRuns} runs, ${o.shrinkMs / 1000} s)`,
          );
          const s = await shrinkInput(
            arb,
            replay.inputSeed,
            found.kind,
            (x) => this.reproduces(x, found.kind),
            {
              runs: o.shrinkRuns,
              ms: o.shrinkMs,
            },
          );
          replay.shrink = { runs: s.runs, reproduced: s.reproduced, note: s.note };
          if (s.reproduced) {
            replay.original = input;
            replay.input = s.input;
          }
          writeReplay(file, replay);
          o.log(`shrunk: ${s.note}${s.reproduced ? `: ${s.input.what.slice(0, 160)}` : ""}`);
        }
        report.findings.push({
          ...found,
          index: i,
          class: input.class,
          what: replay.input.what,
          foundAfterS,
          file,
        });
        if (this.stopped) continue;
        cur = await this.freshServer("server");
        this.server = cur.server;
      }
    } finally {
      cur.canary.close();
      await this.server?.close();
      this.server = undefined;
    }
    report.serversStarted = this.servers;
    report.durationS = (Date.now() - started) / 1000;
    report.inputsPerS = report.inputs / Math.max(0.001, report.durationS);
    writeFileSync(join(o.runDir, "report.json"), `${JSON.stringify(report, null, 1)}\n`);
    return report;
  }
}

/** Deletes every key and compacts: what fuzz inputs stored must not count as a memory leak. */
async function clean(canary: Canary): Promise<void> {
  await canary.wipe().catch(() => {});
}
