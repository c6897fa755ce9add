/**
 * A partition's rules go in together (harness/providers/partition-rules.ts): one
 * iptables-restore transaction per namespace, all namespaces at once. The root tests use three
 * network namespaces of their own and watch the commands through a logging wrapper of `ip` put
 * first on PATH (it runs the real one): rule by rule, one namespace after the other — the bug
 * that let a cut-off leader stall all its clients in reads before its followers stopped getting
 * its writes — shows as more commands than namespaces, and as commands that do not overlap.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addRules,
  deleteRules,
  failures,
  restoreScript,
} from "../../../harness/providers/partition-rules.js";
import { binary, isRoot } from "../../support/env.js";

describe("restoreScript", () => {
  it("writes one filter-table transaction of the rules", () => {
    expect(
      restoreScript("-A", [
        ["INPUT", "-s", "10.0.0.2", "-j", "DROP"],
        [
          "INPUT",
          "-s",
          "10.0.0.3",
          "-m",
          "statistic",
          "--mode",
          "random",
          "--probability",
          "0.2",
          "-j",
          "DROP",
        ],
      ]),
    ).toBe(
      "*filter\n-A INPUT -s 10.0.0.2 -j DROP\n" +
        "-A INPUT -s 10.0.0.3 -m statistic --mode random --probability 0.2 -j DROP\nCOMMIT\n",
    );
    expect(restoreScript("-D", [["INPUT", "-s", "10.0.0.2", "-j", "DROP"]])).toBe(
      "*filter\n-D INPUT -s 10.0.0.2 -j DROP\nCOMMIT\n",
    );
  });

  it("refuses a token that would split or vanish in the script", () => {
    expect(() => restoreScript("-A", [["INPUT", "-s", "10.0.0.2 -j ACCEPT"]])).toThrow(/has spaces/);
    expect(() => restoreScript("-A", [["INPUT", "", "DROP"]])).toThrow(/empty/);
  });
});

const iptables = binary("iptables-restore", "iptables");

describe.skipIf(!isRoot.ok || !iptables.ok)(
  `partition rules in namespaces (${isRoot.why}; ${iptables.why})`,
  () => {
    const tag = `gtpr${process.pid % 100000}`;
    const names = ["a", "b", "c"].map((x) => `${tag}-${x}`);
    const dir = mkdtempSync(join(tmpdir(), "gauntlet-partition-rules-"));
    const log = join(dir, "ip.log");
    const realIp = execFileSync("sh", ["-c", "command -v ip"], { encoding: "utf8" }).trim();
    const path = process.env.PATH;
    const rules = (ns: string) =>
      execFileSync("ip", ["netns", "exec", ns, "iptables", "-S", "INPUT"], { encoding: "utf8" })
        .split("\n")
        .filter((l) => l.startsWith("-A"));
    const batches = () =>
      names.map((ns, i) => ({
        enter: ["ip", "netns", "exec", ns],
        rules: names
          .filter((_, j) => j !== i)
          // The last namespace's second rule drops at random, as a `flaky` partition's do.
          .map((_, j) => [
            "INPUT",
            "-s",
            `10.250.${i}.${j + 1}`,
            ...(i === 2 && j === 1 ? ["-m", "statistic", "--mode", "random", "--probability", "0.25"] : []),
            "-j",
            "DROP",
          ]),
      }));

    beforeAll(() => {
      for (const ns of names) execFileSync("ip", ["netns", "add", ns]);
      writeFileSync(
        join(dir, "ip"),
        `#!/bin/sh\necho "start $(date +%s%N) $*" >> ${log}\n${realIp} "$@"\nrc=$?\necho "end $(date +%s%N)" >> ${log}\nexit $rc\n`,
      );
      chmodSync(join(dir, "ip"), 0o755);
    });
    afterAll(() => {
      process.env.PATH = path;
      for (const ns of names) {
        try {
          execFileSync("ip", ["netns", "del", ns]);
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it("adds each namespace's rules in one command, all namespaces concurrently, and removes them the same way", async () => {
      writeFileSync(log, "");
      process.env.PATH = `${dir}:${path}`;
      let outcomes;
      try {
        outcomes = await addRules(batches());
      } finally {
        process.env.PATH = path;
      }
      expect(failures(outcomes, names)).toBe("");
      for (const ns of names) expect(rules(ns)).toHaveLength(2);
      const lines = readFileSync(log, "utf8").trim().split("\n");
      const starts = lines.filter((l) => l.startsWith("start")).map((l) => Number(l.split(" ")[1]));
      const ends = lines.filter((l) => l.startsWith("end")).map((l) => Number(l.split(" ")[1]));
      // One command per namespace (not one per rule) ...
      expect(starts).toHaveLength(names.length);
      expect(lines.filter((l) => l.includes("iptables-restore -w --noflush"))).toHaveLength(names.length);
      // ... all started before any ended (concurrent, not one namespace after another).
      expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));

      // A rule already gone (its batch fails as a whole) still lets the others be removed.
      execFileSync("ip", ["netns", "exec", names[0]!, "iptables", "-D", ...batches()[0]!.rules[0]!]);
      const removed = await deleteRules(batches());
      expect(failures(removed, names)).toBe("");
      for (const ns of names) expect(rules(ns)).toEqual([]);
    });

    it("reports a namespace whose batch fails, and adds nothing there", async () => {
      const bad = [
        ...batches(),
        { enter: ["ip", "netns", "exec", `${tag}-missing`], rules: [["INPUT", "-j", "DROP"]] },
      ];
      const outcomes = await addRules(bad);
      expect(failures(outcomes, [...names, "missing"])).toMatch(/^missing: /);
      for (const ns of names) expect(rules(ns)).toHaveLength(2);
      await deleteRules(batches());
      for (const ns of names) expect(rules(ns)).toEqual([]);
    });
  },
);
