/**
 * Cluster-API calls shared by the providers' Members capabilities (local and docker): ask some
 * running member, retry etcd's "unhealthy cluster" refusal, remove and add a member (wiping its
 * data directory), and the MemberInfo shape; and the
 * Disk capability's `etcdctl alarm disarm` after space is freed.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { MemberInfo } from "../api/capabilities.js";
import { HarnessError } from "../api/cluster.js";
import { createClient } from "../client/client.js";
import type { EtcdClient } from "../client/types.js";

/** A member as these calls see it: where to reach it, and whether it can answer now. */
export interface ReachableMember {
  name: string;
  endpoint: string;
  running: boolean;
  paused: boolean;
}

/** Runs `f` with a client on the first running, unpaused member other than `except` that succeeds. */
export async function viaRunningMember<T>(
  members: Iterable<ReachableMember>,
  except: string | undefined,
  f: (c: EtcdClient<string>) => Promise<T>,
): Promise<T> {
  const errors: string[] = [];
  for (const m of members) {
    if (m.name === except || !m.running || m.paused) continue;
    const c = createClient({ endpoint: m.endpoint, timeoutMs: 5000 });
    try {
      return await f(c);
    } catch (err) {
      errors.push(`${m.name}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      c.close();
    }
  }
  throw new HarnessError(`no running member could do it${errors.length ? `: ${errors.join("; ")}` : ""}`);
}

/**
 * How long a remove retries "unhealthy cluster": etcd refuses to remove a member unless the
 * members left have all been connected for its HealthInterval (5 s), e.g. after a restart; 2 s
 * more is enough once every other member is up. (Retries stop at once while another member is
 * down or paused: see {@link retryUnhealthy}.)
 */
export const REMOVE_RETRY_MS = 7_000;
/** How long an add retries "unhealthy cluster": longer, as it undoes a fault and must succeed. */
export const ADD_RETRY_MS = 15_000;

/** Whether every member but `node` is running and not paused (etcd's refusal can then end by itself). */
export function othersUp(members: Iterable<ReachableMember>, node: string): boolean {
  for (const m of members) if (m.name !== node && (!m.running || m.paused)) return false;
  return true;
}

/**
 * etcd refuses reconfiguration until every member has been connected for a few seconds
 * ("unhealthy cluster", definite): retry that for up to `ms`, but only while `canEnd()` says the
 * refusal can end by itself (every other member up); with a member down or paused it would last
 * until that fault ends, so the refusal is thrown at once instead of waiting needlessly.
 */
export async function retryUnhealthy<T>(
  ms: number,
  f: () => Promise<T>,
  canEnd: () => boolean = () => true,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > deadline || !/unhealthy cluster/.test(String(err)) || !canEnd()) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * MemberRemove of `node` (found by name or peer URL) through another running member, retrying
 * "unhealthy cluster" for up to REMOVE_RETRY_MS while every other member is up. The caller then
 * stops the member's process or container.
 */
export async function removeMember(
  reachable: () => Iterable<ReachableMember>,
  node: string,
  peerUrl: string | undefined,
): Promise<void> {
  await retryUnhealthy(
    REMOVE_RETRY_MS,
    () =>
      viaRunningMember(reachable(), node, async (c) => {
        const m = (await c.memberList()).members.find(
          (x) => x.name === node || x.peerUrls.includes(peerUrl ?? ""),
        );
        if (!m) throw new HarnessError(`${node} is not a member of the cluster`);
        await c.memberRemove(m.id);
      }),
    () => othersUp(reachable(), node),
  );
}

/**
 * MemberAdd of `peerUrl` through another running member (retrying "unhealthy cluster" for up to
 * ADD_RETRY_MS while every other member is up); returns the `--initial-cluster` the new member
 * must start with (`--initial-cluster-state existing`), naming it `node`.
 */
export async function addMember(
  reachable: () => Iterable<ReachableMember>,
  node: string,
  peerUrl: string,
): Promise<string> {
  const added = await retryUnhealthy(
    ADD_RETRY_MS,
    () => viaRunningMember(reachable(), node, (c) => c.memberAdd([peerUrl])),
    () => othersUp(reachable(), node),
  );
  return added.members
    .map((m) => `${m.name || (m.peerUrls.includes(peerUrl) ? node : m.id)}=${m.peerUrls[0]}`)
    .join(",");
}

/** Empties `dir` (creating it if missing) but keeps it: it may be a tmpfs mount point. */
export function wipeDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
}

export function toMemberInfo(m: MemberInfo): MemberInfo {
  return { id: m.id, name: m.name, peerUrls: m.peerUrls, clientUrls: m.clientUrls };
}

/**
 * What an operator does once a full disk has space again (etcd needs it; the reference server
 * too): `etcdctl alarm disarm` of every NOSPACE alarm, asked of the freed member `node` (the
 * reference server's alarms are per member) or, when it is not running or paused, of another
 * running, unpaused member (etcd's alarms are replicated, so any member can disarm them).
 * Best effort: a failure is logged, never thrown; each call gives up after 2 s (a disarm goes
 * through Raft and waits for a quorum; the reference server drops its alarm at once anyway).
 */
export async function disarmNoSpace(
  members: Iterable<ReachableMember>,
  node: string,
  log: (line: string) => void,
): Promise<void> {
  const up = [...members].filter((m) => m.running && !m.paused);
  const m = up.find((x) => x.name === node) ?? up[0];
  if (!m) return;
  const c = createClient({ endpoint: m.endpoint, timeoutMs: 2000 });
  try {
    for (const a of await c.alarmList())
      if (a.alarm === "NOSPACE") {
        await c.alarmDisarm(a);
        log(`alarm NOSPACE of member ${a.memberId} disarmed (via ${m.name})`);
      }
  } catch (err) {
    log(`alarm disarm via ${m.name}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    c.close();
  }
}
