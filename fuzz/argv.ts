/** The options of `gauntlet fuzz` as the CLI parses them (yargs, cli/commands/fuzz.ts): fuzz/ owns them. */
export interface FuzzArgv {
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
  endpoints?: string;
  "peer-endpoints"?: string;
  "allow-remote": boolean;
  server: "reference" | "etcd";
  nodes?: number;
  provider: "local" | "docker";
  "keep-images": boolean;
  "etcd-binary": string;
  "server-args"?: string;
  results: string;
  "health-timeout": number;
  "keep-data"?: boolean;
}
