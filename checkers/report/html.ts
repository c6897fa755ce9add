/**
 * A self-contained HTML page (inline CSS and JS, no network) that shows a checked history the
 * way Porcupine and Knossos do: per key (partition), one lane per process and one bar per
 * operation from its invoke to its completion (`info` and pending operations stay open to the
 * right edge; `fail` ones are drawn faded: they are not part of the search). For a key that is
 * not linearizable the longest linearizable prefix is numbered on the bars (1, 2, ...) and
 * listed with the model state after each step, the operation that cannot be placed is
 * highlighted (and a button jumps to it), and hovering any bar shows its details: the op,
 * input, output, invoke/completion index and time, and the model state after it when it is
 * placed.
 *
 * The horizontal axis is the order of the history's events (each invoke or completion of the
 * key's operations is one slot), which is exactly the real-time order the checker uses; the
 * times are in the details.
 *
 * Pure: `renderHtmlReport({ title, result, history })` returns the page as a string.
 */
import { describeOpAt, getModel } from "../linearizable/index.js";
import type { CheckOp, CheckResult, Model, PartitionResult } from "../linearizable/index.js";
import type { Operation } from "../history/types.js";

export interface HtmlReportInput {
  /** Shown as the page's title, e.g. the file name. */
  title: string;
  result: CheckResult;
  /** The history the result is about (used for its length only, for now). */
  history?: readonly Operation[];
  /** The model, when it is not a registered one (`result.model` is looked up otherwise). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  model?: Model<any, any, any>;
  /** At most this many operations are drawn per key, around the first bad one. Default 3000. */
  maxOpsPerKey?: number;
  /** At most this many keys are drawn (failing ones first). Default 30. */
  maxKeys?: number;
}

interface OpDetail {
  id: number;
  desc: string;
  process: string;
  f: string;
  key: string | null;
  status: string;
  input: string;
  output: string;
  invoke: number;
  complete: number | null;
  call: string;
  ret: string;
  /** 1-based position in the partial linearization, or 0. */
  lin: number;
  /** The model state after it (placed ops), or the state(s) it cannot follow (the stuck ones). */
  state: string | null;
  bad: boolean;
  blocked: boolean;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const show = (v: unknown): string => (v === undefined ? "—" : (JSON.stringify(v) ?? String(v)));
const nsText = (t: number): string =>
  t === Infinity ? "∞ (never completed)" : `${t} ns${t >= 1e6 ? ` (${(t / 1e6).toFixed(3)} ms)` : ""}`;
const processName = (p: CheckOp["process"]): string => (typeof p === "number" ? `p${p}` : String(p));

export function renderHtmlReport(input: HtmlReportInput): string {
  const { result } = input;
  const maxOps = input.maxOpsPerKey ?? 3000;
  const maxKeys = input.maxKeys ?? 30;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let model: Model<any, any, any> | undefined = input.model;
  if (!model) {
    try {
      model = getModel(result.model);
    } catch {
      model = undefined;
    }
  }
  const describe = (op: CheckOp): string => {
    if (model) {
      try {
        return model.describeOp(op);
      } catch {
        // fall through to the generic description
      }
    }
    return `${op.f}(${show(op.input)})${op.status === "ok" ? ` → ${show(op.output)}` : ` ${op.status}`}`;
  };
  const describeLong = (op: CheckOp): string => {
    if (model) {
      try {
        return describeOpAt(model, op);
      } catch {
        // fall through
      }
    }
    return `${processName(op.process)} ${describe(op)} [op #${op.id}]`;
  };

  const ordered = [
    ...result.partitions.filter((p) => p.valid === false),
    ...result.partitions.filter((p) => p.valid === "unknown"),
    ...result.partitions.filter((p) => p.valid === true),
  ];
  const drawn = ordered.slice(0, maxKeys);
  const details: OpDetail[] = [];
  const sections = drawn.map((p, n) =>
    renderPartition(p, n, result, maxOps, describe, describeLong, details),
  );

  const verdict =
    result.valid === true ? "linearizable" : result.valid === false ? "NOT linearizable" : "unknown";
  const cls = result.valid === true ? "good" : result.valid === false ? "bad" : "unknown";
  const nav = drawn
    .map(
      (p, n) =>
        `<a href="#key-${n}" class="${p.valid === true ? "good" : p.valid === false ? "bad" : "unknown"}">${esc(keyLabel(p))}</a>`,
    )
    .join(" ");
  const more =
    ordered.length > drawn.length
      ? `<p class="note">Showing ${drawn.length} of ${ordered.length} keys (failing keys first).</p>`
      : "";
  const events = input.history ? `, ${input.history.length} events` : "";

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${verdict}: ${input.title}`)}</title>
<style>${CSS}</style></head>
<body>
<header>
<h1>${esc(input.title)}</h1>
<p class="verdict ${cls}" id="verdict">${esc(verdict)}</p>
<p class="summary">${esc(result.summary)}</p>
<p class="facts">model <b>${esc(result.model)}</b> · ${result.operations.length} operations${events} · ${result.keys} key${result.keys === 1 ? "" : "s"} · checked in ${result.ms.toFixed(1)} ms</p>
${result.valid === false ? `<p><button type="button" id="jump">Jump to the first operation that cannot be placed</button></p>` : ""}
<nav>Keys: ${nav}</nav>
${more}
<p class="legend"><span class="sw ok">ok</span> <span class="sw info">info (open to the end)</span> <span class="sw pending">no completion</span> <span class="sw fail">fail (no effect, not searched)</span> <span class="sw ok linearized"><span class="num">n</span>placed n-th in the partial linearization</span> <span class="sw ok first-bad">cannot be placed</span> <span class="sw ok blocked">cannot come next either</span></p>
</header>
<main>
${sections.join("\n")}
</main>
<div id="tip" role="tooltip"></div>
<script type="application/json" id="op-data">${JSON.stringify(details).replace(/</g, "\\u003c")}</script>
<script>${JS}</script>
</body></html>
`;
}

function keyLabel(p: PartitionResult): string {
  return p.key === undefined ? "(no key)" : JSON.stringify(p.key);
}

function renderPartition(
  p: PartitionResult,
  n: number,
  result: CheckResult,
  maxOps: number,
  describe: (op: CheckOp) => string,
  describeLong: (op: CheckOp) => string,
  details: OpDetail[],
): string {
  const ops = result.operations;
  const cx = p.counterexample;
  const linPos = new Map<number, number>();
  const stateAfter = new Map<number, string>();
  cx?.prefix.forEach((s, i) => {
    linPos.set(s.op, i + 1);
    stateAfter.set(s.op, s.state);
  });
  const blocked = new Set(cx?.blocked ?? []);
  const firstBad = cx && cx.firstBad >= 0 ? cx.firstBad : cx?.blocked[0];

  // The partition's ops plus its key's failed ops (drawn faded), in invoke order.
  const inPartition = new Set(p.ops);
  let shown = ops.filter(
    (o) => inPartition.has(o.id) || (o.status === "fail" && p.key !== undefined && o.key === p.key),
  );
  shown.sort((a, b) => a.invokeIndex - b.invokeIndex);
  const total = shown.length;
  if (shown.length > maxOps) {
    const centre = Math.max(
      0,
      shown.findIndex((o) => o.id === firstBad),
    );
    const start = Math.max(0, Math.min(centre - Math.floor(maxOps / 2), shown.length - maxOps));
    shown = shown.slice(start, start + maxOps);
  }

  // Slots: the events of the shown ops, in history order.
  const indices = new Set<number>();
  for (const o of shown) {
    indices.add(o.invokeIndex);
    if (o.completeIndex !== null && o.status !== "info") indices.add(o.completeIndex);
  }
  const sorted = [...indices].sort((a, b) => a - b);
  const slot = new Map(sorted.map((x, i) => [x, i]));
  const slots = sorted.length + 1; // one more: the open end
  const unit = Math.max(8, Math.min(48, Math.floor(2400 / Math.max(1, slots))));
  const width = slots * unit + 8;

  const lanes = new Map<string, string[]>();
  for (const o of shown) {
    const left = slot.get(o.invokeIndex)! * unit;
    const end =
      o.completeIndex !== null && o.status !== "info"
        ? slot.get(o.completeIndex)! * unit + unit
        : slots * unit;
    const lin = linPos.get(o.id) ?? 0;
    const isBad = o.id === firstBad;
    const classes = [
      "op",
      o.status,
      lin ? "linearized" : "",
      isBad ? "first-bad" : "",
      blocked.has(o.id) && !isBad ? "blocked" : "",
    ]
      .filter(Boolean)
      .join(" ");
    const d: OpDetail = {
      id: o.id,
      desc: describeLong(o),
      process: processName(o.process),
      f: o.f,
      key: o.key ?? null,
      status: o.status,
      input: show(o.input),
      output:
        o.status === "ok"
          ? show(o.output)
          : o.status === "fail"
            ? "failed: no effect"
            : "unknown (it may or may not have happened)",
      invoke: o.invokeIndex,
      complete: o.completeIndex,
      call: nsText(o.call),
      ret: nsText(o.ret),
      lin,
      state: stateAfter.get(o.id) ?? (cx && (isBad || blocked.has(o.id)) ? cx.states.join(" or ") : null),
      bad: isBad,
      blocked: blocked.has(o.id),
    };
    const di = details.push(d) - 1;
    const label = `${lin ? `<span class="num">${lin}</span>` : ""}<span class="label">${esc(describe(o))}</span>`;
    const bar = `<div class="${classes}" data-d="${di}" style="left:${left}px;width:${Math.max(unit - 2, end - left - 2)}px" title="${esc(d.desc)}">${label}</div>`;
    const lane = processName(o.process);
    (lanes.get(lane) ?? lanes.set(lane, []).get(lane)!).push(bar);
  }
  const laneNames = [...lanes.keys()].sort((a, b) => {
    const na = Number(a.slice(1));
    const nb = Number(b.slice(1));
    return Number.isNaN(na) || Number.isNaN(nb) ? a.localeCompare(b) : na - nb;
  });
  const laneHtml = laneNames
    .map(
      (name) =>
        `<div class="lane" data-process="${esc(name)}"><div class="lane-label">${esc(name)}</div><div class="track" style="width:${width}px">${lanes.get(name)!.join("")}</div></div>`,
    )
    .join("\n");

  const verdict =
    p.valid === true
      ? "linearizable"
      : p.valid === false
        ? "not linearizable"
        : `unknown${p.reason ? ` (${p.reason})` : ""}`;
  const cls = p.valid === true ? "good" : p.valid === false ? "bad" : "unknown";
  const windowNote =
    shown.length < total
      ? `<p class="note">Showing ${shown.length} of ${total} operations, around the first one that cannot be placed.</p>`
      : "";
  let cxHtml = "";
  if (cx) {
    const steps = cx.prefix
      .map(
        (s, i) =>
          `<li value="${i + 1}"><span class="step-op">${esc(describeLong(ops[s.op]!))}</span> → <span class="state">${esc(s.state)}</span></li>`,
      )
      .join("");
    const badOp = firstBad !== undefined && firstBad >= 0 ? ops[firstBad] : undefined;
    const stuck = badOp
      ? `<li class="stuck">cannot place: <span class="step-op">${esc(describeLong(badOp))}</span> (state: <span class="state">${esc(cx.states.join(" or "))}</span>)</li>`
      : "";
    cxHtml = `<details class="explanation" open><summary>Explanation</summary><pre>${esc(cx.explanation)}</pre></details>
<details class="linearization" ${cx.prefix.length <= 200 ? "open" : ""}><summary>Partial linearization: ${cx.prefix.length} operations placed, then stuck</summary><ol>${steps}${stuck}</ol></details>`;
  }
  return `<section class="partition ${cls}" id="key-${n}" data-valid="${String(p.valid)}">
<h2>${p.key === undefined ? "All operations (no key)" : `Key ${esc(keyLabel(p))}`}: <span class="${cls}">${esc(verdict)}</span> <small>${p.ops.length} operations searched, ${p.ms.toFixed(1)} ms</small></h2>
${windowNote}
<div class="timeline">${laneHtml}</div>
${cxHtml}
</section>`;
}

const CSS = `
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #fafbfc; }
body { margin: 0; }
header { padding: 16px 24px 8px; border-bottom: 1px solid #dde1e8; background: #fff; }
h1 { font-size: 20px; margin: 0 0 6px; word-break: break-all; }
h2 { font-size: 16px; margin: 0 0 8px; }
h2 small { font-weight: normal; color: #667; }
.verdict { display: inline-block; font-weight: 700; padding: 2px 10px; border-radius: 4px; margin: 0; }
.verdict.good { background: #dff5e3; color: #145c24; }
.verdict.bad { background: #fde2e1; color: #9b1c16; }
.verdict.unknown { background: #fff1cc; color: #7a5400; }
span.good { color: #145c24; } span.bad { color: #9b1c16; } span.unknown { color: #7a5400; }
.summary, .facts, .note { margin: 6px 0; color: #445; font-size: 14px; }
nav { font-size: 13px; margin: 6px 0; }
nav a { margin-right: 6px; text-decoration: none; padding: 1px 5px; border-radius: 3px; }
nav a.good { color: #145c24; background: #eef9f0; } nav a.bad { color: #9b1c16; background: #fdeeee; font-weight: 700; } nav a.unknown { color: #7a5400; background: #fff7e0; }
button { font: inherit; font-size: 13px; padding: 4px 10px; border: 1px solid #c33; background: #fff; color: #9b1c16; border-radius: 4px; cursor: pointer; }
.legend { font-size: 12px; color: #556; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.sw { display: inline-flex; align-items: center; height: 20px; box-sizing: border-box; padding: 0 6px; border-radius: 3px; font: 11px ui-monospace, monospace; border: 1px solid; }
main { padding: 12px 24px 40px; }
.partition { margin: 0 0 28px; padding: 12px; background: #fff; border: 1px solid #dde1e8; border-radius: 6px; }
.partition.bad { border-color: #e7a3a0; }
.timeline { overflow-x: auto; padding: 4px 0 8px; }
.lane { display: flex; width: max-content; min-width: 100%; align-items: center; height: 30px; border-bottom: 1px dashed #eceff3; }
.lane-label { flex: 0 0 56px; font: 12px ui-monospace, monospace; color: #556; position: sticky; left: 0; background: #fff; z-index: 2; }
.track { position: relative; height: 24px; flex: 0 0 auto; }
.op { position: absolute; top: 2px; height: 20px; box-sizing: border-box; border-radius: 3px; font: 11px/18px ui-monospace, monospace; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding: 0 3px; cursor: default; border: 1px solid; }
:is(.op, .sw).ok { background: #dbe8fb; border-color: #7aa2e3; color: #163a70; }
:is(.op, .sw).info { background: repeating-linear-gradient(45deg, #fff4d6, #fff4d6 6px, #ffeab0 6px, #ffeab0 12px); border-color: #e0b64c; color: #6b4d00; border-right-style: dashed; }
:is(.op, .sw).pending { background: #f1f1f4; border-color: #aab; color: #445; border-right-style: dashed; }
:is(.op, .sw).fail { background: #f3f3f3; border-color: #ccc; color: #999; opacity: .7; }
:is(.op, .sw).linearized { background: #d6f0dc; border-color: #4fa865; color: #0f4a1f; }
:is(.op, .sw).blocked { border: 2px solid #e08a2c; }
:is(.op, .sw).first-bad { background: #ffd9d6; border: 2px solid #d0271d; color: #7d0f0a; font-weight: 700; z-index: 1; box-shadow: 0 0 0 3px rgba(208,39,29,.25); }
.op.flash { animation: flash 1s ease-in-out 2; }
@keyframes flash { 50% { box-shadow: 0 0 0 8px rgba(208,39,29,.45); } }
:is(.op, .sw) .num { display: inline-block; min-width: 14px; margin-right: 3px; padding: 0 3px; border-radius: 8px; background: #2f8a46; color: #fff; font-weight: 700; text-align: center; line-height: 14px; font-size: 10px; }
.op:hover { outline: 2px solid #1d2330; z-index: 3; }
details { margin-top: 10px; font-size: 13px; }
summary { cursor: pointer; font-weight: 600; }
pre { background: #f6f7f9; border: 1px solid #e3e6eb; padding: 8px; overflow-x: auto; font-size: 12px; }
ol { font: 12px ui-monospace, monospace; padding-left: 44px; max-height: 360px; overflow-y: auto; }
li.stuck { color: #9b1c16; font-weight: 700; list-style: "✗  "; }
.state { color: #0f4a1f; }
#tip { position: fixed; display: none; max-width: 460px; background: #1d2330; color: #f3f5f8; font: 12px/1.5 ui-monospace, monospace; padding: 8px 10px; border-radius: 5px; pointer-events: none; z-index: 10; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
#tip b { color: #fff; } #tip .bad { color: #ff9b94; } #tip .k { color: #9fb0c8; }
`;

const JS = `
(function () {
  var data = JSON.parse(document.getElementById("op-data").textContent);
  var tip = document.getElementById("tip");
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
  function row(k, v) { return '<div><span class="k">' + k + ':</span> ' + esc(v) + '</div>'; }
  document.addEventListener("mouseover", function (e) {
    var el = e.target.closest && e.target.closest(".op[data-d]");
    if (!el) { tip.style.display = "none"; return; }
    var d = data[Number(el.dataset.d)];
    el.removeAttribute("title");
    var h = '<div><b>' + esc(d.desc) + '</b></div>';
    if (d.bad) h += '<div class="bad">cannot be placed after the partial linearization</div>';
    else if (d.blocked) h += '<div class="bad">cannot come next either</div>';
    h += row("process", d.process) + row("op", d.f + (d.key === null ? "" : " on key " + JSON.stringify(d.key)) + " (#" + d.id + ")");
    h += row("status", d.status) + row("input", d.input) + row("output", d.output);
    h += row("invoke", "event " + d.invoke + ", t = " + d.call);
    h += row("completion", d.complete === null ? "none" : "event " + d.complete + ", t = " + d.ret);
    if (d.lin) h += row("linearized", "step " + d.lin) + row("state after", d.state);
    else if (d.state !== null) h += row("state there", d.state + " (after the partial linearization)");
    tip.innerHTML = h;
    tip.style.display = "block";
    move(e);
  });
  document.addEventListener("mousemove", move);
  function move(e) {
    if (tip.style.display !== "block") return;
    var x = e.clientX + 14, y = e.clientY + 14;
    var r = tip.getBoundingClientRect();
    if (x + r.width > window.innerWidth - 8) x = Math.max(8, e.clientX - r.width - 14);
    if (y + r.height > window.innerHeight - 8) y = Math.max(8, e.clientY - r.height - 14);
    tip.style.left = x + "px"; tip.style.top = y + "px";
  }
  var jump = document.getElementById("jump");
  if (jump) jump.addEventListener("click", function () {
    var bad = document.querySelector(".op.first-bad");
    if (!bad) return;
    bad.scrollIntoView({ block: "center", inline: "center" });
    bad.classList.remove("flash"); void bad.offsetWidth; bad.classList.add("flash");
  });
})();
`;
