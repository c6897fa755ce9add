/**
 * createClient: the grpc-js implementation of {@link EtcdClient} (work in progress).
 */
import type { ClientOptions, EtcdClient, ValueMode } from "./types.js";

/** A client for one endpoint. `values: "bytes"` gives `EtcdClient<Uint8Array>`. */
export function createClient(opts: ClientOptions & { values?: "string" }): EtcdClient<string>;
export function createClient(opts: ClientOptions & { values: "bytes" }): EtcdClient<Uint8Array>;
export function createClient(
  opts: ClientOptions & { values?: ValueMode },
): EtcdClient<string> | EtcdClient<Uint8Array> {
  throw new Error(`createClient(${opts.endpoint}): not implemented yet`);
}
