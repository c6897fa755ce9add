/**
 * The options of `gauntlet bench` and `gauntlet compare` as the CLI parses them (yargs, in
 * cli/commands/): bench/ owns them, the CLI fills them.
 */
import type { BenchOp } from "./types.js";

/**
 * What a command that starts a server when not given `--endpoints` takes (bench, fuzz): the
 * flags of cli/server-options.ts plus the endpoint, results and data options around them.
 */
export interface ServerTargetArgv {
  endpoints?: string;
  "allow-remote": boolean;
  server: "reference" | "etcd";
  provider: "local" | "docker";
  "keep-images": boolean;
  "etcd-binary": string;
  "server-args"?: string;
  results: string;
  "health-timeout": number;
  "keep-data"?: boolean;
}

export interface BenchArgv extends ServerTargetArgv {
  op: BenchOp;
  clients: number;
  conns?: number;
  workers?: number;
  duration?: number;
  total?: number;
  rate: number;
  warmup: number;
  "key-size": number;
  "val-size": number;
  "key-space-size": number;
  "sequential-keys": boolean;
  consistency: "l" | "s";
  "keys-only": boolean;
  limit: number;
  "rw-ratio": number;
  "watch-streams": number;
  "watchers-per-stream": number;
  "watch-put-rate": number;
  timeout: number;
  transport: "http2" | "grpc-js";
  seed?: number;
  repeat: number;
  json?: string;
  nodes: number;
  plots: boolean;
}

export interface CompareArgv {
  reports: string[];
  "fail-on-regression"?: string;
  noise: string;
  plot: boolean;
  json?: string;
}
