import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readHistoryFile, readHistoryText, type Operation } from "../../../checkers/history/index.js";
import { check, type CheckResult } from "../../../checkers/linearizable/index.js";
import { renderHtmlReport } from "../../../checkers/report/html.js";
import { chromium as chromiumCap } from "../../support/env.js";

const samples = new URL("../../../../shared/data/histories/", import.meta.url).pathname;

async function checked(path: string, model: string): Promise<{ history: Operation[]; result: CheckResult }> {
  const { operations } = await readHistoryFile(join(samples, path));
  return { history: operations, result: check(operations, { model }) };
}

describe("renderHtmlReport (the page as text)", () => {
  it("draws every operation of a failing key, numbers the prefix and marks one op that cannot be placed", async () => {
    const { history, result } = await checked("jepsen-etcd/etcd_000.log", "cas-register");
    expect(result.valid).toBe(false);
    const html = renderHtmlReport({ title: "etcd_000.log", result, history });
    const cx = result.partitions[0]!.counterexample!;
    expect(html.match(/<div class="op [^"]*"/g)).toHaveLength(result.operations.length);
    expect(html.match(/class="op [^"]*first-bad/g)).toHaveLength(1);
    expect(html.match(/<span class="num">\d+<\/span>/g)).toHaveLength(cx.prefix.length);
    const processes = new Set(result.operations.map((o) => o.process));
    expect(html.match(/<div class="lane"/g)).toHaveLength(processes.size);
    expect(html).not.toMatch(/<(link|img|script) [^>]*(src|href)=/);
  });

  it("escapes keys and values (no markup from the history reaches the page)", async () => {
    const text = [
      { process: 0, type: "invoke", f: "put", key: "<b>k</b>", value: "</script><script>alert(1)</script>" },
      { process: 0, type: "ok", f: "put", key: "<b>k</b>", value: "</script><script>alert(1)</script>" },
      { process: 1, type: "invoke", f: "get", key: "<b>k</b>", value: null },
      { process: 1, type: "ok", f: "get", key: "<b>k</b>", value: "other" },
    ]
      .map((o) => JSON.stringify(o))
      .join("\n");
    const { operations } = await readHistoryText(text);
    const result = check(operations, { model: "kv" });
    expect(result.valid).toBe(false);
    const html = renderHtmlReport({ title: "<i>t</i>", result, history: operations });
    expect(html).not.toContain("<b>k</b>");
    expect(html).not.toContain("<i>t</i>");
    expect(html).not.toContain("</script><script>alert");
  });

  it("draws a valid history without a linearization", async () => {
    const { history, result } = await checked("kv/c01-ok.txt", "kv");
    const html = renderHtmlReport({ title: "c01-ok", result, history });
    expect(html).toContain('id="verdict">linearizable<');
    expect(html).not.toMatch(/class="op [^"]*first-bad/);
    expect(html.match(/<section class="partition/g)).toHaveLength(result.keys);
  });
});

describe.skipIf(!chromiumCap.ok)(`the HTML report in a headless browser (${chromiumCap.why})`, () => {
  const dir = mkdtempSync(join(tmpdir(), "gauntlet-html-"));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let browser: any;
  beforeAll(async () => {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows lanes, bars, the highlighted op, hover details and the jump button, with no network", async () => {
    const { history, result } = await checked("kv/c10-bad.txt", "kv");
    const file = join(dir, "c10-bad.html");
    writeFileSync(file, renderHtmlReport({ title: "c10-bad.txt", result, history }));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r: { url(): string }) => requests.push(r.url()));
    page.on("pageerror", (e: Error) => errors.push(e.message));
    await page.goto(`file://${file}`);

    const failing = result.partitions.filter((p) => p.valid === false);
    expect(await page.locator('.partition[data-valid="false"]').count()).toBe(failing.length);
    const first = page.locator(".partition").first();
    const p0 = failing[0]!;
    const lanes = new Set(p0.ops.map((id) => result.operations[id]!.process));
    expect(await first.locator(".lane").count()).toBe(lanes.size);
    expect(await first.locator(".op").count()).toBeGreaterThanOrEqual(p0.ops.length);
    expect(await first.locator(".op .num").count()).toBe(p0.counterexample!.prefix.length);
    expect(await page.locator(".partition .op.first-bad").count()).toBe(failing.length);
    const bad = first.locator(".op.first-bad");
    expect(await bad.isVisible()).toBe(true);

    await page.click("#jump");
    await bad.hover();
    const tip = page.locator("#tip");
    await tip.waitFor({ state: "visible" });
    const text = await tip.innerText();
    expect(text).toContain("cannot be placed");
    expect(text).toContain(`on key "${p0.key}"`);
    expect(text).toContain("state there");

    const placed = first.locator(".op.linearized").first();
    await placed.hover();
    expect(await tip.innerText()).toMatch(/linearized: step \d+\nstate after: /);

    const shot = join(tmpdir(), "gauntlet-html-report.png");
    await bad.hover();
    await page.screenshot({ path: shot });
    console.log(`screenshot of the HTML report: ${shot}`);
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
    await page.close();
  });
});
