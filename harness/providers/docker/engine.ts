/**
 * The Docker engine connection: one dockerode client, a ping that turns "no engine" into the
 * error users must see, and the testcontainers settings Gauntlet needs. Testcontainers' reaper
 * (Ryuk) and its gateway probe pull images from a registry, which Gauntlet must not need: the
 * reaper is turned off (every object the run creates carries the `gauntlet` label and is
 * removed by the run's teardown or by `gauntlet cleanup`), and the host is given explicitly.
 */
import Docker from "dockerode";
import { HarnessError } from "../../api/cluster.js";

/** Label on every container, network, volume and image Gauntlet creates. */
export const LABEL = "gauntlet";
/** Label carrying the run id (containers, networks, volumes of one run). */
export const RUN_LABEL = "gauntlet.run";

/** The socket dockerode talks to (DOCKER_HOST when it names a unix socket, else the default). */
export function socketPath(): string {
  const h = process.env.DOCKER_HOST;
  if (h?.startsWith("unix://")) return h.slice("unix://".length);
  return "/var/run/docker.sock";
}

let client: Docker | undefined;

export function docker(): Docker {
  client ??= new Docker({ socketPath: socketPath() });
  return client;
}

/** Resolves when the engine answers within `timeoutMs`, else throws the HarnessError users see. */
export async function requireEngine(timeoutMs = 5000): Promise<void> {
  const sock = socketPath();
  const fail = (why: string) =>
    new HarnessError(`no Docker engine at ${sock}: start one, or use --provider local (${why})`);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker().ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    throw fail(err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(timer);
  }
}

/** True when an engine answers (for capability checks; never throws). */
export async function engineAnswers(timeoutMs = 2000): Promise<boolean> {
  try {
    await requireEngine(timeoutMs);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads testcontainers with Gauntlet's settings: no reaper (it is an image from a registry;
 * we clean up by label ourselves) and the host given (else it pulls `alpine` to find the gateway).
 */
export async function testcontainers(): Promise<typeof import("testcontainers")> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
  if (!process.env.DOCKER_HOST) process.env.DOCKER_HOST = `unix://${socketPath()}`;
  return import("testcontainers");
}
