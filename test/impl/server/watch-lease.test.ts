/**
 * Watch streams as etcd serves them (many watches on one stream, watch_id assignment,
 * created/canceled responses, prev_kv, filters, past revisions, compaction, progress) and
 * leases driven by the server's clock (expiry deletes attached keys; leases survive a
 * restart with a fresh TTL).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { serviceDefinition } from "../../../impl/server/proto.js";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { connect, type EtcdGrpc } from "./grpc-client.js";
import { freePort, removeDir, removePrivateBuild, startServer, tempDir, type Proc } from "./support.js";

const b = (s: string): Buffer => Buffer.from(s);
interface WResp {
  watchId: number;
  created: boolean;
  canceled: boolean;
  compactRevision: number;
  header: { revision: number };
  events: {
    type: number;
    kv: { key: Buffer; value: Buffer; modRevision: number };
    prevKv?: { value: Buffer } | null;
  }[];
}

function watchStream(endpoint: string): { write(r: object): void; next(): Promise<WResp>; close(): void } {
  const Ctor = grpc.makeGenericClientConstructor(serviceDefinition("Watch"), "Watch");
  const client = new Ctor(endpoint, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    Watch(): grpc.ClientDuplexStream<object, WResp>;
  };
  const stream = client.Watch();
  const queue: WResp[] = [];
  const waiters: ((r: WResp) => void)[] = [];
  stream.on("data", (r: WResp) => {
    const w = waiters.shift();
    if (w) w(r);
    else queue.push(r);
  });
  stream.on("error", () => {});
  return {
    write: (r) => stream.write(r),
    next: () =>
      queue.length
        ? Promise.resolve(queue.shift()!)
        : new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error("no watch response within 3 s")), 3000);
            waiters.push((r) => {
              clearTimeout(t);
              resolve(r);
            });
          }),
    close: () => {
      stream.cancel();
      client.close();
    },
  };
}

describe.skipIf(!etcdctlCap.ok)(
  `watch streams and leases (${etcdctlCap.why}; etcdctl probes readiness)`,
  () => {
    const dir = tempDir("h5-watch-");
    let server: Proc;
    let c: EtcdGrpc;
    let ports: { clientPort: number; peerPort: number };
    beforeAll(async () => {
      ports = { clientPort: await freePort(), peerPort: await freePort() };
      server = await startServer({ kind: "gauntlet", dataDir: `${dir}/data`, ...ports });
      c = connect(server.endpoint);
    });
    afterAll(async () => {
      c?.close();
      await server?.stop("SIGKILL");
      removeDir(dir);
      removePrivateBuild();
    });

    it("serves many watches on one stream, in revision order, with etcd's ids and cancel", async () => {
      const w = watchStream(server.endpoint);
      w.write({ createRequest: { key: b("w/"), rangeEnd: b("w0"), prevKv: true } });
      const c0 = await w.next();
      expect(c0).toMatchObject({ watchId: 0, created: true });
      w.write({ createRequest: { key: b("w/a"), filters: [1] } }); // no deletes
      expect(await w.next()).toMatchObject({ watchId: 1, created: true });
      w.write({ createRequest: { key: b("w/a"), watchId: 7 } });
      expect(await w.next()).toMatchObject({ watchId: 7, created: true });
      w.write({ createRequest: { key: b("w/a"), watchId: 7 } }); // duplicate id
      expect(await w.next()).toMatchObject({ watchId: -1, created: true, canceled: true });

      const p1 = await c.kv("Put", { key: b("w/a"), value: b("1") });
      const rev1 = Number((p1.header as { revision: number }).revision);
      await c.kv("Put", { key: b("w/a"), value: b("2") });
      await c.kv("DeleteRange", { key: b("w/a") });
      const got = new Map<number, string[]>();
      for (let i = 0; i < 8; i++) {
        const r = await w.next();
        for (const e of r.events)
          got.set(r.watchId, [
            ...(got.get(r.watchId) ?? []),
            `${e.type}:${e.kv.value.toString()}@${Number(e.kv.modRevision)}${e.prevKv ? `<${e.prevKv.value.toString()}` : ""}`,
          ]);
        if ([...got.values()].flat().length === 8) break;
      }
      expect(got.get(0)).toEqual([`0:1@${rev1}`, `0:2@${rev1 + 1}<1`, `1:@${rev1 + 2}<2`]);
      expect(got.get(1)).toEqual([`0:1@${rev1}`, `0:2@${rev1 + 1}`]);
      expect(got.get(7)).toEqual([`0:1@${rev1}`, `0:2@${rev1 + 1}`, `1:@${rev1 + 2}`]);

      w.write({ cancelRequest: { watchId: 1 } });
      expect(await w.next()).toMatchObject({ watchId: 1, canceled: true });
      w.write({ progressRequest: {} });
      const progress = await w.next();
      expect(progress.watchId).toBe(-1);
      expect(Number(progress.header.revision)).toBe(rev1 + 2);

      // A past start revision replays history; below the compacted revision it is canceled.
      w.write({ createRequest: { key: b("w/a"), startRevision: rev1 } });
      const created = await w.next();
      // As etcd: auto ids continue from the next unused one (0, 1 taken before; 7 was chosen).
      expect(created).toMatchObject({ watchId: 2, created: true });
      const replay = await w.next();
      expect(replay.watchId).toBe(2);
      expect(replay.events.map((e) => Number(e.kv.modRevision))).toEqual(
        [rev1, rev1 + 1, rev1 + 2].slice(0, replay.events.length),
      );
      await c.kv("Compact", { revision: rev1 + 1 });
      w.write({ createRequest: { key: b("w/a"), startRevision: rev1 } });
      let r = await w.next();
      while (r.watchId === 2) r = await w.next();
      expect(r).toMatchObject({ watchId: 3, created: true });
      r = await w.next();
      expect(r).toMatchObject({ watchId: 3, canceled: true });
      expect(Number(r.compactRevision)).toBe(rev1 + 1);
      w.close();
    });

    it("expires leases on the server's clock and keeps them across a restart with a fresh TTL", async () => {
      const short = (await c.lease("LeaseGrant", { TTL: 1 })) as { ID: number; TTL: number };
      expect(Number(short.TTL)).toBe(2); // etcd's minimum TTL at the default heartbeat / election timeout
      await c.kv("Put", { key: b("short"), value: b("v"), lease: short.ID });
      const long = (await c.lease("LeaseGrant", { TTL: 60 })) as { ID: number };
      await c.kv("Put", { key: b("long"), value: b("v"), lease: long.ID });
      await new Promise((r) => setTimeout(r, 3200));
      expect(((await c.kv("Range", { key: b("short") })) as { count: number }).count).toBe(0);
      expect(((await c.lease("LeaseTimeToLive", { ID: short.ID })) as { TTL: number }).TTL).toBe(-1);

      await server.stop("SIGKILL");
      c.close();
      server = await startServer({ kind: "gauntlet", dataDir: `${dir}/data`, ...ports });
      c = connect(server.endpoint);
      const ttl = (await c.lease("LeaseTimeToLive", { ID: long.ID, keys: true })) as {
        TTL: number;
        grantedTTL: number;
        keys: Buffer[];
      };
      expect(Number(ttl.grantedTTL)).toBe(60);
      expect(Number(ttl.TTL)).toBeGreaterThanOrEqual(58);
      expect(ttl.keys.map(String)).toEqual(["long"]);
      expect(((await c.kv("Range", { key: b("long") })) as { count: number }).count).toBe(1);
    }, 30_000);
  },
);
