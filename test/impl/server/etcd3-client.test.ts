/**
 * The `etcd3` npm client against `gauntlet server`: put, get, delete, txn (if/then/else),
 * watch, lease (grant, attach, keep-alive, revoke), lock; its error classes for etcd's errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3, EtcdLeaseInvalidError, EtcdLockFailedError } from "etcd3";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { removeDir, removePrivateBuild, startServer, tempDir, type Proc } from "./support.js";

describe.skipIf(!etcdctlCap.ok)(`etcd3 npm client (${etcdctlCap.why}; etcdctl probes readiness)`, () => {
  const dir = tempDir("h5-etcd3-");
  let server: Proc;
  let client: Etcd3;
  beforeAll(async () => {
    server = await startServer({ kind: "gauntlet", dataDir: `${dir}/data` });
    client = new Etcd3({ hosts: `http://${server.endpoint}` });
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
    removeDir(dir);
    removePrivateBuild();
  });

  it("puts, gets, deletes", async () => {
    await client.put("a").value("1");
    await client.put("b").value("2");
    await client.put("c").value("3");
    expect(await client.get("a").string()).toBe("1");
    expect(await client.getAll().prefix("").keys()).toEqual(["a", "b", "c"]);
    expect(await client.getAll().prefix("").count()).toBe(3);
    const prev = await client.put("a").value("11").getPrevious();
    expect(prev?.value.toString()).toBe("1");
    const del = await client.delete().key("b").getPrevious();
    expect(del.map((kv) => kv.key.toString())).toEqual(["b"]);
    expect(await client.get("b").string()).toBeNull();
    const all = await client.getAll().prefix("").sort("Key", "Descend").strings();
    expect(all).toEqual({ c: "3", a: "11" });
  });

  it("runs transactions", async () => {
    const ok = await client
      .if("a", "Value", "==", "11")
      .then(client.put("a").value("12"))
      .else(client.put("a").value("never"))
      .commit();
    expect(ok.succeeded).toBe(true);
    const no = await client
      .if("a", "Value", "==", "11")
      .then(client.put("a").value("never"))
      .else(client.get("a"))
      .commit();
    expect(no.succeeded).toBe(false);
    expect(no.responses[0]!.response_range.kvs[0]!.value.toString()).toBe("12");
    expect(await client.get("a").string()).toBe("12");
  });

  it("watches", async () => {
    const watcher = await client.watch().prefix("w/").create();
    const seen: string[] = [];
    const done = new Promise<void>((resolve) =>
      watcher.on("put", (kv) => {
        seen.push(`${kv.key.toString()}=${kv.value.toString()}`);
        if (seen.length === 3) resolve();
      }),
    );
    await client.put("w/1").value("x");
    await client.put("w/2").value("y");
    await client.put("w/1").value("z");
    await done;
    expect(seen).toEqual(["w/1=x", "w/2=y", "w/1=z"]);
    await watcher.cancel();
  });

  it("grants, keeps alive and revokes leases", async () => {
    const lease = client.lease(30);
    const id = await lease.grant();
    await lease.put("leased").value("v");
    expect(await client.get("leased").string()).toBe("v");
    const ka = await lease.keepaliveOnce();
    expect(Number(ka.TTL)).toBe(30);
    await lease.revoke();
    expect(await client.get("leased").string()).toBeNull();
    const again = client.lease(30, { autoKeepAlive: false });
    await again.grant();
    await again.revoke();
    await expect(client.leaseClient.leaseRevoke({ ID: id })).rejects.toThrow(/requested lease not found/);
    await expect(client.put("x").value("y").lease(id).exec()).rejects.toThrow(EtcdLeaseInvalidError);
  });

  it("locks (etcd3's lock is a try-lock)", async () => {
    const held = await client.lock("mutex").ttl(30).acquire();
    await expect(client.lock("mutex").acquire()).rejects.toThrow(EtcdLockFailedError);
    await held.release();
    const again = await client.lock("mutex").acquire();
    await again.release();
  });
});
