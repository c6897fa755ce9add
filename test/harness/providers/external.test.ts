import { describe, expect, it } from "vitest";
import {
  externalProvider,
  isLocalHost,
  parseEndpoints,
} from "../../../harness/providers/external/provider.js";

describe("external provider", () => {
  it("accepts endpoints on this machine", () => {
    expect(
      parseEndpoints("127.0.0.1:2379,localhost:2380,[::1]:2381,127.3.4.5:1").map((e) => e.address),
    ).toEqual(["127.0.0.1:2379", "localhost:2380", "[::1]:2381", "127.3.4.5:1"]);
    expect(parseEndpoints("http://127.0.0.1:2379")[0]!.port).toBe(2379);
  });

  it("refuses endpoints outside this machine unless allowRemote", () => {
    for (const ep of [
      "10.0.0.1:2379",
      "example.com:2379",
      "[2001:db8::1]:2379",
      "128.0.0.1:2379",
      "localhost.evil.com:1",
    ]) {
      expect(() => parseEndpoints(`127.0.0.1:2379,${ep}`)).toThrow(/outside this machine.*--allow-remote/);
      expect(parseEndpoints(ep, true)).toHaveLength(1);
    }
    expect(isLocalHost("127.255.255.254")).toBe(true);
    expect(isLocalHost("0.0.0.0")).toBe(false);
  });

  it("rejects malformed endpoints and an empty list with a clear message", () => {
    expect(() => parseEndpoints("")).toThrow(/--endpoints is required/);
    expect(() => parseEndpoints("127.0.0.1")).toThrow(/expected host:port/);
    expect(() => parseEndpoints("127.0.0.1:99999")).toThrow(/port must be 1-65535/);
  });

  it("starts a cluster without capabilities, saying why each is unavailable", async () => {
    const c = await externalProvider.start(
      { nodes: 0, runDir: "/nonexistent", runId: "abcdef", log: () => {} },
      { endpoints: "127.0.0.1:1,127.0.0.1:2" },
    );
    expect(c.nodes).toEqual(["n1", "n2"]);
    expect(c.clientEndpoints("n2")).toEqual(["127.0.0.1:2"]);
    expect(c.capabilities).toEqual({});
    expect(c.unavailable.net).toMatch(/no faults/);
    await expect(
      externalProvider.start(
        { nodes: 0, runDir: "/x", runId: "abcdef", log: () => {} },
        { endpoints: "8.8.8.8:2379" },
      ),
    ).rejects.toThrow(/outside this machine/);
    await expect(c.waitHealthy(300)).rejects.toThrow(/not healthy/);
  });
});
