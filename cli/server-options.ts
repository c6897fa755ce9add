/** The flags that say which server a command starts when it is not given `--endpoints` (bench, fuzz). */
export const serverOptions = {
  server: {
    choices: ["reference", "etcd"] as const,
    default: "reference" as const,
    describe: "without --endpoints: the server to start",
  },
  provider: {
    choices: ["local", "docker"] as const,
    default: "local" as const,
    describe: "without --endpoints: where the cluster runs",
  },
  "keep-images": {
    type: "boolean" as const,
    default: false,
    describe: "--provider docker: keep an image built on demand (default: removed at the end)",
  },
  "etcd-binary": { type: "string" as const, default: "etcd", describe: "--server etcd: the etcd to run" },
  "server-args": { type: "string" as const, describe: "extra flags for every member" },
  "health-timeout": {
    type: "number" as const,
    default: 30,
    describe: "seconds to wait for a started cluster",
  },
};
