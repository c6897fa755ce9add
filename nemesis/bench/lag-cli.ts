/**
 * `npm run bench:nemesis-lag -- [history.jsonl ...]` (default: results/latest/history.jsonl):
 * prints, per fault family, how late its ops were invoked after they were due and how long
 * they took (nemesis/bench/lag.ts).
 */
import { readFileSync } from "node:fs";
import { lagTable, nemesisLag, type NemesisLine } from "./lag.js";

const files = process.argv.slice(2);
if (files.length === 0) files.push("results/latest/history.jsonl");
for (const f of files) {
  const lines = readFileSync(f, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as NemesisLine);
  console.log(`${f}:`);
  console.log(lagTable(nemesisLag(lines)));
}
