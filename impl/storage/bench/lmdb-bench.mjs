// The LMDB side of the backend decision (impl/storage/README.md). lmdb is NOT a dependency of
// Gauntlet; to re-run: mkdir /tmp/lmdbb && cd /tmp/lmdbb && npm init -y && npm install lmdb@3 &&
// node /work/main/impl/storage/bench/lmdb-bench.mjs [dir]
// Measures durable puts (lmdb-js batches concurrent async puts into one synced transaction, its
// own group commit) at 1/16/64 concurrent writers, and reading 100,000 entries back at open.
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(join(process.cwd(), "package.json"));
const { open } = require("lmdb");
const root = process.argv[2] ?? tmpdir();
const value = Buffer.alloc(100, 0x61);
console.log(
  `lmdb-bench dir=${root} load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);

async function puts(concurrency, total) {
  const path = mkdtempSync(join(root, "lmdbb-"));
  const db = open({ path, compression: false }); // default: durable (synced) commits
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const s = performance.now();
        await db.put(`key-${i}`.padEnd(16, "-"), value);
        lat.push(performance.now() - s);
      }
    }),
  );
  const ms = performance.now() - t0;
  lat.sort((a, b) => a - b);
  await db.close();
  rmSync(path, { recursive: true, force: true });
  return {
    writers: concurrency,
    "ops/s": Math.round((total / ms) * 1000),
    "p50 ms": +lat[Math.floor(lat.length / 2)].toFixed(3),
    "p99 ms": +lat[Math.floor(lat.length * 0.99)].toFixed(3),
  };
}

async function reopen(n) {
  const path = mkdtempSync(join(root, "lmdbb-"));
  let db = open({ path, compression: false, noSync: true });
  await db.transaction(() => {
    for (let i = 0; i < n; i++) db.put(`key-${i}`.padEnd(16, "-"), value);
  });
  await db.close();
  const t0 = performance.now();
  db = open({ path, compression: false });
  let count = 0;
  for (const { value: v } of db.getRange()) count += v.length > 0 ? 1 : 0;
  const ms = performance.now() - t0;
  await db.close();
  rmSync(path, { recursive: true, force: true });
  return { entries: count, "open + read all ms": Math.round(ms) };
}

const rows = [];
for (const c of [1, 16, 64]) rows.push(await puts(c, 4000));
console.table(rows);
console.table([await reopen(100_000)]);
