import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { takeUnsafeFlags, unsafeWarning } from "../../../impl/server/unsafe.js";

describe("planted-bug flags", () => {
  it("are taken out of argv; the rest is left for etcd's flags", () => {
    const r = takeUnsafeFlags([
      "--name",
      "n1",
      "--unsafe-stale-reads",
      "-unsafe-early-ack=true",
      "--snapshot-count=5",
    ]);
    expect(r.argv).toEqual(["--name", "n1", "--snapshot-count=5"]);
    expect(r.flags).toEqual({ staleReads: true, earlyAck: true });
    expect(takeUnsafeFlags(["--unsafe-stale-reads=false"]).flags.staleReads).toBe(false);
    expect(takeUnsafeFlags([]).flags).toEqual({ staleReads: false, earlyAck: false });
  });

  it("refuse bad values and unknown planted bugs", () => {
    expect(() => takeUnsafeFlags(["--unsafe-stale-reads=yes"])).toThrow(/true or false/);
    expect(() => takeUnsafeFlags(["--unsafe-fast-commit"])).toThrow(
      /unknown planted-bug flag --unsafe-fast-commit/,
    );
  });

  it("warn loudly when on, and say nothing when off", () => {
    expect(unsafeWarning({ staleReads: true, earlyAck: false })).toMatch(
      /PLANTED BUG ON: --unsafe-stale-reads .*NOT linearizable/,
    );
    expect(unsafeWarning({ staleReads: false, earlyAck: false })).toBeUndefined();
  });

  it("the server exits 2 on a bad value (built bundle)", () => {
    const r = spawnSync("node", [resolve("bin/gauntlet.js"), "server", "--unsafe-early-ack=maybe"], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--unsafe-early-ack takes true or false/);
  });
});
