/**
 * The plain-HTTP endpoints a member serves beside gRPC on its client and metrics listeners, as
 * etcd does: `/health` (also `/readyz`, `/livez`), `/metrics` (Prometheus text) and `/version`;
 * anything else is a 404. Single-node and cluster members differ only in what makes them
 * unhealthy.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CLUSTER_VERSION, SERVER_VERSION } from "./etcd-server.js";
import type { HttpHandler } from "./listener.js";

/** `unhealthy()` returns why the member is unhealthy (etcd's reason, e.g. "RAFT NO LEADER"), or undefined. */
export function httpEndpoints(
  metrics: { render(): string },
  unhealthy: () => string | undefined,
): HttpHandler {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health" || path === "/readyz" || path === "/livez") {
      const reason = unhealthy();
      res.writeHead(reason === undefined ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify(reason === undefined ? { health: "true" } : { health: "false", reason }));
    } else if (path === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(metrics.render());
    } else if (path === "/version") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ etcdserver: SERVER_VERSION, etcdcluster: CLUSTER_VERSION }));
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("404 page not found\n");
    }
  };
}
