/**
 * Removes what docker runs left: containers, networks and volumes labelled
 * `gauntlet.run=<runId>` (for runs recorded in `.active/` whose harness is dead, or with
 * `force`), and with `strays` everything labelled `gauntlet` (but images) that belongs to no
 * run still in progress. Images a killed run built on demand (recorded in its state file) are
 * removed unless it ran with `--keep-images`; other images are the user's cache (`gauntlet images rm`).
 */
import { listActive, isAlive, writeState } from "../local/state.js";
import { docker, engineAnswers, LABEL, RUN_LABEL } from "./engine.js";
import { removeRunImages } from "./images.js";
import { readDockerState } from "./state.js";

/** Removes the engine objects of one run; returns what it removed. */
export async function removeRunObjects(runId: string): Promise<string[]> {
  const d = docker();
  const removed: string[] = [];
  const filter = { label: [`${RUN_LABEL}=${runId}`] };
  for (const c of await d.listContainers({ all: true, filters: filter })) {
    await d.getContainer(c.Id).remove({ force: true, v: true });
    removed.push(`container ${c.Names[0]?.replace(/^\//, "") ?? c.Id}`);
  }
  for (const n of await d.listNetworks({ filters: filter })) {
    await d.getNetwork(n.Id).remove();
    removed.push(`network ${n.Name}`);
  }
  const vols = (await d.listVolumes({ filters: filter })).Volumes ?? [];
  for (const v of vols) {
    await d.getVolume(v.Name).remove();
    removed.push(`volume ${v.Name}`);
  }
  return removed;
}

export interface DockerCleanupReport {
  runId: string;
  outcome: string;
  removed: string[];
}

/** Cleans the engine side of unfinished docker runs (run before the local cleanup, which drops the pointers). */
export async function cleanupDockerRuns(
  resultsRoot: string,
  opts: { force?: boolean; runId?: string } = {},
): Promise<DockerCleanupReport[]> {
  const runs = listActive(resultsRoot)
    .filter((a) => !opts.runId || a.runId === opts.runId)
    .map((a) => ({ a, s: a.runDir ? readDockerState(a.runDir) : undefined }))
    .filter((x) => x.s !== undefined);
  if (runs.length === 0) return [];
  if (!(await engineAnswers()))
    return runs.map(({ a }) => ({
      runId: a.runId,
      outcome: "failed: no Docker engine answers",
      removed: [],
    }));
  const out: DockerCleanupReport[] = [];
  for (const { a, s } of runs) {
    // --force reaches only runs under this results root, never another root's live run.
    if (!(opts.force && a.local) && isAlive(s!.harness)) continue; // the local cleanup reports the skip
    try {
      const removed = await removeRunObjects(a.runId);
      const errors = await removeRunImages(s!, (l) => {
        const m = /^removed (image \S+)/.exec(l);
        if (m) removed.push(m[1]!);
      });
      writeState(s!);
      if (errors.length > 0) throw new Error(errors.join("; "));
      out.push({ runId: a.runId, outcome: "cleaned", removed });
    } catch (err) {
      out.push({ runId: a.runId, outcome: `failed: ${String(err)}`, removed: [] });
    }
  }
  return out;
}

/** Engine objects labelled `gauntlet` (not images) of runs not in progress. */
export async function dockerStrays(resultsRoot: string): Promise<{ runId: string; what: string }[]> {
  if (!(await engineAnswers())) return [];
  const live = new Set(
    listActive(resultsRoot)
      .filter((a) => {
        const s = a.runDir ? readDockerState(a.runDir) : undefined;
        return s !== undefined && isAlive(s.harness);
      })
      .map((a) => a.runId),
  );
  const d = docker();
  const f = { label: [LABEL] };
  const out: { runId: string; what: string }[] = [];
  for (const c of await d.listContainers({ all: true, filters: f }))
    out.push({ runId: c.Labels[RUN_LABEL] ?? "", what: `container ${c.Names[0]?.replace(/^\//, "")}` });
  for (const n of await d.listNetworks({ filters: f }))
    out.push({ runId: n.Labels?.[RUN_LABEL] ?? "", what: `network ${n.Name}` });
  for (const v of (await d.listVolumes({ filters: f })).Volumes ?? [])
    out.push({ runId: v.Labels?.[RUN_LABEL] ?? "", what: `volume ${v.Name}` });
  return out.filter((x) => !live.has(x.runId));
}

/** Removes the stray objects' runs (by run label; objects without one are removed by name). */
export async function removeDockerStrays(resultsRoot: string): Promise<string[]> {
  const strays = await dockerStrays(resultsRoot);
  const removed: string[] = [];
  for (const runId of new Set(strays.map((s) => s.runId).filter(Boolean)))
    removed.push(...(await removeRunObjects(runId)));
  return removed;
}
