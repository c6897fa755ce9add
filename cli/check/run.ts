/**
 * `gauntlet check`: read each input (streaming, validated), pick the workload's checks (a run's
 * test.json, `--workload`, or guessed: ./workload-guess.ts) — for register histories the
 * linearizability checker under a model plus the global revision check, for set histories
 * set-full plus the revision check — print a line (or a JSON object) per input, write HTML
 * pages on request, and return the exit code: 3 if any input could not be checked (unreadable,
 * malformed, a model that cannot read it), else 1 if any is invalid, else 2 if any is
 * unknown, else 0. Every input is attempted, in order, whatever happened to the ones before.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  HistoryError,
  readHistory,
  readHistoryFile,
  type HistoryFormat,
  type TextSource,
} from "../../checkers/history/index.js";
import { check } from "../../checkers/linearizable/index.js";
import { renderHtmlReport } from "../../checkers/report/html.js";
import { checkRevisions } from "../../checkers/revisions/index.js";
import { checkSet } from "../../checkers/set/index.js";
import { EXIT_ERROR, EXIT_INVALID, EXIT_UNKNOWN, EXIT_VALID } from "../../harness/api/exit-codes.js";
import { workloadForRun } from "../run-models.js";
import { MODELS, WORKLOADS, modelNamed } from "../tables.js";
import { HtmlPaths } from "./html-paths.js";
import { resolveInput, STDIN } from "./inputs.js";
import { guessModel } from "./model-guess.js";
import {
  humanLines,
  jsonError,
  jsonObject,
  setJsonObject,
  setLines,
  validityOf,
  type Checked,
  type Failed,
  type SetChecked,
} from "./output.js";
import { CHECK_WORKLOADS, guessWorkload, type CheckWorkload } from "./workload-guess.js";

export interface CheckArgs {
  files: string[];
  format: HistoryFormat | "auto";
  /** Undefined: guess per input. */
  model?: string;
  /** Which workload's checks; undefined: from a run's test.json, else guessed per input. */
  workload?: CheckWorkload;
  json: boolean;
  html?: string;
  /** Seconds per input; 0 = no limit. */
  timeout: number;
}

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** What `/dev/stdin` reads (it may be a socket, which cannot be opened by name). Default: process.stdin. */
  stdin?: TextSource;
}

export const consoleIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

export async function runCheck(args: CheckArgs, io: Io = consoleIo): Promise<number> {
  if (args.files.length === 0) {
    io.err(
      "gauntlet check: name at least one history file or run directory (/dev/stdin reads standard input)",
    );
    return EXIT_ERROR;
  }
  if (args.model !== undefined && !MODELS[args.model]) {
    io.err(`gauntlet check: unknown model "${args.model}" (known: ${Object.keys(MODELS).join(", ")})`);
    return EXIT_ERROR;
  }
  if (args.workload !== undefined && !CHECK_WORKLOADS.includes(args.workload)) {
    io.err(`gauntlet check: unknown workload "${args.workload}" (known: ${CHECK_WORKLOADS.join(", ")})`);
    return EXIT_ERROR;
  }
  if (args.workload === "set" && args.model !== undefined) {
    io.err(`gauntlet check: --model is for register histories; --workload set checks with set-full`);
    return EXIT_ERROR;
  }
  if (!(args.timeout >= 0)) {
    io.err(`gauntlet check: --timeout must be a number of seconds >= 0 (0 = no limit), got ${args.timeout}`);
    return EXIT_ERROR;
  }
  let htmlPaths: HtmlPaths | undefined;
  if (args.html !== undefined) {
    const isDir =
      args.html.endsWith("/") ||
      (await stat(args.html).then(
        (s) => s.isDirectory(),
        () => false,
      ));
    htmlPaths = new HtmlPaths(args.html, args.files.length, isDir);
  }

  let errors = 0;
  let invalid = 0;
  let unknown = 0;
  let valid = 0;
  let sets = 0;
  for (const file of args.files) {
    const outcome = await checkOne(file, args, htmlPaths, () => io.stdin ?? process.stdin);
    if ("message" in outcome) {
      errors++;
      io.err(`gauntlet check: ${outcome.message}`);
      if (args.json) io.out(JSON.stringify(jsonError(outcome)));
      continue;
    }
    const v = validityOf(outcome);
    if (v === true) valid++;
    else if (v === false) invalid++;
    else unknown++;
    if ("kind" in outcome) {
      sets++;
      if (args.json) io.out(JSON.stringify(setJsonObject(outcome)));
      else for (const line of setLines(outcome)) io.out(line);
      continue;
    }
    if (args.json) io.out(JSON.stringify(jsonObject(outcome)));
    else for (const line of humanLines(outcome)) io.out(line);
  }
  if (!args.json && args.files.length > 1) {
    const parts = [`${valid} ${sets ? "valid" : "linearizable"}`, `${invalid} not`, `${unknown} unknown`];
    if (errors) parts.push(`${errors} could not be checked`);
    io.out(`${args.files.length} histories: ${parts.join(", ")}`);
  }
  if (errors) return EXIT_ERROR;
  if (invalid) return EXIT_INVALID;
  if (unknown) return EXIT_UNKNOWN;
  return EXIT_VALID;
}

async function checkOne(
  arg: string,
  args: CheckArgs,
  htmlPaths: HtmlPaths | undefined,
  stdin: () => TextSource,
): Promise<Checked | SetChecked | Failed> {
  let label = arg;
  try {
    const input = await resolveInput(arg);
    label = input.label;
    const t0 = performance.now();
    const { format, operations } =
      input.path === STDIN
        ? await readHistory(stdin(), { format: args.format, file: STDIN })
        : await readHistoryFile(input.path, { format: args.format });
    const parseMs = performance.now() - t0;
    const run = input.runDir ? await workloadForRun(input.runDir) : undefined;
    const wl =
      args.workload !== undefined
        ? { workload: args.workload, why: "given by --workload" }
        : run?.name !== undefined && (CHECK_WORKLOADS as readonly string[]).includes(run.name)
          ? { workload: run.name as CheckWorkload, why: `from test.json (${run.name} workload)` }
          : args.model !== undefined
            ? { workload: "register" as const, why: "--model given" }
            : guessWorkload(operations);
    // Reads of a serializable run may lag (those the workloads mark `serializable: true` are let lag anyway).
    const linearizableReads = !run?.serializable;
    if (wl.workload === "set") {
      if (args.model !== undefined)
        return {
          label,
          message: `${label}: --model is for register histories; this is a set history (${wl.why})`,
        };
      const t1 = performance.now();
      let set, revisions;
      try {
        set = checkSet(operations);
        revisions = checkRevisions(operations, { linearizableReads });
      } catch (err) {
        return { label, message: `${label}: the set checker cannot check it: ${(err as Error).message}` };
      }
      return {
        kind: "set",
        label,
        format,
        workloadWhy: wl.why,
        events: operations.length,
        parseMs,
        checkMs: performance.now() - t1,
        set,
        revisions,
      };
    }
    const runModel = run?.name !== undefined ? WORKLOADS[run.name]?.model : undefined;
    const guess =
      args.model !== undefined
        ? { model: args.model, why: "given by --model" }
        : runModel
          ? { model: runModel, why: `from test.json (${run!.name} workload)` }
          : guessModel(format, operations);
    const t1 = performance.now();
    let result;
    try {
      result = check(operations, {
        model: modelNamed(guess.model) ?? guess.model,
        timeoutMs: args.timeout > 0 ? args.timeout * 1000 : undefined,
      });
    } catch (err) {
      return {
        label,
        message: `${label}: the ${guess.model} model cannot check it: ${(err as Error).message}`,
      };
    }
    let revisions;
    try {
      revisions = checkRevisions(operations, { linearizableReads });
    } catch (err) {
      return { label, message: `${label}: the revision check cannot read it: ${(err as Error).message}` };
    }
    const checkMs = performance.now() - t1;
    const checked: Checked = {
      label,
      format,
      model: guess.model,
      modelWhy: guess.why,
      events: operations.length,
      parseMs,
      checkMs,
      result,
      revisions,
      workloadWhy: wl.why,
    };
    if (htmlPaths) {
      const path = htmlPaths.pathFor(label);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(
        path,
        renderHtmlReport({ title: label, result, history: operations, model: modelNamed(result.model) }),
      );
      checked.html = path;
    }
    return checked;
  } catch (err) {
    if (err instanceof HistoryError) return { label, message: err.message, line: err.line || undefined };
    return { label, message: `${label}: ${(err as Error).message}` };
  }
}
