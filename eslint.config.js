import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
  {
    // impl/raft and impl/mvcc are pure: no node:* modules, no clocks, no randomness.
    files: ["impl/raft/**/*.ts", "impl/mvcc/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["node:*", "fs", "net", "os", "crypto"] }],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "time enters the pure core as tick()" },
        { object: "Math", property: "random", message: "randomness is injected as a seeded generator" },
      ],
      "no-restricted-globals": ["error", "setTimeout", "setInterval", "setImmediate", "Promise"],
    },
  },
);
