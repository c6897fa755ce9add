/**
 * Time for the load: epoch milliseconds with sub-millisecond resolution, comparable across
 * worker threads (each thread's `performance.timeOrigin` differs; origin + now does not), and
 * the CPU time of the calling thread from /proc/thread-self/stat (Linux; undefined elsewhere).
 */
import { readFileSync } from "node:fs";

export const nowMs = (): number => performance.timeOrigin + performance.now();

/** Clock ticks per second of /proc stat times (USER_HZ; 100 on Linux). */
export const CLK_TCK = 100;

/** user + system CPU time (ms) of a /proc stat line, or undefined when unparsable. */
export function statCpuMs(stat: string): number | undefined {
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / CLK_TCK;
}

/** CPU time (ms) of the calling thread, or undefined off Linux. */
export function threadCpuMs(): number | undefined {
  try {
    return statCpuMs(readFileSync("/proc/thread-self/stat", "latin1"));
  } catch {
    return undefined;
  }
}

/** CPU time (ms) of a process (all its threads), or undefined when it cannot be read. */
export function processCpuMs(pid: number): number | undefined {
  try {
    return statCpuMs(readFileSync(`/proc/${pid}/stat`, "latin1"));
  } catch {
    return undefined;
  }
}
