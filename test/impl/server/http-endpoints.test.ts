/** The plain-HTTP endpoints beside gRPC: /health (+ /readyz, /livez), /metrics, /version, 404. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpEndpoints } from "../../../impl/server/http-endpoints.js";
import { CLUSTER_VERSION, SERVER_VERSION } from "../../../impl/server/etcd-server.js";

let reason: string | undefined;
let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer(httpEndpoints({ render: () => "etcd_server_has_leader 1\n" }, () => reason));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("httpEndpoints", () => {
  it("answers health as etcd does: 200 when healthy, 503 with the reason otherwise, on every alias", async () => {
    reason = undefined;
    for (const p of ["/health", "/readyz", "/livez", "/health?serializable=true"]) {
      const r = await fetch(base + p);
      expect(r.status, p).toBe(200);
      expect(await r.json()).toEqual({ health: "true" });
    }
    reason = "RAFT NO LEADER";
    const r = await fetch(`${base}/health`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ health: "false", reason: "RAFT NO LEADER" });
  });

  it("serves metrics, the version, and 404 for anything else", async () => {
    const m = await fetch(`${base}/metrics`);
    expect(m.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await m.text()).toBe("etcd_server_has_leader 1\n");
    expect(await (await fetch(`${base}/version`)).json()).toEqual({
      etcdserver: SERVER_VERSION,
      etcdcluster: CLUSTER_VERSION,
    });
    const nf = await fetch(`${base}/nope`);
    expect(nf.status).toBe(404);
    expect(await nf.text()).toBe("404 page not found\n");
  });
});
