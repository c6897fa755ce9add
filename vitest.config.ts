import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Many tests start real clusters (etcd, the reference server, containers) as processes: on a
    // loaded 2-core CI machine one can take tens of seconds. A hang still fails, after 2 minutes.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
  },
});
