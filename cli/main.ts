/**
 * The `gauntlet` command line: yargs, with one module per command under `commands/`.
 * This is the composition root of the harness; `gauntlet server` is dispatched before this
 * file loads (see bin/gauntlet.js) and is only described here for `--help`.
 *
 * Exit codes, for every command: 0 valid / success, 1 invalid, 2 unknown, 3 an error
 * (bad flag, unreadable input, a harness failure), with a message that names what to fix.
 */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { commands } from "./commands/index.js";
import { EXIT_ERROR } from "../harness/api/exit-codes.js";

const cli = yargs(hideBin(process.argv))
  .scriptName("gauntlet")
  .usage(
    "$0 <command> [options]\n\nA Jepsen-style testing and chaos harness for etcd-compatible key-value servers.",
  )
  .command("server", "run the reference server (takes etcd's flags; see `gauntlet server --help`)")
  .strict()
  .demandCommand(1, "name a command: see `gauntlet --help`")
  .recommendCommands()
  .help()
  .alias("h", "help")
  .version()
  .wrap(Math.min(110, process.stdout.columns ?? 110))
  .fail((msg, err) => {
    if (err) throw err;
    console.error(`gauntlet: ${msg}\n(see \`gauntlet --help\`)`);
    process.exit(EXIT_ERROR);
  });

for (const command of commands) cli.command(command);

try {
  await cli.parseAsync();
} catch (err) {
  console.error(`gauntlet: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(EXIT_ERROR);
}
