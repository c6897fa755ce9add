import type { ServerTargetArgv } from "../bench/argv.js";

/** The options of `gauntlet fuzz` as the CLI parses them (yargs, cli/commands/fuzz.ts): fuzz/ owns them. */
export interface FuzzArgv extends ServerTargetArgv {
  seed?: number;
  "time-limit": number;
  "max-inputs": number;
  classes?: string;
  "input-timeout": number;
  "hang-ms": number;
  "max-rss": number;
  "rss-growth": number;
  "fd-slack": number;
  "max-fuzzer-rss": number;
  "shrink-runs": number;
  "shrink-time": number;
  replay?: string;
  "peer-endpoints"?: string;
  nodes?: number;
}
