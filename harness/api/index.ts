/**
 * The harness's interfaces: cluster providers and their optional fault capabilities, clients,
 * workloads, nemesis packages and checker composition. Everything here is types plus a few
 * pure helpers; providers, workloads and nemeses implement them.
 */
export * from "./cluster.js";
export * from "./capabilities.js";
export * from "./operation.js";
export * from "./checker.js";
export * from "./workload.js";
