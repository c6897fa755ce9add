/**
 * checkers/revisions: the global revision check of etcd histories (./check.ts) — duplicate or
 * out-of-order write revisions, reads that saw uncommitted or stale revisions — and how
 * operations are read for it (./classify.ts).
 */
export { checkRevisions, describeRevOp } from "./check.js";
export type { OpRef, RevisionOptions, RevisionResult, Violation, ViolationKind } from "./check.js";
export { classify, elementKey } from "./classify.js";
export type { Observed, RevOp } from "./classify.js";
