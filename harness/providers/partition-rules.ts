/**
 * How the providers (local and docker) put a partition's iptables rules in place and take them
 * out: each member's rules in one `iptables-restore --noflush` transaction inside its network
 * namespace, and all members at once. A grudge therefore takes effect on every member within
 * one command's time, instead of rule by rule over tens of milliseconds — during which, when the
 * leader is cut off, the leader already hears nobody (its linearizable reads stall) while its
 * followers still receive its entries (its writes still replicate): the clients on the leader
 * all ended up stalled in reads before the cut was complete, and a cut-off leader's writes were
 * rarely lost, with a bug that should have lost them. Jepsen cuts each node in one iptables call
 * too, on all nodes at once.
 *
 * Removing goes the same way; a namespace whose batch fails (some rule already gone — a
 * restarted container, a cleanup run meanwhile) falls back to deleting its rules one by one,
 * ignoring those already gone.
 */
import { GONE, run, runIgnoring } from "./local/sh.js";

/** The rules of one namespace, and the command prefix that runs a command inside it. */
export interface NamespaceRules {
  /** e.g. ["ip", "netns", "exec", ns] or ["nsenter", "-t", pid, "-n"]. */
  enter: readonly string[];
  /** Rules as given after `-A` / `-D`, e.g. ["INPUT", "-s", "10.77.3.12", "-j", "DROP"]. */
  rules: readonly (readonly string[])[];
}

/** The iptables-restore input that appends (`-A`) or deletes (`-D`) `rules` in the filter table. */
export function restoreScript(op: "-A" | "-D", rules: readonly (readonly string[])[]): string {
  for (const r of rules)
    for (const tok of r)
      if (tok === "" || /\s/.test(tok))
        throw new Error(`iptables rule token ${JSON.stringify(tok)} is empty or has spaces`);
  return ["*filter", ...rules.map((r) => [op, ...r].join(" ")), "COMMIT", ""].join("\n");
}

/** Runs each namespace's batch concurrently; one outcome per namespace, in order. */
function eachNamespace(
  batches: readonly NamespaceRules[],
  f: (b: NamespaceRules) => Promise<void>,
): Promise<PromiseSettledResult<void>[]> {
  return Promise.allSettled(batches.map((b) => (b.rules.length ? f(b) : Promise.resolve())));
}

/**
 * Appends every namespace's rules, each namespace in one transaction (all or none of its rules),
 * all namespaces concurrently. One outcome per batch: a rejected one added none of its rules.
 */
export function addRules(batches: readonly NamespaceRules[]): Promise<PromiseSettledResult<void>[]> {
  return eachNamespace(batches, async (b) => {
    await run([...b.enter, "iptables-restore", "-w", "--noflush"], 15_000, restoreScript("-A", b.rules));
  });
}

/**
 * Deletes every namespace's rules, concurrently; a rule already gone is fine (a failed batch
 * deleted nothing, so it is retried rule by rule, ignoring the ones that are gone).
 */
export function deleteRules(batches: readonly NamespaceRules[]): Promise<PromiseSettledResult<void>[]> {
  return eachNamespace(batches, async (b) => {
    try {
      await run([...b.enter, "iptables-restore", "-w", "--noflush"], 15_000, restoreScript("-D", b.rules));
    } catch {
      for (const r of b.rules) await runIgnoring([...b.enter, "iptables", "-w", "-D", ...r], GONE);
    }
  });
}

/** The errors of rejected outcomes, as one message (empty when all succeeded). */
export function failures(outcomes: readonly PromiseSettledResult<void>[], names: readonly string[]): string {
  return outcomes
    .map((o, i) =>
      o.status === "rejected"
        ? `${names[i]}: ${o.reason instanceof Error ? o.reason.message : String(o.reason)}`
        : "",
    )
    .filter(Boolean)
    .join("; ");
}
