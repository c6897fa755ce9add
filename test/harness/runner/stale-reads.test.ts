/**
 * The whole pipeline catches a real anomaly: serializable reads from an etcd follower cut off
 * from the others (iptables in its namespace) return stale values while the majority accepts
 * writes, and the register checker says invalid.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Cluster } from "../../../harness/api/cluster.js";
import type { NemesisPackage } from "../../../harness/api/workload.js";
import { sleep } from "../../../harness/generator/time.js";
import type { GenLike } from "../../../harness/generator/types.js";
import { localProvider } from "../../../harness/providers/local/provider.js";
import { memberStatus } from "../../../harness/providers/local/status.js";
import { runTest } from "../../../harness/runner/run.js";
import { registerWorkload } from "../../../workloads/register/index.js";
import { etcd, isRoot } from "../../support/env.js";
import { leftovers } from "../providers/leftovers.js";

const root = mkdtempSync(join(tmpdir(), "gauntlet-stale-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Isolates a follower (so that the majority keeps its leader and goes on accepting writes). */
function isolateFollower(): NemesisPackage<GenLike> {
  let cluster: Cluster | undefined;
  const follower = async (c: Cluster): Promise<string> => {
    const st = await Promise.all(
      c.nodes.map(async (n) => ({ n, s: await memberStatus(c.clientEndpoints(n)[0]!, 2000) })),
    );
    return st.find((x) => x.s.memberId !== x.s.leader)!.n;
  };
  return {
    name: "isolate-follower",
    needs: ["net"],
    nemesis: {
      setup: async (c) => void (cluster = c),
      invoke: async (op) => {
        const net = cluster!.capabilities.net!;
        if (op.f !== "start-partition") {
          await net.heal();
          return { type: "ok", value: op.value };
        }
        const v = await follower(cluster!);
        const others = cluster!.nodes.filter((n) => n !== v);
        await net.partition({ [v]: others, ...Object.fromEntries(others.map((o) => [o, [v]])) });
        return { type: "ok", value: { shape: `isolate ${v}` } };
      },
      teardown: async () => {
        await cluster?.capabilities.net?.heal();
      },
    },
    generator: [sleep(1e9), { f: "start-partition" }, sleep(6e9), { f: "stop-partition" }],
    finalGenerator: [{ f: "stop-partition" }],
  };
}

describe.skipIf(!etcd.ok || !isRoot.ok)(
  `serializable reads under a partition, etcd 3.4 (${etcd.why}; ${isRoot.why})`,
  () => {
    it("are caught as stale: the run ends invalid", async () => {
      let runId = "";
      const r = await runTest({
        testName: "stale",
        resultsRoot: root,
        seed: 1,
        timeLimitS: 8,
        concurrency: "2n",
        rate: 300,
        nodes: 3,
        provider: {
          name: "local",
          start: (spec) => (
            (runId = spec.runId),
            localProvider.start(spec, { server: "etcd", resultsRoot: root })
          ),
        },
        workload: ({ runId: id }) =>
          registerWorkload({ serializable: true, opsPerKey: 60, timeoutMs: 1000, prefix: `gauntlet/${id}/` }),
        nemesis: isolateFollower(),
        options: {},
        settleS: 0,
        out: () => {},
        err: () => {},
        tty: false,
      });
      const detail = () => readFileSync(join(r.runDir, "results.json"), "utf8").slice(0, 3000);
      expect(r.error, detail()).toBeUndefined();
      expect(r.valid, detail()).toBe(false);
      expect(r.exitCode).toBe(1);
      expect(leftovers(runId)).toEqual([]);
    });
  },
);
