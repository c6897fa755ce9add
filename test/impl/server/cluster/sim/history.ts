/**
 * Test support: the whole-server simulation's client events as a Gauntlet history
 * (checkers/history Operation), with the outcome rules of ARCHITECTURE.md "Client outcomes"
 * via the harness's error registry: a definite error → fail; an indeterminate one (timeout,
 * stopped, the member crashed during the call, the client's deadline) → info for a write or
 * cas, fail for a read; a refused call (member down) → fail. Completions carry what the
 * revision-aware `etcd-register` model (workloads/register/model.ts) checks: a read's mod
 * revision and version, a write's revision, a cas that did not swap as ok with `swapped: false`
 * and the value it observed.
 */
import type { Operation } from "../../../../../checkers/history/index.js";
import { classify, outcome } from "../../../../../harness/client/errors.js";
import type { ClientEvent } from "../../../../../impl/server/cluster/sim/index.js";

export function toHistory(events: readonly ClientEvent[]): Operation[] {
  const out: Operation[] = [];
  const invoked = new Map<number, ClientEvent>();
  for (const e of events) {
    const push = (
      type: Operation["type"],
      value: unknown,
      error?: string,
      extra?: Record<string, unknown>,
    ): void => {
      const op: Operation = {
        index: out.length,
        time: Math.round(e.time * 1e6),
        process: e.process,
        type,
        f: e.f,
        key: e.key,
        value,
      };
      if (error) op.error = error;
      if (extra) Object.assign(op, extra);
      out.push(op);
    };
    if (e.kind === "invoke") {
      invoked.set(e.process, e);
      push("invoke", e.f === "read" ? null : e.value);
      continue;
    }
    const inv = invoked.get(e.process)!;
    invoked.delete(e.process);
    const kind = e.f === "read" ? "read" : "write";
    if (e.kind === "ok") push("ok", e.f === "read" ? e.value : inv.value, undefined, e.result);
    else if (e.kind === "refused") push("fail", e.f === "read" ? null : inv.value, "connection-refused");
    else if (e.kind === "lost")
      push(outcome(kind, { name: "lost", definite: false }), e.f === "read" ? null : inv.value, "lost");
    else {
      const c = classify({ code: e.error!.code, details: e.error!.details });
      push(outcome(kind, c), e.f === "read" ? null : inv.value, c.name);
    }
  }
  return out;
}
