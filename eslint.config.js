import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The layers (docs/architecture.md): imports point down, cli → bench → workloads, nemesis →
// harness → checkers, with impl apart. Each folder lists the top-level folders it may not import.
const forbid = (...names) =>
  names.map((n) => ({
    group: [`**/${n}/**`],
    message: `docs/architecture.md: this layer may not import ${n}/`,
  }));
const layers = {
  checkers: forbid("impl", "harness", "workloads", "nemesis", "bench", "cli"),
  impl: forbid("checkers", "harness", "workloads", "nemesis", "bench", "cli"),
  harness: forbid("impl", "workloads", "nemesis", "bench", "cli"),
  workloads: forbid("impl", "nemesis", "bench", "cli", "harness/runner", "harness/providers"),
  nemesis: forbid(
    "impl",
    "workloads",
    "bench",
    "cli",
    "harness/client",
    "harness/runner",
    "harness/providers",
  ),
  bench: forbid("cli", "nemesis", "fuzz"),
  fuzz: forbid("cli", "nemesis", "workloads", "impl"),
};
const pureCore = ["node:*", "fs", "net", "os", "crypto"];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: "readonly", process: "readonly", URL: "readonly", performance: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // A `let` read by closures before its one assignment (objects that refer to each other,
      // e.g. a member's loop and server) cannot be a const.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  ...Object.entries(layers).map(([folder, patterns]) => ({
    files: [`${folder}/**/*.ts`],
    rules: { "no-restricted-imports": ["error", { patterns }] },
  })),
  {
    // impl/raft and impl/mvcc are pure: no node:* modules, no clocks, no randomness.
    files: ["impl/raft/**/*.ts", "impl/mvcc/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [...layers.impl, { group: pureCore, message: "the pure core does no I/O" }] },
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "time enters the pure core as tick()" },
        { object: "Math", property: "random", message: "randomness is injected as a seeded generator" },
      ],
      "no-restricted-globals": ["error", "setTimeout", "setInterval", "setImmediate", "Promise"],
    },
  },
);
