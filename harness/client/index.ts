/**
 * harness/client: the harness's own etcd v3 client (gRPC, one connection per client, a deadline
 * on every call, never a retry) and the error registry that turns failures into `fail` / `info`.
 * See README.md for the error table.
 */
export * from "./types.js";
export * from "./errors.js";
export { createClient } from "./client.js";
