/** Runs system commands (ip, iptables) for the local provider, with errors that show the command and its stderr. */
import { execFile } from "node:child_process";

export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(
    readonly argv: readonly string[],
    readonly stderr: string,
    readonly code: number | string | null,
  ) {
    super(`\`${argv.join(" ")}\` failed (${code}): ${stderr.trim() || "no output"}`);
  }
}

/**
 * Run `argv[0]` with the rest as arguments, `input` (if given) on its stdin; resolves to stdout,
 * rejects with a CommandError.
 */
export function run(argv: readonly string[], timeoutMs = 15_000, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      { timeout: timeoutMs, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new CommandError(argv, stderr || err.message, (err as { code?: number | string }).code ?? null),
          );
        else resolve(stdout);
      },
    );
    // EPIPE from a command that exits without reading shows as its own error above.
    child.stdin?.on("error", () => {});
    child.stdin?.end(input ?? "");
  });
}

/** Like `run`, but an error whose stderr matches `ignore` (e.g. "does not exist") counts as success. */
export async function runIgnoring(argv: readonly string[], ignore: RegExp): Promise<void> {
  try {
    await run(argv);
  } catch (err) {
    if (err instanceof CommandError && ignore.test(err.stderr)) return;
    throw err;
  }
}

/** Ignore-patterns for undoing things that may already be gone. */
export const GONE =
  /does not exist|Cannot find device|No such file|not found|Bad rule|No chain\/target\/match|No such process|Invalid argument/i;
