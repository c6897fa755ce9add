import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localProvider } from "../../../harness/providers/local/provider.js";
import { findLibfaketime } from "../../../harness/providers/local/server-command.js";
import type { LocalCluster } from "../../../harness/providers/local/cluster.js";
import { memberStatus } from "../../../harness/providers/local/status.js";
import { etcd, isRoot } from "../../support/env.js";
import { leftovers, newRunId } from "./leftovers.js";

const root = mkdtempSync(join(tmpdir(), "gauntlet-local-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function startEtcd(namespaces: boolean, serverArgs: string[] = []) {
  const runId = newRunId();
  const runDir = join(root, runId);
  const lines: string[] = [];
  const cluster = (await localProvider.start(
    { nodes: 3, runDir, runId, log: (l) => lines.push(l) },
    { server: "etcd", resultsRoot: root, namespaces, serverArgs },
  )) as LocalCluster;
  return { runId, runDir, cluster, lines };
}

describe.skipIf(!etcd.ok)(`local provider with etcd (${etcd.why})`, () => {
  it("starts 3 members on loopback, reaches a leader, and tears down without leftovers", async () => {
    const { runId, runDir, cluster } = await startEtcd(false);
    const pids = Object.values(cluster.pids()).filter((p): p is number => p !== undefined);
    try {
      expect(pids).toHaveLength(3);
      await cluster.waitHealthy(20_000);
      expect(cluster.clientEndpoints("n1")[0]).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(cluster.capabilities.net).toBeUndefined();
      expect(cluster.unavailable.net).toMatch(/turned off/);
      const st = JSON.parse(readFileSync(join(runDir, "state.json"), "utf8"));
      expect(Object.keys(st.processes)).toEqual(["n1", "n2", "n3"]);
      expect(await cluster.serverVersion()).toMatch(/etcd Version: 3\./);
      // Pause: the member stops answering; resume: it answers again.
      const pausable = cluster.capabilities.pausable!;
      await pausable.pause("n1");
      expect(pausable.isPaused("n1")).toBe(true);
      await expect(memberStatus(cluster.clientEndpoints("n1")[0]!, 500)).rejects.toThrow();
      await pausable.resume("n1");
      expect((await memberStatus(cluster.clientEndpoints("n1")[0]!, 5000)).leader).not.toBe("0");
    } finally {
      await cluster.teardown();
    }
    expect(leftovers(runId, pids)).toEqual([]);
    expect(readFileSync(join(runDir, "nodes", "n1", "server.log"), "utf8").length).toBeGreaterThan(0);
  });
});

describe.skipIf(!etcd.ok || !isRoot.ok)(
  `local provider with etcd in namespaces (${etcd.why}; ${isRoot.why})`,
  () => {
    it("runs each member in its own namespace; partitions and heals; kill/restart; nothing left behind", async () => {
      const { runId, cluster } = await startEtcd(true);
      const pids = Object.values(cluster.pids()).filter((p): p is number => p !== undefined);
      try {
        await cluster.waitHealthy(20_000);
        const ep1 = cluster.clientEndpoints("n1")[0]!;
        expect(ep1).toMatch(/^10\.77\.\d+\.11:2379$/);
        expect(leftovers(runId).some((l) => l.startsWith("netns"))).toBe(true);
        const net = cluster.capabilities.net!;
        // Isolate n1: it loses the leader (or, if it led, the others elect a new one).
        await net.partition({ n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] });
        expect(net.current()).toEqual({ n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] });
        const n2ip = cluster.node("n2").host;
        const rules = () =>
          execFileSync("ip", ["netns", "exec", `gauntlet-${runId}-n1`, "iptables", "-S", "INPUT"], {
            encoding: "utf8",
          });
        expect(rules()).toContain(`-s ${n2ip}/32 -j DROP`);
        // n2 can no longer reach n1's peer port; the harness (host) still reaches n1.
        const probe = spawnSync("ip", [
          "netns",
          "exec",
          `gauntlet-${runId}-n2`,
          process.execPath,
          "-e",
          `const s=require("net").connect(2380,"${cluster.node("n1").host}");s.on("connect",()=>process.exit(0));setTimeout(()=>process.exit(7),700)`,
        ]);
        expect(probe.status).toBe(7);
        await memberStatus(ep1, 2000);
        await net.heal();
        expect(net.current()).toEqual({});
        expect(rules()).not.toContain("DROP");
        const killable = cluster.capabilities.killable!;
        await killable.kill("n2");
        expect(killable.isRunning("n2")).toBe(false);
        await killable.start("n2");
        await cluster.waitHealthy(20_000);
        const s = await memberStatus(cluster.clientEndpoints("n2")[0]!);
        expect(s.leader).not.toBe("0");
        pids.push(...Object.values(cluster.pids()).filter((p): p is number => p !== undefined));
      } finally {
        await cluster.teardown();
      }
      expect(leftovers(runId, pids)).toEqual([]);
    });
  },
);

describe.skipIf(!isRoot.ok)(
  `local provider: reference server with tmpfs data directories (${isRoot.why})`,
  () => {
    it("fills a member's disk to ENOSPC, frees it, and unmounts at teardown", async () => {
      const runId = newRunId();
      const runDir = join(root, runId);
      const cluster = (await localProvider.start(
        { nodes: 1, runDir, runId, log: () => {} },
        { server: "reference", resultsRoot: root, tmpfsMb: 8 },
      )) as LocalCluster;
      const mounted = () =>
        readFileSync("/proc/mounts", "utf8")
          .split("\n")
          .filter((l) => l.includes(runDir));
      try {
        expect(mounted()).toHaveLength(1);
        await cluster.waitHealthy(20_000);
        const disk = cluster.capabilities.disk!;
        await disk.fill("n1");
        const data = join(runDir, "nodes", "n1", "data");
        expect(() => writeFileSync(join(data, "probe"), Buffer.alloc(64 * 1024))).toThrow(/ENOSPC/);
        await disk.free("n1");
        writeFileSync(join(data, "probe"), Buffer.alloc(64 * 1024));
      } finally {
        await cluster.teardown();
      }
      expect(mounted()).toEqual([]);
      expect(leftovers(runId)).toEqual([]);
    });
  },
);

describe.skipIf(!etcd.ok)(`local provider: membership changes with etcd (${etcd.why})`, () => {
  it("removes a member through the Cluster API and adds it back as a new member", async () => {
    const { runId, cluster } = await startEtcd(false, ["--strict-reconfig-check=false"]); // skip etcd's 5 s wait before reconfiguring
    const pids: number[] = [];
    try {
      await cluster.waitHealthy(20_000);
      const members = cluster.capabilities.members!;
      const before = await members.list();
      expect(before.map((m) => m.name).sort()).toEqual(["n1", "n2", "n3"]);
      const oldId = before.find((m) => m.name === "n3")!.id;
      await members.remove("n3");
      expect(cluster.capabilities.killable!.isRunning("n3")).toBe(false);
      expect((await members.list()).map((m) => m.name).sort()).toEqual(["n1", "n2"]);
      await members.add("n3");
      pids.push(...Object.values(cluster.pids()).filter((p): p is number => p !== undefined));
      await cluster.waitHealthy(20_000);
      const after = await members.list();
      expect(after.map((m) => m.name).sort()).toEqual(["n1", "n2", "n3"]);
      expect(after.find((m) => m.name === "n3")!.id).not.toBe(oldId);
    } finally {
      await cluster.teardown();
    }
    expect(leftovers(runId, pids)).toEqual([]);
  });
});

const faketime = findLibfaketime();
describe.skipIf(!faketime)(
  `local provider: clock faults on the reference server (${faketime ?? "skipped: no libfaketime (apt-get install libfaketime)"})`,
  () => {
    it("bumps a member's wall clock through libfaketime's control file", async () => {
      const runId = newRunId();
      const runDir = join(root, runId);
      const cluster = (await localProvider.start(
        { nodes: 1, runDir, runId, log: () => {} },
        { server: "reference", resultsRoot: root, clock: true, namespaces: false },
      )) as LocalCluster;
      try {
        await cluster.waitHealthy(20_000);
        await cluster.capabilities.clock!.bump("n1", 3_600_000);
        // The restarted member keeps the offset (the control file persists): its log times jump an hour.
        await cluster.capabilities.killable!.kill("n1");
        await cluster.capabilities.killable!.start("n1");
        await cluster.waitHealthy(20_000);
        const lines = readFileSync(join(runDir, "nodes", "n1", "server.log"), "utf8")
          .trim()
          .split("\n");
        const last = Date.parse(JSON.parse(lines.at(-1)!).ts);
        expect(last - Date.now()).toBeGreaterThan(3_500_000);
        await cluster.capabilities.clock!.reset("n1");
        expect(readFileSync(join(runDir, "nodes", "n1", "faketime.rc"), "utf8").trim()).toBe("+0s");
      } finally {
        await cluster.teardown();
      }
    });

    it("reports clock unavailable for etcd (a Go binary ignores LD_PRELOAD)", async () => {
      if (!etcd.ok) return;
      const { cluster } = await startEtcd(false);
      try {
        expect(cluster.capabilities.clock).toBeUndefined();
        expect(cluster.unavailable.clock).toMatch(/Go binary/);
      } finally {
        await cluster.teardown();
      }
    });
  },
);
