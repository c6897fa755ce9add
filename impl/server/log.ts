/**
 * Structured logs: one JSON object per line on stderr, shaped like etcd's zap logger
 * (`{"level":"info","ts":"2026-11-23T23:10:00.123Z","caller":"server","msg":"...",...}`), filtered
 * by `--log-level` (debug, info, warn, error, panic, fatal).
 */

export type LogLevel = "debug" | "info" | "warn" | "error" | "panic" | "fatal";

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, panic: 4, fatal: 5 };

export function isLogLevel(s: string): s is LogLevel {
  return Object.prototype.hasOwnProperty.call(rank, s);
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  enabled(level: LogLevel): boolean;
}

/** A logger writing JSON lines through `write` (default: stderr), dropping lines below `level`. */
export function createLogger(
  level: LogLevel = "info",
  caller = "gauntlet-server",
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const min = rank[level];
  const emit = (lv: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (rank[lv] < min) return;
    const entry: Record<string, unknown> = { level: lv, ts: new Date().toISOString(), caller, msg };
    if (fields) for (const [k, v] of Object.entries(fields)) entry[k] = v instanceof Error ? v.message : v;
    let line: string;
    try {
      line = JSON.stringify(entry, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    } catch {
      line = JSON.stringify({ level: lv, ts: entry.ts, caller, msg });
    }
    write(line + "\n");
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    enabled: (lv) => rank[lv] >= min,
  };
}
