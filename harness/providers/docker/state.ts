/**
 * The docker provider's state file: the local provider's (`<runDir>/state.json`, read by
 * `gauntlet cleanup`; tmpfs mounts for the Disk capability are recorded there) plus what the
 * run created in the engine. Everything in the engine also carries the labels `gauntlet` and
 * `gauntlet.run=<runId>`, so cleanup finds it even when the state file lags.
 */
import { emptyState, readState, type LocalState, type ProcessRecord } from "../local/state.js";

export interface DockerState extends LocalState {
  provider: "docker";
  docker: {
    network?: { id: string; name: string; subnet: string };
    containers: Record<string, string>;
    image: string;
    /**
     * Images this run builds or built on demand (recorded before the build starts), removed at
     * teardown and by `gauntlet cleanup` unless `keepImages`. Images found in the engine
     * (`gauntlet images build`, `--image`, an earlier run's) are not listed: they stay.
     */
    builtImages?: string[];
    /** The image was found in the engine (true) or built by this run (false). */
    imageFound?: boolean;
    /** `--keep-images`: leave built images in the engine. */
    keepImages?: boolean;
  };
}

export function emptyDockerState(
  runId: string,
  runDir: string,
  harness: ProcessRecord,
  image: string,
): DockerState {
  return { ...emptyState(runId, runDir, harness), provider: "docker", docker: { containers: {}, image } };
}

export function isDockerState(s: LocalState): s is DockerState {
  return (s as Partial<DockerState>).provider === "docker";
}

export function readDockerState(runDir: string): DockerState | undefined {
  try {
    const s = readState(runDir);
    return isDockerState(s) ? s : undefined;
  } catch {
    return undefined;
  }
}
