/**
 * The set workload catches the planted `--unsafe-early-ack` bug: the reference server's leader
 * is cut off from the others (iptables in its namespace, as root) for 3 s while clients add to
 * it; it acknowledges adds that the majority never gets, and the reads after that (the final
 * ones, after healing, at the latest) miss them. A fixed schedule (not the random nemesis) keeps it reliable in a few seconds.
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
import { setWorkload } from "../../../workloads/set/index.js";
import { isRoot } from "../../support/env.js";
import { leftovers } from "../../harness/providers/leftovers.js";

const root = mkdtempSync(join(tmpdir(), "gauntlet-set-early-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Cuts the leader off from the others at 1 s, heals at 4 s. */
function isolateLeader(): NemesisPackage<GenLike> {
  let cluster: Cluster | undefined;
  return {
    name: "isolate-leader",
    needs: ["net"],
    nemesis: {
      setup: async (c) => void (cluster = c),
      invoke: async (op) => {
        const c = cluster!;
        if (op.f !== "start-partition") {
          await c.capabilities.net!.heal();
          return { type: "ok", value: op.value };
        }
        const st = await Promise.all(
          c.nodes.map(async (n) => ({ n, s: await memberStatus(c.clientEndpoints(n)[0]!, 2000) })),
        );
        const leader = st.find((x) => x.s.memberId === x.s.leader)!.n;
        const others = c.nodes.filter((n) => n !== leader);
        await c.capabilities.net!.partition({
          [leader]: others,
          ...Object.fromEntries(others.map((o) => [o, [leader]])),
        });
        return { type: "ok", value: { shape: "leader", targets: [leader] } };
      },
      teardown: async () => {
        await cluster?.capabilities.net?.heal();
      },
    },
    generator: [sleep(1e9), { f: "start-partition" }, sleep(3e9), { f: "stop-partition" }],
    finalGenerator: [{ f: "stop-partition" }],
  };
}

describe.skipIf(!isRoot.ok)(`set workload vs --unsafe-early-ack (${isRoot.why})`, () => {
  it("finds acknowledged adds missing from later reads: the run ends invalid, naming them", async () => {
    let runId = "";
    const r = await runTest({
      testName: "set-early",
      resultsRoot: root,
      seed: 3,
      timeLimitS: 6,
      concurrency: "3n",
      rate: 300,
      nodes: 3,
      provider: {
        name: "local",
        start: (spec) => (
          (runId = spec.runId),
          localProvider.start(spec, {
            server: "reference",
            serverArgs: ["--unsafe-early-ack"],
            resultsRoot: root,
          })
        ),
      },
      workload: ({ runId: id }) => setWorkload({ timeoutMs: 2000, prefix: `gauntlet/${id}/` }),
      nemesis: isolateLeader(),
      options: {},
      settleS: 0,
      out: () => {},
      err: () => {},
      tty: false,
    });
    const results = JSON.parse(readFileSync(join(r.runDir, "results.json"), "utf8"));
    const detail = JSON.stringify(results).slice(0, 3000);
    expect(r.error, detail).toBeUndefined();
    expect(r.valid, detail).toBe(false);
    const set = results.checkers.set.checkers.set;
    // Lost, or stale when the deposed leader (whose state diverged: it applied the adds it
    // acknowledged) answers a final read after the others and still has them.
    expect(set.counts.lost + set.counts.stale, detail).toBeGreaterThan(0);
    expect(set.failures[0].explanation).toMatch(/was (LOST|read STALE): p\d+ add\(\d+\)/);
    expect(results.checkers.set.checkers.revisions.valid).toBe(false);
    expect(leftovers(runId)).toEqual([]);
  });
});
