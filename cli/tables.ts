/**
 * What a user can name on the command line, in one place: the workloads (`run --workload`, and
 * the checker of a stored run), the linearizability models (`check --model`, and the model of a
 * stored run's workload) and the cluster providers (`run --provider`). The CLI is the only
 * folder that imports workloads/, nemesis/ and every provider, so the tables live here.
 */
import type { Checker } from "../harness/api/checker.js";
import type { Cluster, ClusterSpec } from "../harness/api/cluster.js";
import type { Workload } from "../harness/api/workload.js";
import type { GenLike } from "../harness/generator/types.js";
import { builtinModels, type AnyModel } from "../checkers/linearizable/index.js";
import { dockerPreflight, dockerProvider } from "../harness/providers/docker/provider.js";
import { externalProvider } from "../harness/providers/external/provider.js";
import { localProvider } from "../harness/providers/local/provider.js";
import { registerChecker, registerWorkload } from "../workloads/register/index.js";
import { etcdRegisterModel } from "../workloads/register/model.js";
import { setWorkload, setWorkloadChecker } from "../workloads/set/index.js";

export interface WorkloadFlags {
  opsPerKey: number;
  serializable: boolean;
  requestTimeoutMs: number;
}

export interface WorkloadEntry {
  make(flags: WorkloadFlags, ctx: { runId: string }): Workload<GenLike>;
  /** The checker alone, given the options a run stored (test.json's `workload.options`). */
  checker(options?: { serializable?: boolean }): Checker;
  /** The linearizability model `gauntlet check` uses on a stored run of this workload, if any. */
  model?: string;
}

export const WORKLOADS: Readonly<Record<string, WorkloadEntry>> = {
  register: {
    make: (f, ctx) =>
      registerWorkload({
        opsPerKey: f.opsPerKey,
        serializable: f.serializable,
        timeoutMs: f.requestTimeoutMs,
        prefix: `gauntlet/${ctx.runId}/`,
      }),
    checker: registerChecker,
    model: "etcd-register",
  },
  set: {
    make: (f, ctx) =>
      setWorkload({
        opsPerKey: f.opsPerKey,
        serializable: f.serializable,
        timeoutMs: f.requestTimeoutMs,
        prefix: `gauntlet/${ctx.runId}/`,
      }),
    checker: setWorkloadChecker,
  },
};

/** Every model `--model` accepts: the checker's own and the workloads'. */
export const MODELS: Readonly<Record<string, () => AnyModel>> = {
  ...builtinModels,
  "etcd-register": etcdRegisterModel,
};

const modelInstances = new Map<string, AnyModel>();
/** The model of that name (one instance per name); undefined if there is none. */
export function modelNamed(name: string): AnyModel | undefined {
  let m = modelInstances.get(name);
  if (!m && MODELS[name]) modelInstances.set(name, (m = MODELS[name]()));
  return m;
}

/** The options of `gauntlet run` a provider takes (the external one takes only endpoints). */
export interface ProviderOptions {
  image?: string;
  keepImages: boolean;
  server: "reference" | "etcd";
  etcdBinary?: string;
  serverArgs: string[];
  resultsRoot: string;
  clock: boolean;
  tmpfsMb?: number;
  endpoints?: string;
  allowRemote: boolean;
}

export interface ProviderEntry {
  /** Checks what the provider needs (an engine, an image) before anything starts. */
  preflight?(o: ProviderOptions): Promise<void>;
  start(spec: ClusterSpec, o: ProviderOptions): Promise<Cluster>;
}

export const PROVIDERS: Readonly<Record<string, ProviderEntry>> = {
  local: { start: (spec, o) => localProvider.start(spec, o) },
  docker: {
    preflight: (o) => dockerPreflight({ image: o.image }),
    start: (spec, o) => dockerProvider.start(spec, o),
  },
  external: {
    start: (spec, o) =>
      externalProvider.start(spec, { endpoints: o.endpoints ?? "", allowRemote: o.allowRemote }),
  },
};
