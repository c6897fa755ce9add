/**
 * `gauntlet server [flags]`: entry of the reference server (bin/gauntlet.js imports this file
 * directly, so a server process loads nothing of the harness). Parses etcd's flags, starts the
 * server, and stops it cleanly on SIGINT/SIGTERM. Exit codes: 0 after a clean stop, 2 for bad
 * flags (as Go's flag package), 1 when the server cannot start or fails.
 */
import { FlagError, helpText, parseFlags } from "./flags.js";
import { createLogger } from "./log.js";
import { startServer } from "./server.js";
import { SERVER_VERSION } from "./etcd-server.js";
import { EARLY_ACK_WIRED, takeUnsafeFlags, unsafe, unsafeWarning } from "./unsafe.js";

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    // Planted bugs (./unsafe.ts) are taken out first; etcd's flags are parsed as before.
    let taken;
    try {
      taken = takeUnsafeFlags(argv);
    } catch (err) {
      throw new FlagError((err as Error).message);
    }
    Object.assign(unsafe, taken.flags);
    if (unsafe.earlyAck && !EARLY_ACK_WIRED)
      throw new FlagError("--unsafe-early-ack is not wired into the Raft loop yet (impl/server/unsafe.ts)");
    parsed = parseFlags(taken.argv);
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(
        `gauntlet server: ${err.message}\nRun 'gauntlet server --help' for the list of flags.\n`,
      );
      process.exit(2);
    }
    throw err;
  }
  if (parsed.kind === "help") {
    process.stdout.write(helpText());
    return;
  }
  if (parsed.kind === "version") {
    process.stdout.write(
      `gauntlet server version: ${SERVER_VERSION}\nAPI version: 3.4\nNode version: ${process.version}\n`,
    );
    return;
  }
  const config = parsed.config;
  const log = createLogger(config.logLevel, "gauntlet-server");
  const warning = unsafeWarning(unsafe);
  if (warning) {
    process.stderr.write(`${warning}\n`);
    log.error(warning);
  }
  for (const f of config.ignored)
    log.warn(`flag --${f} is accepted for compatibility with etcd and has no effect`);
  let server;
  try {
    server = await startServer(config, log);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error("failed to start", { error: message });
    // Also as a plain line: a refused data dir or a damaged WAL must be readable without a JSON tool.
    process.stderr.write(`gauntlet server: failed to start: ${message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info("received signal; shutting down", { signal });
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error("shutdown failed", { error: err });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("uncaughtException", (err) => {
    log.error("uncaught exception: exiting", { error: err.stack ?? err.message });
    process.exit(1);
  });
}

await main(process.argv.slice(process.argv[2] === "server" ? 3 : 2));
