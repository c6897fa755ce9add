/**
 * Live progress: on a terminal, one line rewritten every second (elapsed / limit, ops/s,
 * ok / fail / info, the active fault); without a terminal (CI), a plain line every few seconds.
 */
import type { Recorder } from "./recorder.js";

export interface Progress {
  stop(): void;
}

export function startProgress(
  rec: Recorder,
  o: {
    limitS: number;
    elapsedS: () => number;
    fault: () => string | undefined;
    tty: boolean;
    write: (s: string) => void;
    everyS?: number;
  },
): Progress {
  let lastCount = 0;
  let lastT = o.elapsedS();
  const tick = () => {
    const t = o.elapsedS();
    const n = rec.ok + rec.fail + rec.info;
    const rate = t > lastT ? (n - lastCount) / (t - lastT) : 0;
    lastCount = n;
    lastT = t;
    const line =
      `${t.toFixed(0)}/${o.limitS} s  ${rate.toFixed(0)} ops/s  ok ${rec.ok}  fail ${rec.fail}  info ${rec.info}` +
      `  fault: ${o.fault() ?? "none"}`;
    if (o.tty) o.write(`\r\x1b[2K${line}`);
    else o.write(`${line}\n`);
  };
  const h = setInterval(tick, (o.tty ? 1 : (o.everyS ?? 5)) * 1000);
  h.unref();
  return {
    stop() {
      clearInterval(h);
      if (o.tty) o.write("\r\x1b[2K");
    },
  };
}
