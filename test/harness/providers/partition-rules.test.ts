/**
 * A partition's rules go in together (harness/providers/partition-rules.ts): one
 * iptables-restore transaction per namespace, all namespaces at once. The root tests use three
 * network namespaces of their own and watch the commands through a logging wrapper of `ip` put
 * first on PATH (it runs the real one): rule by rule, one namespace after the other — the bug
 * that let a cut-off leader stall all its clients in reads before its followers stopped getting
 * its writes — shows as more commands than namespaces, and as a first command left waiting
 * alone for the others.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
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
      // Logs each call, then waits (up to 5 s) until as many calls as namespaces have started
      // before running the real `ip`: calls made together all pass at once; calls made one
      // after another leave the first waiting alone, which it logs.
      writeFileSync(
        join(dir, "ip"),
        [
          "#!/bin/sh",
          `echo "start $*" >> ${log}`,
          "i=0",
          `while [ "$(grep -c '^start' ${log})" -lt ${names.length} ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done`,
          `[ $i -ge 100 ] && echo "alone $*" >> ${log}`,
          `exec ${realIp} "$@"`,
          "",
        ].join("\n"),
      );
      chmodSync(join(dir, "ip"), 0o755);
    });
    // A failed test leaves no rules to the next.
    afterEach(() => {
      for (const ns of names) execFileSync("ip", ["netns", "exec", ns, "iptables", "-F", "INPUT"]);
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
      // One command per namespace (not one per rule), all running at once (none waited alone
      // for the others, as the first of calls made one after another would).
      expect(lines.filter((l) => l.startsWith("start"))).toHaveLength(names.length);
      expect(
        lines.filter((l) => l.startsWith("start") && l.includes("iptables-restore -w --noflush")),
      ).toHaveLength(names.length);
      expect(lines.filter((l) => l.startsWith("alone"))).toEqual([]);

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
