/** `gauntlet server` flag parsing: etcd's names, defaults and syntax; clear errors. */
import { describe, expect, it } from "vitest";
import { FLAGS, FlagError, helpText, parseFlags, type ServerConfig } from "../../../impl/server/flags.js";

function run(argv: string[]): ServerConfig {
  const r = parseFlags(argv);
  if (r.kind !== "run") throw new Error(`expected run, got ${r.kind}`);
  return r.config;
}

describe("parseFlags", () => {
  it("has etcd's defaults", () => {
    const c = run([]);
    expect(c.name).toBe("default");
    expect(c.dataDir).toBe("default.etcd");
    expect(c.listenClientUrls.map(String)).toEqual(["http://localhost:2379/"]);
    expect(c.initialCluster.get("default")).toEqual(["http://localhost:2380"]);
    expect(c.snapshotCount).toBe(100000);
    expect(c.maxRequestBytes).toBe(1.5 * 1024 * 1024);
    expect(c.initialClusterToken).toBe("etcd-cluster");
    expect(c.logLevel).toBe("info");
  });

  it("accepts --flag value, --flag=value, -flag value and -flag=value alike", () => {
    for (const argv of [
      ["--name", "n1", "--snapshot-count", "7"],
      ["--name=n1", "--snapshot-count=7"],
      ["-name", "n1", "-snapshot-count", "7"],
      ["-name=n1", "-snapshot-count=7"],
    ]) {
      const c = run([...argv, "--initial-cluster", "n1=http://127.0.0.1:2380"]);
      expect(c.name).toBe("n1");
      expect(c.dataDir).toBe("n1.etcd");
      expect(c.snapshotCount).toBe(7);
    }
  });

  it("reads the etcd start-up line used for etcd itself", () => {
    const c = run([
      "--name",
      "n1",
      "--data-dir",
      "/tmp/x",
      "--listen-client-urls",
      "http://127.0.0.1:2379,http://127.0.0.2:2379",
      "--advertise-client-urls",
      "http://127.0.0.1:2379",
      "--listen-peer-urls",
      "http://127.0.0.1:2380",
      "--initial-advertise-peer-urls",
      "http://127.0.0.1:2380",
      "--initial-cluster",
      "n1=http://127.0.0.1:2380",
      "--initial-cluster-state",
      "new",
      "--initial-cluster-token",
      "tok",
      "--quota-backend-bytes",
      "1000000",
      "--max-request-bytes",
      "2048",
      "--listen-metrics-urls",
      "http://127.0.0.1:9000",
      "--log-level",
      "warn",
      "--heartbeat-interval",
      "50",
      "--election-timeout",
      "500",
      "--enable-v2=false",
    ]);
    expect(c.dataDir).toBe("/tmp/x");
    expect(c.listenClientUrls).toHaveLength(2);
    expect(c.initialClusterToken).toBe("tok");
    expect(c.quotaBackendBytes).toBe(1_000_000);
    expect(c.maxRequestBytes).toBe(2048);
    expect(c.listenMetricsUrls.map(String)).toEqual(["http://127.0.0.1:9000/"]);
    expect(c.ignored).toEqual(["enable-v2"]);
  });

  it("rejects unknown flags, stray arguments, bad numbers and bad values with clear errors", () => {
    expect(() => parseFlags(["--no-such-flag", "1"])).toThrow(
      new FlagError("flag provided but not defined: -no-such-flag"),
    );
    expect(() => parseFlags(["stray"])).toThrow(/'stray' is not a valid flag/);
    expect(() => parseFlags(["--snapshot-count", "many"])).toThrow(
      /invalid value "many" for flag -snapshot-count/,
    );
    expect(() => parseFlags(["--snapshot-count"])).toThrow(/flag needs an argument: -snapshot-count/);
    expect(() => parseFlags(["--log-level", "loud"])).toThrow(/invalid --log-level "loud"/);
    expect(() => parseFlags(["--initial-cluster-state", "maybe"])).toThrow(/initial-cluster-state/);
    expect(() => parseFlags(["--listen-client-urls", "https://127.0.0.1:2379"])).toThrow(/TLS/);
    expect(() => parseFlags(["--listen-client-urls", "not a url"])).toThrow(/invalid URL/);
    expect(() => parseFlags(["--name", "n2", "--initial-cluster", "n1=http://127.0.0.1:2380"])).toThrow(
      /couldn't find local name "n2"/,
    );
    // As etcd: without --initial-cluster, a named member forms its own cluster.
    expect(run(["--name", "n2"]).initialCluster.get("n2")).toEqual(["http://localhost:2380"]);
  });

  it("documents every flag in --help", () => {
    expect(parseFlags(["--help"]).kind).toBe("help");
    expect(parseFlags(["-h"]).kind).toBe("help");
    const text = helpText();
    for (const name of Object.keys(FLAGS)) expect(text).toContain(`--${name}`);
  });
});
