import { createServer, type Server } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { statCpuMs, threadCpuMs, processCpuMs } from "../../bench/clock.js";
import { isLocalHost, listeningInodes, pidListeningOn } from "../../bench/proc.js";

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0953 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41235 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0953 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 41299 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 50001 1 0000000000000000 100 0 0 10 0
`;

describe("finding server processes and their CPU", () => {
  it("reads listening sockets of a port from /proc/net/tcp text", () => {
    expect(listeningInodes(TCP, 2387)).toEqual(["41235"]); // 0x0953, LISTEN only
    expect(listeningInodes(TCP, 8080)).toEqual(["50001"]);
    expect(listeningInodes(TCP, 9999)).toEqual([]);
  });

  it("reads user + system time from a stat line, even with spaces and parentheses in the name", () => {
    const stat = "1234 (node (a) b) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 100 0 0";
    expect(statCpuMs(stat)).toBe(3000); // (250 + 50) ticks at 100 Hz
    expect(statCpuMs("garbage")).toBeUndefined();
  });

  let server: Server | undefined;
  afterAll(() => server?.close());

  it.skipIf(process.platform !== "linux")("finds this process listening on a port, and its CPU", async () => {
    server = createServer();
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    expect(pidListeningOn(port)).toBe(process.pid);
    expect(processCpuMs(process.pid)).toBeGreaterThan(0);
    expect(threadCpuMs()).toBeGreaterThanOrEqual(0);
    expect(isLocalHost("127.0.0.2")).toBe(true);
    expect(isLocalHost("10.0.0.1")).toBe(false);
  });
});
