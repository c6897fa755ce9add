import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localProvider } from "../../../harness/providers/local/provider.js";
import { etcd } from "../../support/env.js";
import { newRunId } from "./leftovers.js";
import {
  externalProvider,
  isLocalHost,
  parseEndpoints,
} from "../../../harness/providers/external/provider.js";

const bin = new URL("../../../bin/gauntlet.js", import.meta.url).pathname;

describe("external provider", () => {
  it("accepts endpoints on this machine", () => {
    expect(
      parseEndpoints("127.0.0.1:2379,localhost:2380,[::1]:2381,127.3.4.5:1").map((e) => e.address),
    ).toEqual(["127.0.0.1:2379", "localhost:2380", "[::1]:2381", "127.3.4.5:1"]);
    expect(parseEndpoints("http://127.0.0.1:2379")[0]!.port).toBe(2379);
  });

  it("refuses endpoints outside this machine unless allowRemote", () => {
    for (const ep of [
      "10.0.0.1:2379",
      "example.com:2379",
      "[2001:db8::1]:2379",
      "128.0.0.1:2379",
      "localhost.evil.com:1",
    ]) {
      expect(() => parseEndpoints(`127.0.0.1:2379,${ep}`)).toThrow(/outside this machine.*--allow-remote/);
      expect(parseEndpoints(ep, true)).toHaveLength(1);
    }
    expect(isLocalHost("127.255.255.254")).toBe(true);
    expect(isLocalHost("0.0.0.0")).toBe(false);
  });

  it("rejects malformed endpoints and an empty list with a clear message", () => {
    expect(() => parseEndpoints("")).toThrow(/--endpoints is required/);
    expect(() => parseEndpoints("127.0.0.1")).toThrow(/expected host:port/);
    expect(() => parseEndpoints("127.0.0.1:99999")).toThrow(/port must be 1-65535/);
  });

  it("starts a cluster without capabilities, saying why each is unavailable", async () => {
    const c = await externalProvider.start(
      { nodes: 0, runDir: "/nonexistent", runId: "abcdef", log: () => {} },
      { endpoints: "127.0.0.1:1,127.0.0.1:2" },
    );
    expect(c.nodes).toEqual(["n1", "n2"]);
    expect(c.clientEndpoints("n2")).toEqual(["127.0.0.1:2"]);
    expect(c.capabilities).toEqual({});
    expect(c.unavailable.net).toMatch(/no faults/);
    await expect(
      externalProvider.start(
        { nodes: 0, runDir: "/x", runId: "abcdef", log: () => {} },
        { endpoints: "8.8.8.8:2379" },
      ),
    ).rejects.toThrow(/outside this machine/);
    await expect(c.waitHealthy(300)).rejects.toThrow(/not healthy/);
  });
});

describe.skipIf(!etcd.ok)(`gauntlet run --provider external against a running etcd (${etcd.why})`, () => {
  it("runs the register workload against the given endpoints, ends valid, and leaves the cluster running", async () => {
    const root = mkdtempSync(join(tmpdir(), "gauntlet-external-test-"));
    const runId = newRunId();
    const cluster = await localProvider.start(
      { nodes: 1, runDir: join(root, runId), runId, log: () => {} },
      { server: "etcd", resultsRoot: root, namespaces: false },
    );
    try {
      await cluster.waitHealthy(20_000);
      const ep = cluster.clientEndpoints("n1")[0]!;
      const r = spawnSync(
        process.execPath,
        [
          bin,
          "run",
          "--provider",
          "external",
          "--endpoints",
          ep,
          "--time-limit",
          "2",
          "--rate",
          "100",
          "--results",
          join(root, "results"),
        ],
        { encoding: "utf8", timeout: 60_000 },
      );
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/verdict: VALID/);
      const test = JSON.parse(readFileSync(join(root, "results", "latest", "test.json"), "utf8"));
      expect(test).toMatchObject({ name: "register-external", provider: "external", nodes: 1 });
      expect(test.versions.server).toMatch(/API version 3\./);
      expect(cluster.capabilities.killable!.isRunning("n1")).toBe(true); // external teardown leaves it alone
    } finally {
      await cluster.teardown();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
