/**
 * What the machine offers, for tests that need root, a binary, a browser or a Docker engine.
 * Such tests use `describe.skipIf(!x.ok)` and name `x.why` in the test title, so a skip says
 * its reason; in CI (`.ci/run`) everything here is installed and nothing skips.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export interface Capability {
  ok: boolean;
  why: string;
}

function which(binary: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${binary}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function binary(name: string, pkg: string): Capability {
  const path = which(name);
  return path
    ? { ok: true, why: `${name} at ${path}` }
    : { ok: false, why: `skipped: ${name} not on PATH (apt-get install ${pkg})` };
}

export const isRoot: Capability =
  process.getuid?.() === 0 ? { ok: true, why: "running as root" } : { ok: false, why: "skipped: needs root" };

export const chromium: Capability = existsSync("/usr/bin/chromium")
  ? { ok: true, why: "chromium at /usr/bin/chromium" }
  : { ok: false, why: "skipped: no browser at /usr/bin/chromium (apt-get install chromium)" };

export const etcd = binary("etcd", "etcd-server");
export const etcdctl = binary("etcdctl", "etcd-client");

/** A Docker engine answering on its socket (`/_ping`), for the docker provider's tests. */
export const docker: Capability = (() => {
  const sock = process.env.DOCKER_HOST?.startsWith("unix://")
    ? process.env.DOCKER_HOST.slice("unix://".length)
    : "/var/run/docker.sock";
  if (!existsSync(sock))
    return { ok: false, why: `skipped: no Docker engine at ${sock} (apt-get install docker.io; dockerd &)` };
  const probe =
    `require("node:http").get({socketPath:${JSON.stringify(sock)},path:"/_ping",timeout:3000},` +
    `(r)=>process.exit(r.statusCode===200?0:1)).on("error",()=>process.exit(1))`;
  try {
    execFileSync(process.execPath, ["-e", probe], { timeout: 5000, stdio: "ignore" });
    return { ok: true, why: `Docker engine at ${sock}` };
  } catch {
    return { ok: false, why: `skipped: no Docker engine answers at ${sock} (start dockerd)` };
  }
})();
