/**
 * The `clock` family, through libfaketime's control file (the Clock capability; servers that
 * honour LD_PRELOAD only — the reference server, not etcd): `start-clock` either bumps the
 * targets' wall clocks by an offset (log-uniform from 1 ms to 5 minutes, either way) or strobes
 * them (flips between the offset and true time every 10-200 ms until stopped); `stop-clock`
 * resets them to true time.
 */
import type { NemesisPackage } from "../../harness/api/workload.js";
import type { Generator } from "../../harness/generator/types.js";
import type { Random } from "../../harness/generator/random.js";
import type { FamilyOptions, Target } from "../common/options.js";
import { targetedPackage, type SharedState } from "../common/targeted.js";

export const MAX_OFFSET_MS = 300_000;

/** An offset in ms: magnitude log-uniform in [1, 300000], sign random. */
export function randomOffsetMs(r: Random): number {
  const mag = Math.round(Math.exp(r.next() * Math.log(MAX_OFFSET_MS)));
  return r.next() < 0.5 ? -mag : mag;
}

export function clockPackage(
  o: FamilyOptions,
  shared?: SharedState,
  targets?: readonly Target[],
): NemesisPackage<Generator> {
  const strobes = new Map<string, { stop: boolean }>();
  return targetedPackage(
    {
      family: "clock",
      needs: ["clock"],
      targets,
      extra: (r) => {
        const mode = r.next() < 0.7 ? "bump" : "strobe";
        return mode === "bump"
          ? { mode, deltaMs: randomOffsetMs(r) }
          : { mode, deltaMs: randomOffsetMs(r), periodMs: 10 + r.int(191) };
      },
      apply: async (c, n, v) => {
        const clock = c.capabilities.clock!;
        const delta = v.deltaMs as number;
        if (v.mode === "bump") return clock.bump(n, delta);
        // Strobe until stop-clock: flip between +delta and 0 every periodMs.
        const flag = { stop: false };
        strobes.set(n, flag);
        const period = v.periodMs as number;
        void (async () => {
          let on = false;
          while (!flag.stop) {
            on = !on;
            await clock.bump(n, on ? delta : 0).catch(() => {});
            await new Promise((r) => setTimeout(r, period));
          }
        })();
      },
      undo: async (c, n) => {
        const s = strobes.get(n);
        if (s) s.stop = true;
        strobes.delete(n);
        // Let a strobe step in progress finish before the reset.
        if (s) await new Promise((r) => setTimeout(r, 5));
        await c.capabilities.clock!.reset(n);
      },
    },
    o,
    shared,
  );
}
