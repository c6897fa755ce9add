import { describe, expect, it } from "vitest";
import { pbType } from "../../harness/client/proto.js";
import { nowMs } from "../../bench/clock.js";
import { runLoad, type LoadSpec } from "../../bench/load.js";
import { mergeRun, planSlices } from "../../bench/report.js";
import { checkKeySpace, encodeRequest, keyPicker, benchValue } from "../../bench/requests.js";
import type { UnaryTransport } from "../../bench/transport.js";
import type { CpuReport } from "../../bench/types.js";

const spec: LoadSpec = {
  op: "put",
  clients: 1,
  conns: 1,
  workers: 0,
  durationS: 1,
  total: 0,
  rate: 0,
  warmupS: 0,
  keySize: 8,
  valSize: 8,
  keySpaceSize: 1000,
  sequentialKeys: false,
  consistency: "l",
  keysOnly: false,
  limit: 0,
  rwRatio: 1,
  watchStreams: 1,
  watchersPerStream: 1,
  watchPutRate: 1,
  timeoutMs: 1000,
  endpoints: ["fake:1"],
  seed: 7,
  transport: "http2",
};
const cpu: CpuReport = {
  client: { total_ms: 0, user_ms: 0, system_ms: 0, us_per_op: 0, percent: 0 },
  servers: [],
};

/** A server that handles one request at a time, each taking `serviceMs`. */
function slowServer(serviceMs: number): { factory: () => UnaryTransport; served: () => number } {
  let busyUntil = 0;
  let served = 0;
  return {
    served: () => served,
    factory: () => ({
      call(_path, _msg, _t, done) {
        const start = Math.max(nowMs(), busyUntil);
        busyUntil = start + serviceMs;
        setTimeout(() => {
          served++;
          done(null);
        }, busyUntil - nowMs());
      },
      close() {},
    }),
  };
}

async function measure(s: LoadSpec, serviceMs: number) {
  const server = slowServer(serviceMs);
  const [slice] = planSlices(s);
  const t0 = nowMs() + 20;
  const timing = {
    startAt: t0,
    measureFrom: t0,
    measureUntil: s.total > 0 ? Infinity : t0 + s.durationS * 1000,
  };
  const r = await runLoad(s, slice!, timing, { transport: server.factory });
  return mergeRun([r], timing.measureFrom, s.total > 0 ? undefined : timing.measureUntil, cpu);
}

describe("load engine on a fake slow target", () => {
  it("closed loop: latency is the service time, throughput what the server gives", async () => {
    const run = await measure({ ...spec, durationS: 0.6 }, 20);
    expect(run.latency_ms.p50).toBeGreaterThanOrEqual(19);
    expect(run.latency_ms.p50).toBeLessThan(40);
    expect(run.throughput).toBeLessThanOrEqual(51);
    expect(run.throughput).toBeGreaterThan(10); // timers on a busy machine run late, never early
  });

  it("open loop above capacity: latency counts the queueing from the intended send time", async () => {
    // 100 req/s offered to a server that does 50/s: request k waits ~10k ms more than the last.
    const run = await measure({ ...spec, durationS: 0.8, rate: 100 }, 20);
    expect(run.latency_ms.max).toBeGreaterThan(150);
    expect(run.latency_ms.p50).toBeGreaterThan(3 * 20);
  });

  it("open loop below capacity: latency is the service time and the rate is kept", async () => {
    const run = await measure({ ...spec, durationS: 1, rate: 20, clients: 2, conns: 1 }, 5);
    expect(run.latency_ms.p50).toBeLessThan(20);
    expect(run.ops).toBeGreaterThanOrEqual(12);
    expect(run.ops).toBeLessThanOrEqual(22);
  });

  it("--total sends exactly that many measured requests", async () => {
    const run = await measure({ ...spec, durationS: 0, total: 25, clients: 4 }, 1);
    expect(run.ops).toBe(25);
  });

  it("errors are counted by the registry's names and not as latencies", async () => {
    const failing: UnaryTransport = {
      call: (_p, _m, _t, done) =>
        setTimeout(() => done({ code: 14, details: "etcdserver: leader changed" }), 1),
      close() {},
    };
    const [slice] = planSlices(spec);
    const t0 = nowMs() + 10;
    const r = await runLoad(
      { ...spec, durationS: 0.2 },
      slice!,
      { startAt: t0, measureFrom: t0, measureUntil: t0 + 200 },
      { transport: () => failing },
    );
    expect(r.ops).toBe(0);
    expect(r.errors).toBeGreaterThan(0);
    expect(Object.keys(r.errorsByKind)).toEqual(["leader-changed"]);
  });
});

describe("requests and keys", () => {
  it("encodes etcd messages that protobufjs decodes back", () => {
    const v = benchValue(16);
    const put = pbType("PutRequest").decode(encodeRequest("put", 42, spec, v)) as unknown as {
      key: Uint8Array;
      value: Uint8Array;
    };
    expect(Buffer.from(put.key).toString()).toBe("00000042");
    expect(put.value.length).toBe(16);
    const range = pbType("RangeRequest").decode(
      encodeRequest("range", 7, { ...spec, consistency: "s", limit: 5, keysOnly: true }, v),
    ) as unknown as {
      key: Uint8Array;
      rangeEnd: Uint8Array;
      serializable: boolean;
      keysOnly: boolean;
      limit: { toString(): string } | number;
    };
    expect(Buffer.from(range.key).toString()).toBe("00000007");
    expect(range.serializable).toBe(true);
    expect(range.keysOnly).toBe(true);
    expect(String(range.limit)).toBe("5");
    expect(Buffer.from(range.rangeEnd).toString()).toBe(":");
    const txn = pbType("TxnRequest").decode(encodeRequest("txn-put", 1, spec, v)) as unknown as {
      success: { requestPut: unknown }[];
    };
    expect(txn.success[0]!.requestPut).toBeDefined();
  });

  it("keys stay in the key space; sequential keys go in order and wrap", () => {
    const rnd = keyPicker(1, { keySpaceSize: 50, sequentialKeys: false });
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const k = rnd();
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThan(50);
      seen.add(k);
    }
    expect(seen.size).toBeGreaterThan(40);
    const seq = keyPicker(1, { keySpaceSize: 3, sequentialKeys: true });
    expect([seq(), seq(), seq(), seq()]).toEqual([0, 1, 2, 0]);
    expect(() => checkKeySpace(4, 100000)).toThrow(/too small/);
    expect(() => checkKeySpace(8, 100000)).not.toThrow();
  });
});
