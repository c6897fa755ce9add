import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createClient } from "../../../../harness/client/client.js";
import type { DockerCluster } from "../../../../harness/providers/docker/cluster.js";
import { cleanupDockerRuns } from "../../../../harness/providers/docker/cleanup.js";
import { docker as dockerClient, RUN_LABEL } from "../../../../harness/providers/docker/engine.js";
import { buildImage, etcdPlan, imageExists } from "../../../../harness/providers/docker/images.js";
import { subnetCandidates } from "../../../../harness/providers/docker/network.js";
import { dockerProvider } from "../../../../harness/providers/docker/provider.js";
import { parseLdd } from "../../../../harness/providers/docker/rootfs.js";
import { cleanupAll } from "../../../../harness/providers/local/cleanup.js";
import { memberStatus } from "../../../../harness/providers/local/status.js";
import { docker, etcd, isRoot } from "../../../support/env.js";
import { newRunId } from "../leftovers.js";

const root = mkdtempSync(join(tmpdir(), "gauntlet-docker-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const repo = join(import.meta.dirname, "..", "..", "..", "..");

/** Containers, networks and volumes the engine still holds for a run. */
async function engineLeftovers(runId: string): Promise<string[]> {
  const d = dockerClient();
  const f = { label: [`${RUN_LABEL}=${runId}`] };
  return [
    ...(await d.listContainers({ all: true, filters: f })).map((c) => `container ${c.Names[0]}`),
    ...(await d.listNetworks({ filters: f })).map((n) => `network ${n.Name}`),
    ...((await d.listVolumes({ filters: f })).Volumes ?? []).map((v) => `volume ${v.Name}`),
  ];
}

function iptablesIn(pid: number): string {
  return execFileSync("nsenter", ["-t", String(pid), "-n", "iptables", "-w", "-S", "INPUT"], {
    encoding: "utf8",
  });
}

describe("docker provider pure parts", () => {
  it("parseLdd lists library paths and the loader, not the vDSO", () => {
    const out = [
      "\tlinux-vdso.so.1 (0x00007ffd)",
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f79)",
      "\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f7a)",
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f791672c000)",
    ].join("\n");
    expect(parseLdd(out)).toEqual([
      "/lib/x86_64-linux-gnu/libc.so.6",
      "/lib/x86_64-linux-gnu/libm.so.6",
      "/lib64/ld-linux-x86-64.so.2",
    ]);
    expect(parseLdd("\tnot a dynamic executable")).toEqual([]);
  });

  it("subnet candidates are distinct octets in range and depend on the run id", () => {
    const a = subnetCandidates("abc123");
    expect(new Set(a).size).toBe(a.length);
    for (const x of a) expect(x >= 0 && x < 250).toBe(true);
    expect(subnetCandidates("abc123")).toEqual(a);
  });

  it("gauntlet run --provider docker without an engine: a clear error, exit 3", () => {
    const r = spawnSync(
      process.execPath,
      [
        "bin/gauntlet.js",
        "run",
        "--provider",
        "docker",
        "--server",
        "etcd",
        "--nemesis",
        "none",
        "--results",
        join(root, "r0"),
      ],
      {
        cwd: repo,
        encoding: "utf8",
        env: { ...process.env, DOCKER_HOST: `unix://${join(root, "no.sock")}` },
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(
      `no Docker engine at ${join(root, "no.sock")}: start one, or use --provider local`,
    );
  });
});

describe.skipIf(!docker.ok || !isRoot.ok || !etcd.ok)(
  `docker provider with etcd (${docker.why}; ${isRoot.why}; ${etcd.why})`,
  () => {
    it("builds the etcd image without a registry, labelled gauntlet", async () => {
      const plan = etcdPlan();
      await buildImage(plan, { step: () => {} });
      expect(await imageExists(plan.name)).toBe(true);
      const info = await dockerClient().getImage(plan.name).inspect();
      expect(info.Config.Labels?.gauntlet).toBe("image");
      expect(info.Config.Entrypoint).toEqual(["/usr/local/bin/etcd"]);
    }, 120_000);

    it("3 members start and answer; kill/start keeps data; pause; partition via nsenter; membership; no leftovers", async () => {
      const runId = newRunId();
      const runDir = join(root, runId);
      const lines: string[] = [];
      const cluster = (await dockerProvider.start(
        { nodes: 3, runDir, runId, log: (l) => lines.push(l) },
        { server: "etcd", resultsRoot: root, progress: { step: () => {} } },
      )) as DockerCluster;
      const c = createClient({ endpoint: cluster.clientEndpoints("n1")[0]!, timeoutMs: 3000 });
      try {
        await cluster.waitHealthy(30_000);
        expect(cluster.clientEndpoints("n2")[0]).toMatch(/^10\.78\.\d+\.12:2379$/);
        expect(Object.keys(cluster.capabilities).sort()).toEqual(["killable", "members", "net", "pausable"]);
        expect(cluster.unavailable.clock).toMatch(/Go binary/);
        await c.put("k", "v1");

        // Kill/start: same member id (its data dir survived), the key still there.
        const id1 = (await memberStatus(cluster.clientEndpoints("n1")[0]!, 3000)).memberId;
        await cluster.capabilities.killable!.kill("n1");
        expect(cluster.capabilities.killable!.isRunning("n1")).toBe(false);
        await expect(memberStatus(cluster.clientEndpoints("n1")[0]!, 500)).rejects.toThrow();
        await cluster.capabilities.killable!.start("n1");
        await cluster.waitHealthy(30_000);
        expect((await memberStatus(cluster.clientEndpoints("n1")[0]!, 3000)).memberId).toBe(id1);
        expect((await c.get("k")).kvs[0]?.value).toBe("v1");

        // Pause: no answer; resume: answers.
        await cluster.capabilities.pausable!.pause("n2");
        await expect(memberStatus(cluster.clientEndpoints("n2")[0]!, 500)).rejects.toThrow();
        await cluster.capabilities.pausable!.resume("n2");
        expect((await memberStatus(cluster.clientEndpoints("n2")[0]!, 5000)).leader).not.toBe("0");

        // Partition n1 from the others: DROP rules in its namespace; re-applied after a restart.
        const net = cluster.capabilities.net!;
        await net.partition({ n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] });
        const ip2 = cluster.node("n2").host;
        expect(iptablesIn(cluster.member("n1").pid!)).toContain(`-A INPUT -s ${ip2}/32 -j DROP`);
        await cluster.capabilities.killable!.kill("n1");
        await cluster.capabilities.killable!.start("n1");
        expect(iptablesIn(cluster.member("n1").pid!)).toContain(`-A INPUT -s ${ip2}/32 -j DROP`);
        // The isolated member cannot serve a linearizable read; the majority can.
        await expect(c.get("k", { timeoutMs: 1500 })).rejects.toThrow();
        await net.heal();
        expect(iptablesIn(cluster.member("n1").pid!)).not.toContain("DROP");
        await cluster.waitHealthy(30_000);
        expect((await c.get("k")).kvs[0]?.value).toBe("v1");

        // Membership: remove n3 (its container stops), add it back in a new container.
        const members = cluster.capabilities.members!;
        await members.remove("n3");
        expect((await members.list()).map((m) => m.name).sort()).toEqual(["n1", "n2"]);
        const oldId = cluster.containerIds().n3;
        await members.add("n3");
        await cluster.waitHealthy(30_000);
        expect((await members.list()).map((m) => m.name).sort()).toEqual(["n1", "n2", "n3"]);
        expect(cluster.containerIds().n3).not.toBe(oldId);
      } finally {
        c.close();
        await cluster.teardown();
      }
      expect(await engineLeftovers(runId)).toEqual([]);
      expect(existsSync(join(root, ".active", `${runId}.json`))).toBe(false);
      expect(readFileSync(join(runDir, "nodes", "n1", "server.log"), "utf8")).toMatch(/etcd Version/);
    }, 150_000);

    it("gauntlet cleanup removes what a dead harness left", async () => {
      const runId = newRunId();
      const runDir = join(root, runId);
      const cluster = (await dockerProvider.start(
        { nodes: 1, runDir, runId, log: () => {} },
        { server: "etcd", resultsRoot: root, progress: { step: () => {} } },
      )) as DockerCluster;
      expect((await engineLeftovers(runId)).length).toBe(2);
      // Pretend the harness died: its recorded pid no longer matches a live process.
      const st = JSON.parse(readFileSync(join(runDir, "state.json"), "utf8"));
      st.harness = { pid: 999_999_999, start: "0" };
      writeFileSync(join(runDir, "state.json"), JSON.stringify(st));
      const reports = await cleanupDockerRuns(root, { runId });
      expect(reports.map((r) => r.outcome)).toEqual(["cleaned"]);
      expect(reports[0]!.removed.join(" ")).toMatch(/container gauntlet-.*-n1.*network gauntlet-/);
      expect(await engineLeftovers(runId)).toEqual([]);
      expect((await cleanupAll(root, { runId })).map((r) => r.outcome)).toEqual(["cleaned"]);
      await cluster.teardown(); // idempotent after cleanup: objects already gone
      expect(existsSync(join(root, ".active", `${runId}.json`))).toBe(false);
    }, 120_000);

    it("gauntlet run --provider docker --server etcd --time-limit 8 is valid and leaves nothing", () => {
      const results = join(root, "results");
      const r = spawnSync(
        process.execPath,
        [
          "bin/gauntlet.js",
          "run",
          "--provider",
          "docker",
          "--server",
          "etcd",
          "--time-limit",
          "8",
          "--nemesis",
          "kill,pause",
          "--results",
          results,
        ],
        { cwd: repo, encoding: "utf8", timeout: 120_000 },
      );
      expect(r.stderr + r.stdout).toMatch(/VALID/);
      expect(r.status).toBe(0);
      const runId = /run id ([a-z0-9]{6})/.exec(r.stdout + r.stderr)?.[1];
      expect(runId).toBeDefined();
      const left = spawnSync("docker", ["ps", "-aq", "--filter", `label=${RUN_LABEL}=${runId}`], {
        encoding: "utf8",
      });
      expect(left.stdout.trim()).toBe("");
    }, 150_000);
  },
);

describe.skipIf(!docker.ok || !isRoot.ok)(
  `docker provider with the reference server (${docker.why}; ${isRoot.why})`,
  () => {
    it("3 reference members in containers: healthy; clock via mounted libfaketime; disk fill on a tmpfs; no leftovers", async () => {
      const runId = newRunId();
      const runDir = join(root, runId);
      const cluster = (await dockerProvider.start(
        { nodes: 3, runDir, runId, log: () => {} },
        { server: "reference", resultsRoot: root, clock: true, tmpfsMb: 16, progress: { step: () => {} } },
      )) as DockerCluster;
      try {
        await cluster.waitHealthy(60_000);
        expect(Object.keys(cluster.capabilities).sort()).toEqual([
          "clock",
          "disk",
          "killable",
          "members",
          "net",
          "pausable",
        ]);
        const info = await dockerClient().getContainer(cluster.containerIds().n1!).inspect();
        expect(info.Config.Env).toContain("LD_PRELOAD=/faketime/lib/libfaketime.so.1");
        await cluster.capabilities.clock!.bump("n1", 2500);
        expect(readFileSync(join(runDir, "nodes", "n1", "faketime", "faketime.rc"), "utf8")).toBe("+2.5s\n");
        await cluster.capabilities.clock!.reset("n1");
        await cluster.capabilities.disk!.fill("n1");
        const avail = execFileSync("df", ["--output=avail", join(runDir, "nodes", "n1", "data")], {
          encoding: "utf8",
        });
        expect(Number(avail.trim().split("\n").pop())).toBeLessThan(64);
        await cluster.capabilities.disk!.free("n1");
        await cluster.waitHealthy(30_000);
      } finally {
        await cluster.teardown();
      }
      expect(await engineLeftovers(runId)).toEqual([]);
      expect(execFileSync("mount", { encoding: "utf8" })).not.toContain(runDir);
    }, 150_000);
  },
);
