/**
 * `gauntlet fuzz --replay FILE`: the input of a finding sent again to a fresh server (or the
 * `--endpoints` one), judged as in the campaign; says whether the finding reproduces.
 */
import type { CampaignOptions } from "./campaign.js";
import { Canary } from "./canary.js";
import { readReplay, type Observation } from "./finding.js";
import { takeBaseline } from "./observe.js";
import { openServer } from "./server.js";
import { trial } from "./trial.js";

export async function replay(
  file: string,
  o: CampaignOptions,
  interrupted: () => boolean,
): Promise<{ reproduced: boolean; found?: Observation }> {
  const r = readReplay(file);
  o.log(
    `replay: ${r.class} input from ${file} (seed ${r.seed}, input ${r.index}): ${r.input.what.slice(0, 160)}`,
  );
  o.log(`replay: originally ${r.kind} on ${r.node}: ${r.detail}`);
  const server = await openServer(o.server, o.runDir, o.log);
  const canary = new Canary(server.targets.client, o.bounds.hangMs * 2);
  try {
    const base = await takeBaseline(server, canary);
    if (interrupted()) return { reproduced: false };
    const t = await trial(server, canary, base, o.bounds, r.input, o.inputTimeoutMs);
    if (!t.found) {
      o.log(
        `replay: does not reproduce: the server answered the canary, within its bounds (${server.describe})`,
      );
      return { reproduced: false };
    }
    const f = t.found;
    o.log(
      `replay: reproduces: ${f.kind} on ${f.node}: ${f.detail}${f.kind === r.kind ? "" : ` (originally ${r.kind})`}`,
    );
    if (f.logTail)
      o.log(
        f.logTail
          .split("\n")
          .slice(-8)
          .map((l) => `  | ${l.slice(0, 300)}`)
          .join("\n"),
      );
    return { reproduced: true, found: f };
  } finally {
    canary.close();
    await server.close();
  }
}
