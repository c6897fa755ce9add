/**
 * `gauntlet run` behind the yargs module: turns flags into a provider, a workload and a
 * RunConfig, runs it (harness/runner), and returns the exit code. Flag errors and harness
 * failures print one message that says what to do and return 3.
 */
import { HarnessError, type ClusterSpec } from "../harness/api/cluster.js";
import { parseEndpoints } from "../harness/providers/external/provider.js";
import { resolveEtcd, splitArgs } from "../harness/providers/local/server-command.js";
import { runTest } from "../harness/runner/run.js";
import { parseConcurrency } from "../harness/runner/workers.js";
import { validTestName } from "../harness/runner/results.js";
import type { RunArgv } from "./commands/run.js";
import { EXIT_ERROR } from "../harness/api/exit-codes.js";
import { PROVIDERS, WORKLOADS, type ProviderOptions } from "./tables.js";
import { buildNemesis, chooseFamilies } from "./nemesis-setup.js";
import { randomInt } from "node:crypto";

function positive(name: string, v: number, integer = false): void {
  if (!(Number.isFinite(v) && v > 0) || (integer && !Number.isInteger(v)))
    throw new HarnessError(`--${name} must be a positive ${integer ? "integer" : "number"}, got ${v}`);
}

export async function runFromArgv(argv: RunArgv): Promise<number> {
  try {
    positive("time-limit", argv["time-limit"]);
    positive("request-timeout", argv["request-timeout"]);
    positive("health-timeout", argv["health-timeout"]);
    positive("check-timeout", argv["check-timeout"]);
    positive("ops-per-key", argv["ops-per-key"], true);
    if (!(argv.rate >= 0)) throw new HarnessError(`--rate must be >= 0 (0 = unlimited), got ${argv.rate}`);
    if (argv.seed !== undefined && !(Number.isInteger(argv.seed) && argv.seed >= 0 && argv.seed < 2 ** 32))
      throw new HarnessError(`--seed must be an integer from 0 to 2^32-1, got ${argv.seed}`);
    const entry = WORKLOADS[argv.workload];
    if (!entry)
      throw new HarnessError(
        `unknown workload ${argv.workload} (known: ${Object.keys(WORKLOADS).join(", ")})`,
      );

    // Faults (issue 7): chosen and checked before anything starts; one seed drives everything.
    const nemesisFlags = {
      nemesis: argv.nemesis,
      intervalS: argv["nemesis-interval"],
      partition: argv.partition,
      provider: argv.provider === "docker" ? ("local" as const) : argv.provider, // same fault rules
      server: argv.provider === "docker" && argv.image ? ("etcd" as const) : argv.server, // a user image: no libfaketime
      nodes:
        argv.provider === "external"
          ? parseEndpoints(argv.endpoints ?? "", argv["allow-remote"]).length
          : argv.nodes,
    };
    const { families, notes } = chooseFamilies(nemesisFlags);
    const seed = argv.seed ?? randomInt(0, 2 ** 31);
    const nemesis = buildNemesis(nemesisFlags, families, seed);

    const entryP = PROVIDERS[argv.provider];
    if (!entryP)
      throw new HarnessError(
        `unknown provider ${argv.provider} (known: ${Object.keys(PROVIDERS).join(", ")})`,
      );
    let nodes: number;
    const options: ProviderOptions = {
      image: argv.image,
      keepImages: argv["keep-images"],
      server: argv.server,
      etcdBinary: argv["etcd-binary"],
      serverArgs: [],
      resultsRoot: argv.results,
      clock: families.includes("clock"),
      tmpfsMb: families.includes("disk") ? argv["disk-size"] : undefined,
      endpoints: argv.endpoints,
      allowRemote: argv["allow-remote"],
    };
    if (argv.provider === "external") {
      nodes = parseEndpoints(argv.endpoints ?? "", argv["allow-remote"]).length;
    } else {
      nodes = argv.nodes;
      if (!(Number.isInteger(nodes) && nodes >= 1 && nodes <= 9))
        throw new HarnessError(`--nodes must be an integer from 1 to 9, got ${nodes}`);
      if (argv.server === "etcd") resolveEtcd(argv["etcd-binary"]); // fail before creating anything
      options.serverArgs = splitArgs(argv["server-args"]);
      if (!(Number.isInteger(argv["disk-size"]) && argv["disk-size"] >= 1))
        throw new HarnessError(`--disk-size must be a positive integer (MiB), got ${argv["disk-size"]}`);
    }
    await entryP.preflight?.(options); // no engine / no image: before anything starts
    const provider = { name: argv.provider, start: (spec: ClusterSpec) => entryP.start(spec, options) };
    parseConcurrency(argv.concurrency, nodes);
    const testName = validTestName(
      argv["test-name"] ??
        `${argv.workload}-${argv.provider === "external" ? "external" : argv.provider === "docker" && argv.image ? "image" : argv.server}`,
    );

    for (const n of notes) process.stdout.write(`${n}\n`);
    const outcome = await runTest({
      testName,
      resultsRoot: argv.results,
      seed,
      nemesis,
      timeLimitS: argv["time-limit"],
      concurrency: argv.concurrency,
      rate: argv.rate,
      nodes,
      provider,
      workload: ({ runId }) =>
        entry.make(
          {
            opsPerKey: argv["ops-per-key"],
            serializable: argv.serializable,
            requestTimeoutMs: argv["request-timeout"] * 1000,
          },
          { runId },
        ),
      options: Object.fromEntries(
        Object.entries(argv).filter(([k]) => k !== "_" && k !== "$0" && !/[A-Z]/.test(k)),
      ),
      healthTimeoutS: argv["health-timeout"],
      checkTimeLimitMs: argv["check-timeout"] * 1000,
      out: (s) => process.stdout.write(s),
      err: (s) => process.stderr.write(s),
      tty: Boolean(process.stderr.isTTY),
      handleSignals: true,
    });
    return outcome.exitCode;
  } catch (err) {
    console.error(`gauntlet run: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_ERROR;
  }
}
