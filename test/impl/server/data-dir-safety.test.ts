/**
 * The server never damages a data directory: one made by real etcd, or holding files it does
 * not know, is refused and left byte-for-byte as it was; damage to acknowledged WAL records
 * (zeros over the last 4 KiB, one bit flipped in the last synced record) makes it refuse to
 * start, naming file and offset, with the files untouched, until --force-truncate-wal; a torn
 * tail (the prefix of a write that was never synced) is cut and the server starts with every
 * acknowledged write; a restart right after kill -9 is not refused for the dead process's lock,
 * while a second live server on the same dir is. The server runs as a single node (a one-voter
 * Raft member).
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { connect } from "./grpc-client.js";
import {
  etcdFlags,
  etcdctl,
  freePort,
  removeDir,
  removePrivateBuild,
  serverMain,
  startServer,
  tempDir,
  type Proc,
} from "./support.js";
import { etcd as etcdCap, etcdctl as etcdctlCap } from "../../support/env.js";
import { scanSegment } from "../../../impl/storage/scan.js";
import { SEGMENT_HEADER_BYTES } from "../../../impl/storage/wal-format.js";
import { decodeSyncedMark } from "../../../impl/storage/synced.js";

const root = tempDir("gauntlet-datadir-safety-");
const procs: Proc[] = [];
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop("SIGKILL")));
  removeDir(root);
  removePrivateBuild();
});

/**
 * Every file and directory under `dir`: path, type, size, mode, sha256 — and the listing itself.
 * `skip` leaves out paths (the lock file, which a refused open of its own data dir takes over
 * from the dead owner and then releases).
 */
function digest(dir: string, skip: string[] = []): string {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      const rel = relative(dir, p);
      if (skip.includes(rel)) continue;
      if (st.isDirectory()) {
        out.push(`${rel}/ ${st.mode.toString(8)}`);
        walk(p);
      } else
        out.push(
          `${rel} ${st.size} ${st.mode.toString(8)} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`,
        );
    }
  };
  walk(dir);
  return out.join("\n");
}

/** Runs the server on `dataDir` expecting it to refuse to start; returns its exit code and output. */
async function refusal(
  dataDir: string,
  env: Record<string, string>,
  extra: string[] = [],
): Promise<{ code: number | null; out: string }> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const args = [...etcdFlags({ name: "n1", dataDir, clientPort, peerPort }), ...extra];
  const proc = spawn(process.execPath, [await serverMain(), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const code = await new Promise<number | null>((resolve) => proc.once("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, out };
}

async function start(dataDir: string, extra: string[] = []): Promise<Proc> {
  const p = await startServer({ kind: "gauntlet", dataDir, extra });
  procs.push(p);
  return p;
}

describe.skipIf(!etcdCap.ok || !etcdctlCap.ok)(
  `a data dir made by etcd (${etcdCap.why || etcdctlCap.why})`,
  () => {
    it("is refused, naming the dir and what was found, and left byte-for-byte unchanged", async () => {
      const dataDir = join(root, "etcd-made");
      const e = await startServer({ kind: "etcd", dataDir });
      procs.push(e);
      for (let i = 0; i < 5; i++) expect((await etcdctl(e.endpoint, ["put", `k${i}`, `v${i}`])).code).toBe(0);
      await e.stop();
      const before = digest(dataDir);
      expect(before).toMatch(/member\/snap\/db /);
      expect(before).toMatch(/member\/wal\/0000000000000000-0000000000000000\.wal /);
      {
        const r = await refusal(dataDir, {});
        expect(r.code).toBe(1);
        expect(r.out).toContain(`refusing to use data dir ${dataDir}`);
        expect(r.out).toContain("member/snap/db: etcd's bbolt backend");
        expect(r.out).toContain("not a WAL segment of this server");
        expect(r.out).toContain("Nothing in it was changed");
        expect(digest(dataDir)).toBe(before);
      }
    }, 60_000);
  },
);

describe.skipIf(!etcdctlCap.ok)(
  `data dir and WAL safety (${etcdctlCap.why}; etcdctl probes readiness)`,
  () => {
    it("refuses a non-empty dir holding files it does not know, changing nothing", async () => {
      const dataDir = join(root, "unknown");
      mkdirSync(join(dataDir, "member", "wal"), { recursive: true });
      writeFileSync(join(dataDir, "notes.txt"), "mine");
      writeFileSync(join(dataDir, "member", "wal", "0.tmp"), Buffer.alloc(100));
      const before = digest(dataDir);
      const r = await refusal(dataDir, {});
      expect(r.code).toBe(1);
      expect(r.out).toContain("notes.txt: unknown file");
      expect(r.out).toContain("member/wal/0.tmp: unknown file");
      expect(digest(dataDir)).toBe(before);
    }, 30_000);

    it("refuses damage to acknowledged WAL records until --force-truncate-wal; cuts a torn tail and keeps every acknowledged write", async () => {
      const base = join(root, "written");
      const first = await start(base);
      const c = connect(first.endpoint);
      const keys = Array.from({ length: 300 }, (_, i) => `key-${String(i).padStart(3, "0")}`);
      for (const k of keys) await c.kv("Put", { key: Buffer.from(k), value: Buffer.from(`value of ${k}`) });
      c.close();
      await first.stop("SIGKILL");

      const walDir = (d: string): string => join(d, "member", "wal");
      const lastSegment = (d: string): string =>
        join(
          walDir(d),
          readdirSync(walDir(d))
            .filter((n) => n.endsWith(".wal"))
            .sort()
            .pop()!,
        );
      const damages: { name: string; damage: (file: string, dir: string) => void }[] = [
        {
          name: "zeros over the last 4 KiB",
          damage: (file) => {
            const buf = readFileSync(file);
            buf.fill(0, buf.length - 4096);
            writeFileSync(file, buf);
          },
        },
        {
          name: "one bit flipped in the last synced record",
          damage: (file, dir) => {
            const buf = readFileSync(file);
            const mark = decodeSyncedMark(readFileSync(join(walDir(dir), "synced")));
            if (typeof mark === "string") throw new Error(mark);
            const synced = scanSegment(buf, SEGMENT_HEADER_BYTES).records.filter(
              (r) => r.offset + 9 + r.payload.length <= mark.offset,
            );
            const last = synced[synced.length - 1]!;
            buf[last.offset + 9 + Math.floor(last.payload.length / 2)] ^= 0x01;
            writeFileSync(file, buf);
          },
        },
      ];
      for (const { name, damage } of damages) {
        const dir = join(root, name.replace(/\W+/g, "-"));
        cpSync(base, dir, { recursive: true });
        const file = lastSegment(dir);
        damage(file, dir);
        const before = digest(dir, ["member/lock"]);
        const r = await refusal(dir, {});
        expect(r.code, name).toBe(1);
        expect(r.out, name).toMatch(new RegExp(`corrupt WAL record in ${file} at byte offset \\d+`));
        expect(r.out, name).toMatch(/last intact entry before it is index \d+/);
        expect(r.out, name).toContain("--force-truncate-wal");
        expect(digest(dir, ["member/lock"]), name).toBe(before);
        const repaired = await start(dir, ["--force-truncate-wal"]);
        expect(repaired.logs()).toMatch(/cut the log at damaged acknowledged records/);
        const c2 = connect(repaired.endpoint);
        const got = await c2.kv("Range", { key: Buffer.from(keys[0]!) });
        expect((got.kvs as unknown[]).length).toBe(1);
        c2.close();
        await repaired.stop("SIGKILL");
      }

      // A torn tail: the first half of a record appended past the synced end, as a kill -9 in
      // the middle of a write leaves it.
      const torn = join(root, "torn");
      cpSync(base, torn, { recursive: true });
      const file = lastSegment(torn);
      const buf = readFileSync(file);
      const recs = scanSegment(buf, SEGMENT_HEADER_BYTES).records;
      const rec = recs[recs.length - 1]!;
      writeFileSync(
        file,
        Buffer.concat([buf, buf.subarray(rec.offset, rec.offset + 9 + rec.payload.length - 5)]),
      );
      const restarted = await start(torn);
      expect(restarted.logs()).toMatch(/cut off a torn tail/);
      const c3 = connect(restarted.endpoint);
      const all = await c3.kv("Range", { key: Buffer.from("key-"), rangeEnd: Buffer.from("key."), limit: 0 });
      expect((all.kvs as { key: Buffer }[]).map((kv) => kv.key.toString())).toEqual(keys);
      c3.close();
      await restarted.stop("SIGKILL");
    }, 120_000);

    it("restarts at once right after kill -9 (5 cycles), and refuses a second live server on the same dir", async () => {
      const dataDir = join(root, "kill9");
      let s = await start(dataDir);
      const live = await refusal(dataDir, {});
      expect(live.code).toBe(1);
      expect(live.out).toMatch(/in use by process \d+/);
      for (let i = 0; i < 5; i++) {
        const c = connect(s.endpoint);
        await c.kv("Put", { key: Buffer.from(`cycle-${i}`), value: Buffer.from(String(i)) });
        c.close();
        s.proc.kill("SIGKILL"); // and start again without waiting for it to be reaped
        s = await startServer({ kind: "gauntlet", dataDir });
        procs.push(s);
        const c2 = connect(s.endpoint);
        const got = await c2.kv("Range", { key: Buffer.from(`cycle-${i}`) });
        expect((got.kvs as unknown[]).length).toBe(1);
        c2.close();
      }
    }, 120_000);
  },
);
