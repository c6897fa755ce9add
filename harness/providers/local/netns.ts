/**
 * Network namespaces for the local provider (root on Linux only). One bridge per run
 * (`gt<runId>`, holding `10.77.<x>.1/24` on the host), one namespace per member
 * (`gauntlet-<runId>-<node>`), joined to the bridge by a veth pair (`gt<runId><node>` on the
 * host, `gt<runId><node>p` inside, address `10.77.<x>.<10+i>`). Traffic stays between the
 * host and the namespaces the run creates. If FORWARD drops by default (a Docker engine sets
 * it so), an ACCEPT rule for bridge-to-bridge traffic is inserted and removed at teardown.
 *
 * Every step is recorded in the state file before it is taken (see ./state.ts), so that
 * `undoNetwork` (teardown and `gauntlet cleanup`) removes exactly what was created.
 */
import { existsSync } from "node:fs";
import type { IptablesRecord, LocalState } from "./state.js";
import { GONE, run, runIgnoring } from "./sh.js";

export interface NetLayout {
  bridge: string;
  subnet: string;
  bridgeIp: string;
  /** node name → address inside its namespace. */
  ips: Record<string, string>;
  /** node name → namespace name. */
  netns: Record<string, string>;
}

export function canUseNamespaces(): { ok: boolean; why: string } {
  if (process.platform !== "linux") return { ok: false, why: "network namespaces need Linux" };
  if (process.getuid?.() !== 0) return { ok: false, why: "network namespaces need root" };
  return { ok: true, why: "root on Linux" };
}

/** Picks a 10.77.<x>.0/24 that no interface or route on the host uses, starting from a run-dependent x. */
export async function pickSubnet(runId: string): Promise<number> {
  const used = (await run(["ip", "-4", "-o", "addr"])) + (await run(["ip", "-4", "route"]));
  let h = 0;
  for (const c of runId) h = (h * 31 + c.charCodeAt(0)) % 250;
  for (let i = 0; i < 250; i++) {
    const x = ((h + i) % 250) + 2;
    if (!used.includes(`10.77.${x}.`)) return x;
  }
  throw new Error("no free 10.77.x.0/24 subnet on this host");
}

export function layout(runId: string, nodes: readonly string[], x: number): NetLayout {
  const ips: Record<string, string> = {};
  const netns: Record<string, string> = {};
  nodes.forEach((n, i) => {
    ips[n] = `10.77.${x}.${10 + i + 1}`;
    netns[n] = `gauntlet-${runId}-${n}`;
  });
  return { bridge: `gt${runId}`, subnet: `10.77.${x}.0/24`, bridgeIp: `10.77.${x}.1`, ips, netns };
}

/** Host-side veth name of a member (≤ 15 characters for node names up to 4 characters). */
export function vethName(runId: string, node: string): string {
  return `gt${runId}${node}`;
}

function forwardPolicyDrops(): Promise<boolean> {
  return run(["iptables", "-w", "-S", "FORWARD"]).then(
    (out) => /^-P FORWARD (DROP|REJECT)/m.test(out),
    () => false,
  );
}

/**
 * Adds a free `10.77.<x>.1/24` to the bridge and checks that no other interface took the same
 * subnet meanwhile (concurrent runs); on a clash, gives it up and tries another.
 */
async function claimSubnet(runId: string, bridge: string): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const x = await pickSubnet(`${runId}${attempt || ""}`);
    await run(["ip", "addr", "add", `10.77.${x}.1/24`, "dev", bridge]);
    const holders = (await run(["ip", "-4", "-o", "addr"]))
      .split("\n")
      .filter((l) => l.includes(` 10.77.${x}.`))
      .map((l) => l.split(/\s+/)[1]);
    if (holders.every((h) => h === bridge)) return x;
    await run(["ip", "addr", "del", `10.77.${x}.1/24`, "dev", bridge]);
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 100));
  }
  throw new Error("could not claim a free 10.77.x.0/24 subnet (10 clashes with other runs)");
}

/**
 * Creates the bridge (claiming a subnet), namespaces and veths, and returns the layout. `save`
 * persists the state after each record is added, before the command that creates the thing runs.
 */
export async function setUpNetwork(
  state: LocalState,
  nodes: readonly string[],
  save: () => void,
): Promise<NetLayout> {
  const bridge = `gt${state.runId}`;
  state.links.push(bridge);
  save();
  await run(["ip", "link", "add", bridge, "type", "bridge"]);
  const net = layout(state.runId, nodes, await claimSubnet(state.runId, bridge));
  await run(["ip", "link", "set", net.bridge, "up"]);
  if (await forwardPolicyDrops()) {
    const rule: IptablesRecord = { rule: ["FORWARD", "-i", net.bridge, "-o", net.bridge, "-j", "ACCEPT"] };
    state.iptables.push(rule);
    save();
    await run(["iptables", "-w", "-I", ...rule.rule]);
  }
  const runId = state.runId;
  for (const node of Object.keys(net.ips)) {
    const ns = net.netns[node]!;
    const host = vethName(runId, node);
    const peer = `${host}p`;
    state.netns.push(ns);
    state.links.push(host);
    save();
    await run(["ip", "netns", "add", ns]);
    await run(["ip", "link", "add", host, "type", "veth", "peer", "name", peer]);
    await run(["ip", "link", "set", peer, "netns", ns]);
    await run(["ip", "link", "set", host, "master", net.bridge]);
    await run(["ip", "link", "set", host, "up"]);
    await run(["ip", "-n", ns, "addr", "add", `${net.ips[node]}/24`, "dev", peer]);
    await run(["ip", "-n", ns, "link", "set", peer, "up"]);
    await run(["ip", "-n", ns, "link", "set", "lo", "up"]);
  }
  return net;
}

/** Removes one recorded iptables rule (host or inside a namespace); a rule already gone is fine. */
export async function deleteRule(r: IptablesRecord): Promise<void> {
  const cmd = ["iptables", "-w", "-D", ...r.rule];
  await runIgnoring(r.netns ? ["ip", "netns", "exec", r.netns, ...cmd] : cmd, GONE);
}

/**
 * Undoes the network part of a state: rules, namespaces, links. Collects errors instead of
 * stopping at the first, and returns them (empty when everything is gone).
 */
export async function undoNetwork(state: LocalState, log: (line: string) => void): Promise<string[]> {
  const errors: string[] = [];
  const attempt = async (what: string, f: () => Promise<void>) => {
    try {
      await f();
      log(`removed ${what}`);
    } catch (err) {
      errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  for (const r of [...state.iptables].reverse()) {
    // Rules inside a namespace vanish with it; host rules must go explicitly.
    if (r.netns && !(await netnsExists(r.netns))) continue;
    await attempt(`iptables rule ${r.netns ? `in ${r.netns} ` : ""}${r.rule.join(" ")}`, () => deleteRule(r));
  }
  for (const ns of state.netns)
    await attempt(`netns ${ns}`, () => runIgnoring(["ip", "netns", "del", ns], GONE));
  for (const link of [...state.links].reverse())
    await attempt(`link ${link}`, () => runIgnoring(["ip", "link", "del", link], GONE));
  return errors;
}

export async function netnsExists(ns: string): Promise<boolean> {
  return existsSync(`/run/netns/${ns}`);
}
