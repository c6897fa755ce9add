/** Helpers for provider tests: what a run named `runId` may have left on the machine. */
import { execFileSync } from "node:child_process";

function sh(argv: string[]): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  } catch {
    return "";
  }
}

/** Namespaces, links, host iptables rules and processes that carry the run id. Empty when clean. */
export function leftovers(runId: string, pids: number[] = []): string[] {
  const out: string[] = [];
  for (const line of sh(["ip", "netns", "list"]).split("\n"))
    if (line.includes(runId)) out.push(`netns ${line}`);
  for (const line of sh(["ip", "-o", "link"]).split("\n"))
    if (line.includes(`gt${runId}`)) out.push(`link ${line.slice(0, 60)}`);
  for (const line of sh(["iptables", "-w", "-S"]).split("\n"))
    if (line.includes(`gt${runId}`)) out.push(`rule ${line}`);
  for (const pid of pids) {
    // A zombie (killed, not yet reaped by its new parent) holds nothing but its pid: count it gone.
    const stat = sh(["cat", `/proc/${pid}/stat`]);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (stat && state !== "Z" && state !== "X") out.push(`process ${pid} (${state})`);
  }
  for (const line of sh(["ps", "-eo", "pid,args"]).split("\n"))
    if (line.includes(`gauntlet-${runId}`)) out.push(`process ${line}`);
  return out;
}

export function newRunId(): string {
  return Math.random().toString(36).slice(2, 8).padEnd(6, "0");
}
