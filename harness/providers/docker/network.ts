/**
 * The run's Docker network: a bridge `gauntlet-<runId>` on a fixed 10.78.<x>.0/24 subnet
 * (re-picked when the engine reports an overlap), labelled `gauntlet`, internal (members reach
 * each other and the host reaches them; nothing reaches beyond the machine). Members get
 * `10.78.<x>.<10+i>`. Partitions are iptables rules in a member's network namespace, entered
 * with `nsenter -t <pid> -n` (../partition-rules.ts; the rules die with the container's namespace,
 * so they are re-applied after a restart).
 */
import { createHash } from "node:crypto";
import { HarnessError } from "../../api/cluster.js";
import { docker, LABEL, RUN_LABEL } from "./engine.js";

export interface DockerNet {
  id: string;
  name: string;
  subnet: string;
  ips: Record<string, string>;
}

/** Candidate third octets for a run, starting from one derived from its id. */
export function subnetCandidates(runId: string, count = 24): number[] {
  const start = createHash("sha256").update(runId).digest()[0]!;
  return Array.from({ length: count }, (_, i) => (start + i * 37) % 250);
}

export async function createNetwork(runId: string, names: readonly string[]): Promise<DockerNet> {
  const name = `gauntlet-${runId}`;
  const errors: string[] = [];
  for (const x of subnetCandidates(runId)) {
    const subnet = `10.78.${x}.0/24`;
    try {
      const net = await docker().createNetwork({
        Name: name,
        Driver: "bridge",
        Internal: true,
        CheckDuplicate: true,
        IPAM: { Driver: "default", Config: [{ Subnet: subnet, Gateway: `10.78.${x}.1` }] },
        Labels: { [LABEL]: "network", [RUN_LABEL]: runId },
        Options: { "com.docker.network.bridge.name": `gd${runId}` },
      });
      const ips = Object.fromEntries(names.map((n, i) => [n, `10.78.${x}.${10 + i + 1}`]));
      return { id: net.id, name, subnet, ips };
    } catch (err) {
      const msg = String(err);
      errors.push(msg);
      if (!/overlap|in use|already/i.test(msg)) break;
    }
  }
  throw new HarnessError(`could not create the docker network ${name}: ${errors.at(-1) ?? "no free subnet"}`);
}

export async function removeNetwork(id: string): Promise<void> {
  try {
    await docker().getNetwork(id).remove();
  } catch (err) {
    if (!/No such network|not found/i.test(String(err))) throw err;
  }
}

/** One DROP rule inside the namespace of the process `pid`. */
export function dropRule(peerIp: string, probability?: number): string[] {
  const match =
    probability !== undefined && probability < 1
      ? ["-m", "statistic", "--mode", "random", "--probability", String(probability)]
      : [];
  return ["INPUT", "-s", peerIp, ...match, "-j", "DROP"];
}
