/**
 * Images a run builds on demand are removed at its end (and by `gauntlet cleanup` after a
 * killed run) unless `--keep-images`; images built beforehand (`gauntlet images build`) are
 * reused and stay. Each test uses an etcd binary with a few extra bytes appended, so its
 * image tag is its own and the other docker tests' images are untouched.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanupDockerRuns } from "../../../../harness/providers/docker/cleanup.js";
import { docker as dockerClient } from "../../../../harness/providers/docker/engine.js";
import { buildImage, etcdPlan, imageExists } from "../../../../harness/providers/docker/images.js";
import { dockerProvider } from "../../../../harness/providers/docker/provider.js";
import { cleanupAll } from "../../../../harness/providers/local/cleanup.js";
import { docker, etcd, isRoot } from "../../../support/env.js";
import { newRunId } from "../leftovers.js";

const root = mkdtempSync(join(tmpdir(), "gauntlet-docker-images-test-"));
const repo = join(import.meta.dirname, "..", "..", "..", "..");
const made: string[] = [];
afterAll(async () => {
  for (const name of made)
    await dockerClient()
      .getImage(name)
      .remove({ force: true })
      .catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

/** A copy of etcd whose bytes (so whose image tag) are unique to this test; returns its image name. */
function uniqueEtcd(tag: string): { binary: string; image: string } {
  const binary = join(root, `etcd-${tag}`);
  copyFileSync(execFileSync("sh", ["-c", "command -v etcd"], { encoding: "utf8" }).trim(), binary);
  appendFileSync(binary, `gauntlet-test-${tag}-${newRunId()}`);
  const image = etcdPlan(binary).name;
  made.push(image);
  return { binary, image };
}

function gauntlet(args: string[]): { out: string; status: number | null } {
  const r = spawnSync(process.execPath, ["bin/gauntlet.js", ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 90_000,
  });
  return { out: r.stdout + r.stderr, status: r.status };
}

/** `gauntlet run` of one etcd member for 3 s; returns the run's recorded docker state. */
function run(binary: string, extra: string[] = []): Record<string, unknown> {
  const { out, status } = gauntlet([
    "run",
    "--provider",
    "docker",
    "--server",
    "etcd",
    "--etcd-binary",
    binary,
    "--nodes",
    "1",
    "--time-limit",
    "3",
    "--nemesis",
    "none",
    "--results",
    join(root, "results"),
    ...extra,
  ]);
  expect(out).toMatch(/VALID/);
  expect(status).toBe(0);
  const dir = /VALID: (\S+)/.exec(out)?.[1];
  expect(dir).toBeDefined();
  return JSON.parse(readFileSync(join(dir!, "state.json"), "utf8")).docker as Record<string, unknown>;
}

describe.skipIf(!docker.ok || !isRoot.ok || !etcd.ok)(
  `docker runs remove the images they build (${docker.why}; ${isRoot.why}; ${etcd.why})`,
  () => {
    it("an image built on demand is removed at the end; with --keep-images it stays", async () => {
      const { binary, image } = uniqueEtcd("demand");
      expect(await imageExists(image)).toBe(false);
      const st = run(binary);
      expect(st).toMatchObject({ image, imageFound: false, keepImages: false, builtImages: [] });
      expect(await imageExists(image)).toBe(false);

      const kept = run(binary, ["--keep-images"]);
      expect(kept).toMatchObject({ image, imageFound: false, keepImages: true, builtImages: [image] });
      expect(await imageExists(image)).toBe(true);
    }, 120_000);

    it("an image built beforehand (as by `gauntlet images build`) is reused and stays", async () => {
      const { binary, image } = uniqueEtcd("prebuilt");
      // What `gauntlet images build --which etcd --etcd-binary <binary>` does, without its
      // pruning of the machine's other etcd images.
      await buildImage(etcdPlan(binary), { step: () => {} }, false, false);
      expect(await imageExists(image)).toBe(true);
      const st = run(binary);
      expect(st).toMatchObject({ image, imageFound: true });
      expect(st.builtImages ?? []).toEqual([]);
      expect(await imageExists(image)).toBe(true);
    }, 120_000);

    it("gauntlet cleanup removes the image a killed run built", async () => {
      const { binary, image } = uniqueEtcd("killed");
      const runId = newRunId();
      const runDir = join(root, runId);
      const cluster = await dockerProvider.start(
        { nodes: 1, runDir, runId, log: () => {} },
        { server: "etcd", etcdBinary: binary, resultsRoot: root, progress: { step: () => {} } },
      );
      expect(await imageExists(image)).toBe(true);
      // Pretend the harness died: its recorded pid no longer matches a live process.
      const st = JSON.parse(readFileSync(join(runDir, "state.json"), "utf8"));
      expect(st.docker.builtImages).toEqual([image]);
      st.harness = { pid: 999_999_999, start: "0" };
      writeFileSync(join(runDir, "state.json"), JSON.stringify(st));
      const reports = await cleanupDockerRuns(root, { runId });
      expect(reports.map((r) => r.outcome)).toEqual(["cleaned"]);
      expect(reports[0]!.removed).toContain(`image ${image}`);
      expect(await imageExists(image)).toBe(false);
      expect((await cleanupAll(root, { runId })).map((r) => r.outcome)).toEqual(["cleaned"]);
      await cluster.teardown(); // idempotent after cleanup
    }, 120_000);
  },
);
