/**
 * Turns the deepest point of a failed search into a {@link Counterexample}: the longest
 * linearizable prefix with the state after each step, the operations that could come next
 * and cannot, and a readable explanation.
 */
import type { CheckOp, Counterexample, LinearizationStep, Model } from "./types.js";

export interface ExplainInput<S, I, O> {
  model: Model<S, I, O>;
  /** All operations of the history, by global id. */
  ops: readonly CheckOp[];
  /** local id → global id. */
  ids: readonly number[];
  inputs: readonly I[];
  outputs: readonly O[];
  mustPlace: Uint8Array;
  /** Entries in real-time order (2·local for calls, 2·local+1 for returns). */
  order: Int32Array;
  /** The deepest linearization (local ids). */
  best: Int32Array;
  key: string | undefined;
}

/** `p3 write(2) [op #12, index 40→43, t=…]`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function describeOpAt(model: Model<any, any, any>, op: CheckOp): string {
  const p = typeof op.process === "number" ? `p${op.process}` : String(op.process);
  const end = op.completeIndex === null ? "…" : String(op.completeIndex);
  return `${p} ${model.describeOp(op)} [op #${op.id}, index ${op.invokeIndex}→${end}${timeSpan(op)}]`;
}

function timeSpan(op: CheckOp): string {
  // Histories without clocks (Jepsen logs, EDN) use the line order as time: say nothing then.
  if (op.call === op.invokeIndex && (op.ret === Infinity || op.ret === op.completeIndex)) return "";
  return `, t=${formatNs(op.call)}→${formatNs(op.ret)}`;
}

/** 1234567 → "1.235ms". */
export function formatNs(t: number): string {
  if (t === Infinity) return "∞";
  if (Math.abs(t) >= 1e9) return `${(t / 1e9).toFixed(3)}s`;
  if (Math.abs(t) >= 1e6) return `${(t / 1e6).toFixed(3)}ms`;
  if (Math.abs(t) >= 1e3) return `${(t / 1e3).toFixed(3)}µs`;
  return `${t}ns`;
}

export function explain<S, I, O>(x: ExplainInput<S, I, O>): Counterexample {
  const { model, ops, ids, inputs, outputs, order, best } = x;
  const n = ids.length;
  const pos = new Float64Array(2 * n);
  for (let k = 0; k < order.length; k++) pos[order[k]!] = k;
  for (let i = 0; i < n; i++) if (!x.mustPlace[i]) pos[2 * i + 1] = Infinity;

  // Replay the prefix.
  const prefix: LinearizationStep[] = [];
  let state = model.init();
  const placed = new Uint8Array(n);
  for (const i of best) {
    const ns = model.step(state, inputs[i]!, outputs[i]!);
    if (ns === null) throw new Error("internal: the search's prefix does not replay");
    state = ns;
    placed[i] = 1;
    prefix.push({ op: ids[i]!, state: model.describeState(state) });
  }

  // The op that must come first: the unplaced ok op with the earliest return.
  let firstBad = -1;
  for (let i = 0; i < n; i++)
    if (!placed[i] && x.mustPlace[i] && (firstBad < 0 || pos[2 * i + 1]! < pos[2 * firstBad + 1]!))
      firstBad = i;
  const bound = firstBad < 0 ? Infinity : pos[2 * firstBad + 1]!;
  // The ok ops that may come next and do not fit. (The prefix ends where the most ok ops were
  // placed, so every ok op that may come next is among them; placing info/pending ops first
  // makes none fit either, or the search would have gone further.)
  const blocked: number[] = [];
  let optional = 0;
  for (let i = 0; i < n; i++) {
    if (placed[i] || !(pos[2 * i]! < bound)) continue;
    if (!x.mustPlace[i]) optional++;
    else if (model.step(state, inputs[i]!, outputs[i]!) === null) blocked.push(i);
  }
  blocked.sort((a, b) => pos[2 * a + 1]! - pos[2 * b + 1]! || pos[2 * a]! - pos[2 * b]!);

  const stateText = model.describeState(state);
  const lines: string[] = [];
  const where = x.key === undefined ? "" : ` on key ${JSON.stringify(x.key)}`;
  lines.push(
    `not linearizable${where}: ${n} operations; the longest linearizable prefix found places ${best.length} of them` +
      (best.length === 0 ? "." : ", ending with:"),
  );
  const shown = Math.min(best.length, 5);
  if (best.length > shown) lines.push(`  … ${best.length - shown} earlier`);
  for (let k = best.length - shown; k < best.length; k++)
    lines.push(`  ${describeOpAt(model, ops[ids[best[k]!]!]!)} → ${prefix[k]!.state}`);
  lines.push(`After it the ${model.name} holds ${stateText}.`);
  if (firstBad >= 0) {
    lines.push(
      `${describeOpAt(model, ops[ids[firstBad]!]!)} completed before the operations invoked after it, so it or an operation concurrent with it must come next; none can:`,
    );
  }
  for (const i of blocked.slice(0, 10))
    lines.push(`  ${describeOpAt(model, ops[ids[i]!]!)}: impossible when the state is ${stateText}`);
  if (blocked.length > 10) lines.push(`  … and ${blocked.length - 10} more`);
  if (optional > 0)
    lines.push(
      `(${optional} operation${optional === 1 ? "" : "s"} that may or may not have taken effect (info/pending) could also come next; taking any of them first does not help.)`,
    );
  if (firstBad >= 0) {
    // Which ops invoked after it completed would have let it fit, had they come next? (None
    // of those that may come next can, or the search would have gone further.)
    const fb = firstBad;
    const helpers: number[] = [];
    for (let i = 0; i < n && helpers.length < 3; i++) {
      if (placed[i] || i === fb || !(pos[2 * i]! > bound)) continue;
      const s1 = model.step(state, inputs[i]!, outputs[i]!);
      if (s1 !== null && model.step(s1, inputs[fb]!, outputs[fb]!) !== null) helpers.push(i);
    }
    if (helpers.length > 0)
      lines.push(
        `It would fit right after ${helpers.map((i) => describeOpAt(model, ops[ids[i]!]!)).join(" or ")}, ` +
          `but ${helpers.length === 1 ? "that operation was" : "those were"} invoked after it completed.`,
      );
  }
  lines.push("No order of the operations consistent with real time explains the history.");

  return {
    prefix,
    blocked: blocked.map((i) => ids[i]!),
    firstBad: firstBad < 0 ? -1 : ids[firstBad]!,
    states: [stateText],
    explanation: lines.join("\n"),
  };
}
