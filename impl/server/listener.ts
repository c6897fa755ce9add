/**
 * One TCP port for gRPC and plain HTTP, as etcd serves both on its client URL: the first
 * bytes of each connection decide. The HTTP/2 connection preface ("PRI * HTTP/2.0") goes to
 * the gRPC server (through grpc-js's connection injector), anything else to an HTTP/1.1
 * handler (`/health`, `/metrics`, `/version`). HTTP/2 connections whose first request has an
 * invalid `:authority` (etcdctl's `endpoint ... --cluster`) go through authority.ts, which
 * repairs it; all others keep the native socket (see `handshake`).
 */
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { EMPTY_SETTINGS, handshake, rewritingSocket } from "./authority.js";
import type { Logger } from "./log.js";

/** Where HTTP/2 connections go: grpc-js's connection injector, or the lean transport. */
export interface Http2Sink {
  injectConnection(socket: Socket): void;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A connection shows what it is (HTTP/1, or HTTP/2 up to its first request) within this; after
 * it, an HTTP/2 client that did its part of the handshake is handed over as it is (an idle
 * client), anything else is closed.
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** The most a connection may send before that decision; beyond it, it is closed. */
export const HANDSHAKE_MAX_BYTES = 1024 * 1024;

/** Listens on host:port; resolves once bound. `injector` may be undefined (metrics-only listeners). */
export function listen(
  host: string,
  port: number,
  injector: Http2Sink | undefined,
  http: HttpHandler,
): Promise<NetServer> {
  const httpServer = createHttpServer(http);
  httpServer.keepAliveTimeout = 5000;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    // As Go's net package (etcd): no Nagle delay, or a response split over two writes waits
    // for the client's delayed ACK.
    socket.setNoDelay(true);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let head: Buffer = Buffer.alloc(0);
    let settingsSent = false;
    // Until it is handed over, a peer that closes or floods the handshake is dropped; one that
    // has not shown its first request after HANDSHAKE_TIMEOUT_MS goes to the HTTP/2 session
    // natively if it has done its part of the HTTP/2 handshake (an idle client), else is dropped.
    const onEnd = (): void => void socket.destroy();
    const handOver = (h2: boolean, rewrite: boolean): void => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      clearTimeout(timer);
      socket.pause();
      socket.unshift(head);
      // The socket stays paused: the HTTP/2 session (and the HTTP/1 parser) take the buffered
      // head from it and then read on their own.
      if (h2) injector!.injectConnection(rewrite ? (rewritingSocket(socket) as Socket) : socket);
      else {
        httpServer.emit("connection", socket);
        socket.resume();
      }
    };
    const timer = setTimeout(() => {
      const hs =
        injector !== undefined && head.subarray(0, 3).toString("latin1") === "PRI"
          ? handshake(head, settingsSent, true)
          : undefined;
      if (hs?.kind !== "decide") {
        socket.destroy();
        return;
      }
      head = hs.head;
      handOver(true, false);
    }, HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    socket.once("end", onEnd);
    socket.once("close", () => clearTimeout(timer));
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length > HANDSHAKE_MAX_BYTES) {
        socket.destroy();
        return;
      }
      if (head.length < 3 && "PRI".startsWith(head.toString("latin1"))) return;
      const h2 = injector !== undefined && head.subarray(0, 3).toString("latin1") === "PRI";
      let rewrite = false;
      if (h2) {
        // HTTP/2: hold the bytes until the first request shows whether its :authority needs
        // the rewriter (authority.ts); everything else keeps the native socket.
        const hs = handshake(head, settingsSent);
        if (hs.kind === "more") return;
        if (hs.kind === "send-settings") {
          settingsSent = true;
          socket.write(EMPTY_SETTINGS);
          return;
        }
        rewrite = hs.rewrite;
        head = hs.head;
      }
      handOver(h2, rewrite);
    };
    socket.on("data", onData);
  });
  server.on("close", () => {
    for (const s of sockets) s.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

/** host and port of an http:// URL (localhost stays localhost; brackets removed from IPv6). */
export function hostPort(u: URL): { host: string; port: number } {
  const host = u.hostname.replace(/^\[|\]$/g, "");
  return { host, port: u.port === "" ? 80 : Number(u.port) };
}

/**
 * Listens on every client URL (gRPC and HTTP) and every metrics URL (HTTP only), pushing each
 * server into `listeners` as it opens (so a caller that fails half-way can close what opened),
 * and returns the bound client addresses (`host:port`, `[v6]:port`).
 */
export async function listenAll(
  urls: { client: readonly URL[]; metrics: readonly URL[] },
  injector: Http2Sink,
  http: HttpHandler,
  log: Pick<Logger, "info">,
  listeners: NetServer[],
): Promise<string[]> {
  const clientAddresses: string[] = [];
  for (const u of urls.client) {
    const { host, port } = hostPort(u);
    const srv = await listen(host, port, injector, http);
    listeners.push(srv);
    const a = srv.address();
    clientAddresses.push(
      typeof a === "object" && a
        ? `${a.address.includes(":") ? `[${a.address}]` : a.address}:${a.port}`
        : String(a),
    );
    log.info("serving client traffic", { address: u.toString(), bound: clientAddresses.at(-1) });
  }
  for (const u of urls.metrics) {
    const { host, port } = hostPort(u);
    listeners.push(await listen(host, port, undefined, http));
    log.info("serving /metrics and /health", { address: u.toString() });
  }
  return clientAddresses;
}
