/**
 * checkers/set: Jepsen's set-full check of add / read-all histories (./check.ts).
 */
export { checkSet } from "./check.js";
export type {
  ElementOutcome,
  ElementReport,
  OpSummary,
  SetCheckOptions,
  SetCheckResult,
  SetCounts,
} from "./check.js";
