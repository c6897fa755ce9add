/**
 * The recovery guarantee as a property. Every record these logs hold was synced (each append
 * awaited its fdatasync), so any single-byte corruption or any truncation of the written bytes
 * fails the open with CorruptRecordError naming the damaged record's file and offset, changing
 * nothing (a byte of a segment's format header: ForeignDataDirError); with `repair`, exactly the
 * records before the damage come back. Bytes appended after the synced mark — the prefix of a
 * write that was never synced, as a kill -9 leaves — are cut at any length, and exactly the
 * synced records come back. Never a silent skip, never a changed record.
 */
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Wal } from "../../../impl/storage/wal.js";
import { CorruptRecordError, ForeignDataDirError } from "../../../impl/storage/errors.js";
import { SEGMENT_HEADER_BYTES } from "../../../impl/storage/wal-format.js";
import { scanSegment } from "../../../impl/storage/scan.js";
import { RecordType, readEntry } from "../../../impl/storage/record.js";
import { dec, enc, removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

interface Written {
  dir: string;
  files: string[];
  /** Per file: each record's start offset and, for entries, its value. */
  records: { offset: number; end: number; value: string | undefined }[][];
}

async function writeWal(values: string[], segmentBytes: number): Promise<Written> {
  const dir = tempDir();
  const { wal } = await Wal.open({ dir, segmentBytes, metadata: enc("m") });
  // Appends in small concurrent groups, so batches of several records occur.
  for (let i = 0; i < values.length; i += 3)
    await Promise.all(values.slice(i, i + 3).map((v) => wal.appendData(enc(v))));
  const files = wal.segmentFiles();
  await wal.close();
  const records = files.map((f) => {
    const buf = readFileSync(f);
    const s = scanSegment(buf, SEGMENT_HEADER_BYTES);
    return s.records.map((r) => ({
      offset: r.offset,
      end: r.offset + 9 + r.payload.length,
      value: r.type === RecordType.Entry ? dec(readEntry(r.payload).data) : undefined,
    }));
  });
  return { dir, files, records };
}

const valuesArb = fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 40 });

/** Every file of `dir` with its bytes, to see that a refused open changed nothing. */
function contents(dir: string): string {
  return readdirSync(dir)
    .sort()
    .map((n) => `${n}:${readFileSync(join(dir, n)).toString("hex")}`)
    .join("\n");
}

async function openOutcome(dir: string, repair = false) {
  return Wal.open({ dir, repair }).then(
    async ({ wal, replay }) => {
      await wal.close();
      return {
        ok: true as const,
        values: replay.entries.map((e) => dec(e.data)),
        tail: replay.truncatedTail,
      };
    },
    (err: unknown) => ({ ok: false as const, err }),
  );
}

describe("WAL recovery under arbitrary damage", () => {
  it("a flipped byte anywhere: CorruptRecordError at that record, nothing changed; with repair, the records before it", async () => {
    await fc.assert(
      fc.asyncProperty(
        valuesArb,
        fc.integer({ min: 80, max: 400 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (values, segmentBytes, fileSeed, offSeed, xor) => {
          const w = await writeWal(values, segmentBytes);
          const fi = fileSeed % w.files.length;
          const file = w.files[fi]!;
          const buf = readFileSync(file);
          const at = offSeed % buf.length;
          buf[at] = buf[at]! ^ xor;
          writeFileSync(file, buf);
          const before = contents(w.dir);
          const out = await openOutcome(w.dir);
          expect(out.ok).toBe(false);
          if (out.ok) return;
          expect(contents(w.dir)).toBe(before);
          if (at < SEGMENT_HEADER_BYTES) {
            expect(out.err).toBeInstanceOf(ForeignDataDirError);
            return;
          }
          const recs = w.records[fi]!;
          const rec = recs.find((r) => r.offset <= at && at < r.end)!;
          expect(out.err).toBeInstanceOf(CorruptRecordError);
          expect((out.err as CorruptRecordError).file).toBe(file);
          expect((out.err as CorruptRecordError).offset).toBe(rec.offset);
          const repaired = await openOutcome(w.dir, true);
          expect(repaired.ok).toBe(true);
          if (!repaired.ok) return;
          const kept = w.records
            .slice(0, fi)
            .flat()
            .concat(recs.filter((r) => r.end <= rec.offset))
            .filter((r) => r.value !== undefined).length;
          // Segment heads repeat no entries, so the entries kept are a prefix of the values.
          expect(repaired.values).toEqual(values.slice(0, kept));
          rmSync(w.dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("the last segment cut at any length below its end: CorruptRecordError, nothing changed; with repair, the records wholly before the cut", async () => {
    await fc.assert(
      fc.asyncProperty(
        valuesArb,
        fc.integer({ min: 80, max: 400 }),
        fc.nat(),
        async (values, segmentBytes, cutSeed) => {
          const w = await writeWal(values, segmentBytes);
          const li = w.files.length - 1;
          const file = w.files[li]!;
          const buf = readFileSync(file);
          const cut = SEGMENT_HEADER_BYTES + (cutSeed % (buf.length - SEGMENT_HEADER_BYTES));
          writeFileSync(file, buf.subarray(0, cut));
          const before = contents(w.dir);
          const out = await openOutcome(w.dir);
          expect(out.ok).toBe(false);
          if (out.ok) return;
          expect(out.err).toBeInstanceOf(CorruptRecordError);
          expect((out.err as CorruptRecordError).file).toBe(file);
          expect(contents(w.dir)).toBe(before);
          const lost = w.records[li]!.filter((r) => r.end > cut && r.value !== undefined).length;
          const repaired = await openOutcome(w.dir, true);
          expect(repaired.ok).toBe(true);
          if (!repaired.ok) return;
          expect(repaired.values).toEqual(values.slice(0, values.length - lost));
          rmSync(w.dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a prefix of a write that was never synced, of any length, is cut as a torn tail: exactly the synced records come back", async () => {
    await fc.assert(
      fc.asyncProperty(
        valuesArb,
        fc.string({ minLength: 1, maxLength: 200 }),
        fc.integer({ min: 80, max: 400 }),
        fc.nat(),
        async (values, extra, segmentBytes, cutSeed) => {
          // The same log with one more append: its last record is the write a kill -9 tore.
          const w = await writeWal([...values, extra], segmentBytes);
          const li = w.files.length - 1;
          const file = w.files[li]!;
          const recs = w.records[li]!;
          const last = recs[recs.length - 1]!;
          const short = await writeWal(values, segmentBytes);
          if (short.files.length !== w.files.length) return; // the extra append started a segment
          const buf = readFileSync(file);
          const cut = last.offset + 1 + (cutSeed % (last.end - last.offset - 1));
          // The short log's mark, the long log's bytes up to inside the unsynced record.
          writeFileSync(join(w.dir, "synced"), readFileSync(join(short.dir, "synced")));
          writeFileSync(file, buf.subarray(0, cut));
          const out = await openOutcome(w.dir);
          expect(out.ok).toBe(true);
          if (!out.ok) return;
          expect(out.values).toEqual(values);
          expect(out.tail).toEqual({ file, offset: last.offset, bytes: cut - last.offset });
          rmSync(w.dir, { recursive: true, force: true });
          rmSync(short.dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 40 },
    );
  });
});
