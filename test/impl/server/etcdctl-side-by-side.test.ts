/**
 * The same etcdctl session against real etcd 3.4 and against `gauntlet server`, started with
 * the same flags: the transcripts must be equal once IDs, timings, sizes and versions are
 * normalised (etcdctl-session.ts).
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etcd, etcdctl as etcdctlCap } from "../../support/env.js";
import { normalise, runSession } from "./etcdctl-session.js";
import { removeDir, removePrivateBuild, startServer, tempDir, type Proc } from "./support.js";

const cap = { ok: etcd.ok && etcdctlCap.ok, why: !etcd.ok ? etcd.why : etcdctlCap.why };

describe.skipIf(!cap.ok)(`etcdctl side by side with etcd 3.4 (${cap.why})`, () => {
  const dirs: string[] = [];
  const procs: Proc[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop("SIGKILL")));
    dirs.forEach(removeDir);
    removePrivateBuild();
  });

  let etcdTranscript = "";
  let gauntletTranscript = "";
  beforeAll(async () => {
    const run = async (kind: "etcd" | "gauntlet"): Promise<string> => {
      const dir = tempDir(`h5-side-${kind}-`);
      dirs.push(dir);
      const p = await startServer({ kind, dataDir: `${dir}/data` });
      procs.push(p);
      const t = normalise(await runSession(p.endpoint, dir), dir);
      await p.stop();
      return t;
    };
    [etcdTranscript, gauntletTranscript] = await Promise.all([run("etcd"), run("gauntlet")]);
    if (process.env.GAUNTLET_TRANSCRIPT) writeFileSync(process.env.GAUNTLET_TRANSCRIPT, gauntletTranscript);
  }, 120_000);

  it("gives the same transcript", () => {
    expect(etcdTranscript).toContain("locked-and-ran");
    expect(gauntletTranscript).toBe(etcdTranscript);
  });
});
