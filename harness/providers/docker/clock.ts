/**
 * The Clock capability for containers: libfaketime is bind-mounted into the container
 * (LD_PRELOAD), reading its offset from a control file in `nodes/<node>/faketime/` that is
 * also mounted; the host writes the file (atomically, by rename). Only servers that honour
 * LD_PRELOAD for the clock (the reference server on Node) are offered it.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../../api/capabilities.js";
import { HarnessError } from "../../api/cluster.js";

export const FAKETIME_LIB_IN_CONTAINER = "/faketime/lib/libfaketime.so.1";
export const FAKETIME_DIR_IN_CONTAINER = "/faketime/ctl";

/** The environment a member needs to run under libfaketime, its control dir prepared. */
export function faketimeEnv(hostDir: string): Record<string, string> {
  mkdirSync(hostDir, { recursive: true });
  writeFileSync(join(hostDir, "faketime.rc"), "+0s\n");
  return {
    LD_PRELOAD: FAKETIME_LIB_IN_CONTAINER,
    FAKETIME_TIMESTAMP_FILE: `${FAKETIME_DIR_IN_CONTAINER}/faketime.rc`,
    FAKETIME_NO_CACHE: "1",
    FAKETIME_DONT_FAKE_MONOTONIC: "1",
  };
}

export function clockCapability(
  dirs: Map<string, string>,
  log: (s: string) => void,
  stopped: () => boolean,
): Clock {
  const write = (node: string, offsetMs: number) => {
    const d = dirs.get(node);
    if (!d) throw new HarnessError(`no member named ${node}`);
    const f = join(d, "faketime.rc");
    const s = offsetMs / 1000;
    writeFileSync(`${f}.tmp`, `${s >= 0 ? "+" : ""}${s}s\n`);
    renameSync(`${f}.tmp`, f);
  };
  return {
    bump: async (node, deltaMs) => {
      write(node, deltaMs);
      log(`clock ${node} ${deltaMs >= 0 ? "+" : ""}${deltaMs} ms`);
    },
    strobe: async (node, deltaMs, periodMs, durationMs) => {
      const end = Date.now() + durationMs;
      let on = false;
      while (Date.now() < end && !stopped()) {
        on = !on;
        write(node, on ? deltaMs : 0);
        await new Promise((r) => setTimeout(r, periodMs));
      }
      write(node, 0);
    },
    reset: async (node) => {
      write(node, 0);
      log(`clock ${node} reset`);
    },
  };
}
