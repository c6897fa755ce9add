/**
 * Worker-thread entry of the benchmark: receives its slice and timing, runs ./load.ts, posts
 * `{ready}` when its connections are set up and `{result}` (or `{error}`) at the end.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runLoad, type LoadSlice, type LoadSpec, type LoadTiming } from "./load.js";

interface Data {
  spec: LoadSpec;
  slice: LoadSlice;
  progress: SharedArrayBuffer;
}

const data = workerData as Data;
const port = parentPort!;
let timing: LoadTiming | undefined;
let readyResolve: () => void = () => {};
const ready = new Promise<void>((r) => (readyResolve = r));

port.on("message", (m: { timing?: LoadTiming }) => {
  if (m.timing) {
    timing = m.timing;
    readyResolve();
  }
});

// Setup (connections, leases, watchers) happens before the start time is known: runLoad calls
// ready() after setup, and then waits for the timing from the main thread.
const progress = new Int32Array(data.progress);
const lazyTiming: LoadTiming = {
  get startAt() {
    return timing!.startAt;
  },
  get measureFrom() {
    return timing!.measureFrom;
  },
  get measureUntil() {
    return timing!.measureUntil;
  },
};
try {
  const result = await runLoad(data.spec, data.slice, lazyTiming, {
    progress,
    ready: () => port.postMessage({ ready: true }),
    waitStart: () => ready,
  });
  port.postMessage({ result });
} catch (e) {
  port.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
