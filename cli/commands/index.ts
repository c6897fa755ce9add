/** Every command of the `gauntlet` CLI, one module each. Add a command here and in docs/. */
import type { CommandModule } from "yargs";
import { benchCommand } from "./bench.js";
import { checkCommand } from "./check.js";
import { compareCommand } from "./compare.js";
import { fuzzCommand } from "./fuzz.js";
import { imagesCommand } from "./images.js";
import { cleanupCommand } from "./cleanup.js";
import { runCommand } from "./run.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  checkCommand,
  runCommand,
  cleanupCommand,
  benchCommand,
  compareCommand,
  imagesCommand,
  fuzzCommand,
];
