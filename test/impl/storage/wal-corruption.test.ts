/**
 * The recovery guarantee as a property: after any single-byte corruption or any truncation of
 * a WAL, open either returns exactly the records before the damage (only when the damage is in
 * the last record of the last segment: a torn tail) or fails with CorruptRecordError naming
 * the damaged record's file and offset. Never a silent skip, never a changed record.
 */
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { Wal } from "../../../impl/storage/wal.js";
import { CorruptRecordError } from "../../../impl/storage/errors.js";
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
    const s = scanSegment(buf, f, false);
    return s.records.map((r) => ({
      offset: r.offset,
      end: r.offset + 9 + r.payload.length,
      value: r.type === RecordType.Entry ? dec(readEntry(r.payload).data) : undefined,
    }));
  });
  return { dir, files, records };
}

const valuesArb = fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 40 });

async function openOutcome(dir: string) {
  return Wal.open({ dir }).then(
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
  it("a flipped byte anywhere: torn-tail cut only in the very last record, else CorruptRecordError at that record", async () => {
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
          const recs = w.records[fi]!;
          const ri = recs.findIndex((r) => r.offset <= at && at < r.end);
          const rec = recs[ri]!;
          const isLastRecord = fi === w.files.length - 1 && ri === recs.length - 1;
          const out = await openOutcome(w.dir);
          if (isLastRecord) {
            expect(out.ok).toBe(true);
            if (!out.ok) return;
            expect(out.tail?.offset).toBe(rec.offset);
            const expected = rec.value === undefined ? values : values.slice(0, -1);
            expect(out.values).toEqual(expected);
          } else {
            expect(out.ok).toBe(false);
            if (out.ok) return;
            expect(out.err).toBeInstanceOf(CorruptRecordError);
            expect((out.err as CorruptRecordError).file).toBe(file);
            expect((out.err as CorruptRecordError).offset).toBe(rec.offset);
          }
          rmSync(w.dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("the last segment cut at any length: exactly the records wholly before the cut come back", async () => {
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
          const cut = cutSeed % (buf.length + 1);
          writeFileSync(file, buf.subarray(0, cut));
          const lost = w.records[li]!.filter((r) => r.end > cut && r.value !== undefined).length;
          const out = await openOutcome(w.dir);
          expect(out.ok).toBe(true);
          if (!out.ok) return;
          expect(out.values).toEqual(values.slice(0, values.length - lost));
          const cutsRecord = w.records[li]!.some((r) => r.offset < cut && cut < r.end);
          expect(out.tail !== undefined).toBe(cutsRecord);
          expect(readdirSync(w.dir).length).toBe(w.files.length);
          rmSync(w.dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 60 },
    );
  });
});
