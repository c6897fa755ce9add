import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BALLAST, fillDir } from "../../../harness/providers/local/disk.js";

// Regression: a disk nemesis once wrote a 74 GB ballast on the real disk because the member's
// data directory was not (or no longer) a tmpfs mount. fill must refuse such a directory.
const dir = mkdtempSync(join(tmpdir(), "gauntlet-disk-guard-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("disk fill guard", () => {
  it("refuses to fill a directory that is not a tmpfs mount point, and writes nothing", () => {
    expect(() => fillDir(dir)).toThrow(/is not a tmpfs mount point: refusing to fill it/);
    expect(existsSync(join(dir, BALLAST))).toBe(false);
  });
});
