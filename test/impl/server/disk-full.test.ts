/**
 * A full disk (a size-limited tmpfs as the data dir): writes fail with etcd's error and raise
 * the NOSPACE alarm, reads keep working, nothing acknowledged is lost, and the server recovers
 * once space is freed and the alarm disarmed.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { etcdctl as etcdctlCap, isRoot } from "../../support/env.js";
import { connect } from "./grpc-client.js";
import {
  etcdctl,
  freePort,
  removeDir,
  removePrivateBuild,
  startServer,
  tempDir,
  type Proc,
} from "./support.js";

const cap = isRoot.ok ? etcdctlCap : isRoot;

describe.skipIf(!cap.ok)(`full disk (${cap.why}; mounts a 3 MiB tmpfs)`, () => {
  const dir = tempDir("h5-diskfull-");
  const mnt = `${dir}/mnt`;
  let mounted = false;
  const procs: Proc[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop("SIGKILL")));
    if (mounted) execFileSync("umount", [mnt]);
    removeDir(dir);
    removePrivateBuild();
  });

  it("raises NOSPACE, keeps reads and acknowledged writes, recovers after space is freed", async () => {
    mkdirSync(mnt);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt]);
    mounted = true;
    const ports = { clientPort: await freePort(), peerPort: await freePort() };
    const opts = { kind: "gauntlet" as const, dataDir: `${mnt}/data`, ...ports };
    const server = await startServer(opts);
    procs.push(server);
    // Ballast: most of the space, to be freed later.
    writeFileSync(`${mnt}/ballast`, Buffer.alloc(2 * 1024 * 1024));
    const c = connect(server.endpoint);
    const acked: string[] = [];
    // The write whose entry met the full disk is indeterminate: the member keeps trying to
    // save it until space is freed (then it commits). Later writes are refused with NOSPACE.
    const pending: string[] = [];
    let failure: { code: number; details: string } | undefined;
    for (let i = 0; i < 2000 && !failure; i++) {
      try {
        await c.kv("Put", { key: Buffer.from(`k${i}`), value: Buffer.alloc(8 * 1024, i % 256) });
        acked.push(`k${i}`);
      } catch (e) {
        const err = e as { code: number; details: string };
        if (err.code === status.DEADLINE_EXCEEDED && pending.length < 3) pending.push(`k${i}`);
        else failure = err;
      }
    }
    expect(failure).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: "etcdserver: mvcc: database space exceeded",
    });
    expect(acked.length).toBeGreaterThan(10);
    const alarms = await etcdctl(server.endpoint, ["alarm", "list"]);
    expect(alarms.stdout).toMatch(/alarm:NOSPACE/);
    // Serializable reads keep working (a linearizable one waits for the member to save again).
    const r = (await c.kv("Range", { key: Buffer.from(acked[0]!), serializable: true })) as { count: number };
    expect(r.count).toBe(1);
    // Free space, disarm, write again.
    rmSync(`${mnt}/ballast`);
    const disarm = await etcdctl(server.endpoint, ["alarm", "disarm"]);
    expect(disarm.code).toBe(0);
    expect((await etcdctl(server.endpoint, ["alarm", "list"])).stdout).toBe("");
    await c.kv("Put", { key: Buffer.from("after"), value: Buffer.from("space freed") });
    c.close();
    // Everything acknowledged survives a restart.
    await server.stop("SIGKILL");
    const again = await startServer(opts);
    procs.push(again);
    const c2 = connect(again.endpoint);
    const all = (await c2.kv("Range", {
      key: Buffer.from("\0"),
      rangeEnd: Buffer.from("\0"),
      keysOnly: true,
    })) as { kvs: { key: Buffer }[] };
    const keys = new Set(all.kvs.map((kv) => kv.key.toString()));
    expect(acked.filter((k) => !keys.has(k))).toEqual([]);
    expect(keys.has("after")).toBe(true);
    // The writes that waited for space were saved once it was freed, before "after".
    expect(pending.filter((k) => !keys.has(k))).toEqual([]);
    c2.close();
  }, 60_000);
});
