/**
 * Planted bugs, on purpose (issue 7, "test the test"): flags that make the reference server
 * incorrect, so that a campaign can show the harness catches what it should. Never use them
 * for anything else.
 *
 * - `--unsafe-stale-reads`: every member answers linearizable ranges from its local state, as
 *   if they were serializable — no ReadIndex round, so a member cut off from the leader (or a
 *   deposed leader) serves stale values.
 * - `--unsafe-early-ack`: the leader applies a write (and answers its client) as soon as the
 *   entry is in its own log, before a quorum has it; if the leader is then deposed, the
 *   acknowledged write can be lost, and the old leader's state has diverged.
 *
 * They are explicit flags only (no environment variable or default turns them on); `=false`
 * turns one off; a value other than true/false is refused. With one on, the server prints a
 * loud warning on stderr and logs it at error level on start-up. They are taken out of argv
 * before etcd's flags are parsed (./flags.ts stays etcd's list).
 */

export interface UnsafeFlags {
  staleReads: boolean;
  earlyAck: boolean;
}

/** Process-wide: set once by main.ts before the server starts; read on the hot paths. */
export const unsafe: UnsafeFlags = { staleReads: false, earlyAck: false };

const NAMES: Record<string, keyof UnsafeFlags> = {
  "unsafe-stale-reads": "staleReads",
  "unsafe-early-ack": "earlyAck",
};

/**
 * Takes `--unsafe-*` flags (also `-unsafe-*`, `=true|false`) out of argv. Throws an Error
 * with the reason for a bad value or an unknown `--unsafe-` flag.
 */
export function takeUnsafeFlags(argv: readonly string[]): { argv: string[]; flags: UnsafeFlags } {
  const flags: UnsafeFlags = { staleReads: false, earlyAck: false };
  const rest: string[] = [];
  for (const arg of argv) {
    const m = /^--?(unsafe-[a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      rest.push(arg);
      continue;
    }
    const key = NAMES[m[1]!];
    if (!key)
      throw new Error(
        `unknown planted-bug flag --${m[1]} (known: ${Object.keys(NAMES)
          .map((n) => `--${n}`)
          .join(", ")})`,
      );
    const v = m[2] ?? "true";
    if (!/^(true|false)$/.test(v)) throw new Error(`--${m[1]} takes true or false, got "${v}"`);
    flags[key] = v === "true";
  }
  return { argv: rest, flags };
}

/** The warning printed when a planted bug is on. */
export function unsafeWarning(f: UnsafeFlags): string | undefined {
  const on = Object.entries(NAMES)
    .filter(([, k]) => f[k])
    .map(([n]) => `--${n}`);
  if (on.length === 0) return undefined;
  return (
    `!!! PLANTED BUG ON: ${on.join(" ")} — this server is deliberately NOT linearizable ` +
    `(for testing Gauntlet's checkers only; see docs/nemesis.md). Do not use it for anything else. !!!`
  );
}

/**
 * Whether the Raft loop honours `--unsafe-early-ack` (the hook lives in
 * ./cluster/raft-loop.ts); until it does, the server refuses the flag rather than ignore it.
 */
export const EARLY_ACK_WIRED: boolean = true;
