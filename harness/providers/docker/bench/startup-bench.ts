/**
 * `npm run bench:docker`: image build times (forced rebuilds) and the start-up time of a
 * 3-member containerized cluster (provider start → every member answers with one leader),
 * for etcd and the reference server, `--reps` times each (default 3). Prints the load
 * (`uptime`) first: the machine is shared, so quote figures with it.
 *
 *   npm run bench:docker -- --reps 3
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireEngine } from "../engine.js";
import { buildImage, etcdPlan, referencePlan } from "../images.js";
import { dockerProvider } from "../provider.js";

const reps = Number(/--reps[= ](\d+)/.exec(process.argv.slice(2).join(" "))?.[1] ?? 3);

async function main(): Promise<void> {
  await requireEngine();
  console.log(`load: ${execFileSync("uptime", { encoding: "utf8" }).trim()}`);
  for (const plan of [etcdPlan(), referencePlan()]) {
    const r = await buildImage(plan, { step: () => {} }, true);
    console.log(
      `image build ${plan.kind}: ${(r.ms / 1000).toFixed(1)} s (${(r.bytes / 1e6).toFixed(0)} MB root filesystem)`,
    );
  }
  const root = mkdtempSync(join(tmpdir(), "gauntlet-docker-bench-"));
  try {
    for (const server of ["etcd", "reference"] as const) {
      const times: number[] = [];
      for (let i = 0; i < reps; i++) {
        const runId = `bd${Math.random().toString(36).slice(2, 6).padEnd(4, "0")}`;
        const t0 = performance.now();
        const c = await dockerProvider.start(
          { nodes: 3, runDir: join(root, runId), runId, log: () => {} },
          { server, resultsRoot: root, progress: { step: () => {} } },
        );
        try {
          await c.waitHealthy(60_000);
          times.push(performance.now() - t0);
        } finally {
          await c.teardown();
        }
      }
      const s = times.map((t) => (t / 1000).toFixed(2)).join(", ");
      const med = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]! / 1000;
      console.log(`3-member ${server} cluster start-up (start → healthy): median ${med.toFixed(2)} s [${s}]`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`load: ${execFileSync("uptime", { encoding: "utf8" }).trim()}`);
}

main().catch((err) => {
  console.error(`bench:docker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(3);
});
