import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  existsSync,
  readFileSync,
  readdirSync,
  truncateSync,
  writeFileSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { join } from "node:path";
import { Wal } from "../../../impl/storage/wal.js";
import {
  CorruptRecordError,
  ForeignDataDirError,
  WalClosedError,
  WalInconsistentError,
} from "../../../impl/storage/errors.js";
import { HEADER_BYTES } from "../../../impl/storage/record.js";
import { SEGMENT_HEADER_BYTES } from "../../../impl/storage/wal-format.js";
import { SYNCED_FILE } from "../../../impl/storage/synced.js";
import { dec, enc, recordingLogger, removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

const META = enc("meta");
const metaBytes = SEGMENT_HEADER_BYTES + HEADER_BYTES + META.length;
const entryBytes = (data: Uint8Array): number => HEADER_BYTES + 17 + data.length;

/** Writes `n` entries "v1".."vn" one by one and closes the log; returns the segment path. */
async function writeLog(dir: string, n: number): Promise<string> {
  const { wal } = await Wal.open({ dir, metadata: META });
  for (let i = 1; i <= n; i++) expect(await wal.appendData(enc(`v${i}`))).toBe(i);
  const [file] = wal.segmentFiles();
  await wal.close();
  return file!;
}

/** Byte offset of entry `i` (1-based) in a single-segment log written by writeLog. */
function offsetOf(i: number): number {
  let at = metaBytes;
  for (let k = 1; k < i; k++) at += entryBytes(enc(`v${k}`));
  return at;
}

describe("Wal append and replay", () => {
  it("replays what was appended, with metadata, and continues the index after reopening", async () => {
    const dir = tempDir();
    await writeLog(dir, 5);
    const { wal, replay } = await Wal.open({ dir, metadata: enc("other") });
    expect(dec(replay.metadata)).toBe("meta");
    expect(replay.entries.map((e) => [e.index, dec(e.data)])).toEqual(
      [1, 2, 3, 4, 5].map((i) => [i, `v${i}`]),
    );
    expect(replay.truncatedTail).toBeUndefined();
    expect(await wal.appendData(enc("v6"))).toBe(6);
    await wal.close();
    await expect(wal.appendData(enc("x"))).rejects.toBeInstanceOf(WalClosedError);
  });

  it("group commit: 64 concurrent appends share far fewer fsyncs, resolve in index order", async () => {
    const dir = tempDir();
    const { wal } = await Wal.open({ dir });
    const order: number[] = [];
    const all = Array.from({ length: 64 }, (_, i) =>
      wal.appendData(enc(`c${i}`)).then((idx) => (order.push(idx), idx)),
    );
    const indexes = await Promise.all(all);
    expect(indexes).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    expect(order).toEqual(indexes);
    const s = wal.stats();
    expect(s.records).toBe(64);
    expect(s.syncs).toBeLessThan(8);
    await wal.close();
    const { wal: again, replay } = await Wal.open({ dir });
    expect(replay.entries.map((e) => dec(e.data))).toEqual(Array.from({ length: 64 }, (_, i) => `c${i}`));
    await again.close();
  });

  it("Raft use: entries and hard state, overwrite of a suffix, snapshot marker bridging a gap", async () => {
    const dir = tempDir();
    const { wal } = await Wal.open({ dir });
    const e = (index: number, term: number) => ({ index, term, type: 0, data: enc(`${index}@${term}`) });
    await wal.save([e(1, 1), e(2, 1), e(3, 1), e(4, 1)], { term: 1, vote: 2, commit: 2 });
    await wal.save([e(3, 2), e(4, 2)], { term: 2, vote: 3, commit: 3 }); // overwrite 3..4
    await wal.save([e(5, 2)]);
    await expect(wal.save([e(9, 2)])).rejects.toThrow(/gap/);
    await wal.close();
    let r = await Wal.open({ dir });
    expect(r.replay.entries.map((x) => dec(x.data))).toEqual(["1@1", "2@1", "3@2", "4@2", "5@2"]);
    expect(r.replay.hardState).toEqual({ term: 2, vote: 3, commit: 3 });
    // A follower installs a snapshot at 20 and continues from 21.
    await r.wal.saveSnapshotMarker({ index: 20, term: 3 });
    await r.wal.save([e(21, 3)]);
    await r.wal.save([e(2, 4)]); // overwrite below everything: the log is just entry 2 again
    await r.wal.close();
    r = await Wal.open({ dir });
    expect(r.replay.snapshot).toEqual({ index: 20, term: 3 });
    expect(r.replay.entries.map((x) => dec(x.data))).toEqual(["2@4"]);
    await r.wal.close();
  });

  it("a save with sync: false is written without an fsync, and made durable by the next synced batch", async () => {
    const dir = tempDir();
    const { wal } = await Wal.open({ dir });
    await wal.save([{ index: 1, term: 1, type: 0, data: enc("a") }], { term: 1, vote: 1, commit: 0 });
    const synced = wal.stats().syncs;
    await wal.save([], { term: 1, vote: 1, commit: 1 }, { sync: false });
    expect(wal.stats().syncs).toBe(synced);
    await wal.save([{ index: 2, term: 1, type: 0, data: enc("b") }]);
    expect(wal.stats().syncs).toBe(synced + 1);
    await wal.close();
    const { wal: again, replay } = await Wal.open({ dir });
    expect(replay.hardState).toEqual({ term: 1, vote: 1, commit: 1 });
    expect(replay.entries.map((e) => dec(e.data))).toEqual(["a", "b"]);
    await again.close();
  });

  it("replayFrom returns the same entries as a full replay from that index on, after any overwrites", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ back: fc.nat({ max: 4 }), n: fc.integer({ min: 1, max: 4 }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.nat({ max: 30 }),
        async (steps, from) => {
          const dir = tempDir();
          const { wal } = await Wal.open({ dir, segmentBytes: 150 });
          let term = 1;
          for (const { back, n } of steps) {
            term++;
            const start = Math.max(1, wal.lastIndex + 1 - back);
            await wal.save(
              Array.from({ length: n }, (_, k) => ({
                index: start + k,
                term,
                type: 0,
                data: enc(`${start + k}@${term}`),
              })),
            );
          }
          const last = wal.lastIndex;
          await wal.close();
          const full = await Wal.open({ dir });
          await full.wal.close();
          const part = await Wal.open({ dir, replayFrom: from });
          expect(part.wal.lastIndex).toBe(last);
          await part.wal.close();
          const show = (es: { index: number; data: Uint8Array }[]) =>
            es.map((e) => `${e.index}:${dec(e.data)}`);
          expect(show(part.replay.entries)).toEqual(show(full.replay.entries.filter((e) => e.index >= from)));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("rolls over at the segment size, repeats the head in each segment, releases covered segments", async () => {
    const dir = tempDir();
    const log = recordingLogger();
    const { wal } = await Wal.open({ dir, metadata: META, segmentBytes: 300, logger: log });
    for (let i = 1; i <= 40; i++) await wal.appendData(enc(`value-${i}`));
    await wal.save([], { term: 1, vote: 1, commit: 40 });
    const files = wal.segmentFiles();
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(statSync(f).size).toBeLessThan(300 + 100);
    await wal.saveSnapshotMarker({ index: 30, term: 1 });
    const before = wal.segmentFiles().length; // the marker may have started a segment
    const released = await wal.releaseTo(30);
    expect(released).toBeGreaterThan(0);
    expect(readdirSync(dir).filter((n) => n.endsWith(".wal")).length).toBe(before - released);
    await wal.close();
    const { wal: again, replay } = await Wal.open({ dir });
    expect(dec(replay.metadata)).toBe("meta");
    expect(replay.hardState).toEqual({ term: 1, vote: 1, commit: 40 });
    // Everything above the snapshot is still there, contiguous up to 40.
    const idx = replay.entries.map((e) => e.index);
    expect(idx[0]).toBeLessThanOrEqual(31);
    expect(idx[idx.length - 1]).toBe(40);
    expect(idx).toEqual(Array.from({ length: idx.length }, (_, k) => idx[0]! + k));
    expect(await again.appendData(enc("next"))).toBe(41);
    await again.close();
  });
});

describe("Wal recovery", () => {
  it("cuts a torn tail — a prefix of an append that was never synced — at any length, logs it, and appends after it", async () => {
    const dir = tempDir();
    const file = await writeLog(dir, 5);
    const synced = readFileSync(file);
    const mark = readFileSync(join(dir, SYNCED_FILE));
    // The bytes a kill -9 in the middle of writing entry 6 leaves: a prefix of its record,
    // above the synced mark (the mark is written only after the fdatasync).
    const record6 = readFileSync(await writeLog(tempDir(), 6)).subarray(offsetOf(6));
    const start6 = offsetOf(6);
    expect(start6).toBe(synced.length);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: record6.length - 1 }), async (k) => {
        writeFileSync(file, Buffer.concat([synced, record6.subarray(0, k)]));
        const log = recordingLogger();
        const { wal, replay } = await Wal.open({ dir, logger: log });
        expect(replay.entries.map((e) => dec(e.data))).toEqual(["v1", "v2", "v3", "v4", "v5"]);
        expect(replay.truncatedTail).toEqual({ file, offset: start6, bytes: k });
        expect(log.lines.some((l) => l.level === "warn" && /torn tail/.test(l.msg))).toBe(true);
        expect(statSync(file).size).toBe(start6);
        expect(await wal.appendData(enc("again"))).toBe(6);
        await wal.close();
        writeFileSync(file, synced); // back to five entries, the mark at their end
        writeFileSync(join(dir, SYNCED_FILE), mark);
        const again = await Wal.open({ dir });
        await again.wal.close();
      }),
      { numRuns: 15 },
    );
  });

  it("cuts an unsynced record with a flipped byte followed by zeros (what a power loss can leave)", async () => {
    const dir = tempDir();
    const file = await writeLog(dir, 3);
    const synced = readFileSync(file);
    const record4 = Buffer.from(readFileSync(await writeLog(tempDir(), 4)).subarray(offsetOf(4)));
    record4[HEADER_BYTES + 3] ^= 0x40;
    writeFileSync(file, Buffer.concat([synced, record4, Buffer.alloc(4096)]));
    const { wal, replay } = await Wal.open({ dir });
    expect(replay.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(replay.truncatedTail?.offset).toBe(offsetOf(4));
    await wal.close();
  });

  it("refuses damage to synced records at the end of the log — a flipped bit in the last record, zeros over the last 4 KiB, a cut — naming file, offset and entries; changes nothing; cuts with repair", async () => {
    const values = Array.from({ length: 100 }, (_, i) => `value-${i + 1}-${"x".repeat(40)}`);
    const make = async (): Promise<{ dir: string; file: string; offsets: number[] }> => {
      const dir = tempDir();
      const { wal } = await Wal.open({ dir, metadata: META });
      for (const v of values) await wal.appendData(enc(v));
      const [file] = wal.segmentFiles();
      await wal.close();
      const offsets: number[] = [];
      for (let at = metaBytes, i = 0; i < values.length; i++) {
        offsets.push(at);
        at += entryBytes(enc(values[i]!));
      }
      return { dir, file: file!, offsets };
    };
    const snapshotOf = (dir: string): string =>
      readdirSync(dir)
        .sort()
        .map((n) => `${n}:${readFileSync(join(dir, n)).toString("hex")}`)
        .join("\n");
    const cases: {
      name: string;
      damage: (buf: Buffer, offsets: number[]) => Buffer;
      offset: (o: number[], len: number) => number;
    }[] = [
      {
        name: "one bit flipped in the last record",
        damage: (buf, o) => {
          buf[o[99]! + HEADER_BYTES + 20] ^= 0x01;
          return buf;
        },
        offset: (o) => o[99]!,
      },
      {
        name: "zeros over the last 4 KiB",
        damage: (buf) => {
          buf.fill(0, buf.length - 4096);
          return buf;
        },
        offset: (o, len) => o.filter((x) => x <= len - 4096).pop()!,
      },
      {
        name: "the last 3 records cut off at a record boundary",
        damage: (buf, o) => buf.subarray(0, o[97]!),
        offset: (o) => o[97]!,
      },
    ];
    for (const c of cases) {
      const { dir, file, offsets } = await make();
      const pristineLength = statSync(file).size;
      writeFileSync(file, c.damage(readFileSync(file), offsets));
      const before = snapshotOf(dir);
      const err = await Wal.open({ dir }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, c.name).toBeInstanceOf(CorruptRecordError);
      const at = c.offset(offsets, pristineLength);
      const lastIntact = offsets.findIndex((o) => o === at); // entries before `at`
      expect((err as CorruptRecordError).file).toBe(file);
      expect((err as CorruptRecordError).offset, c.name).toBe(at);
      expect((err as Error).message).toContain(`offset ${at}`);
      expect((err as Error).message).toContain(`last intact entry before it is index ${lastIntact}`);
      expect((err as Error).message).toContain("--force-truncate-wal");
      expect(snapshotOf(dir), c.name).toBe(before);

      const log = recordingLogger();
      const { wal, replay } = await Wal.open({ dir, repair: true, logger: log });
      expect(replay.entries.map((e) => dec(e.data))).toEqual(values.slice(0, lastIntact));
      expect(log.lines.some((l) => l.level === "error" && /force-truncate-wal/.test(l.msg))).toBe(true);
      expect(existsSync(`${file}.damaged`)).toBe(true);
      expect(await wal.appendData(enc("after"))).toBe(lastIntact + 1);
      await wal.close();
      const reopened = await Wal.open({ dir });
      expect(reopened.replay.entries.length).toBe(lastIntact + 1);
      await reopened.wal.close();
    }
  });

  it("refuses a log whose synced mark is missing, and opens it with repair", async () => {
    const dir = tempDir();
    await writeLog(dir, 3);
    unlinkSync(join(dir, SYNCED_FILE));
    await expect(Wal.open({ dir })).rejects.toThrow(/synced.*cannot be read/);
    expect(existsSync(join(dir, SYNCED_FILE))).toBe(false);
    const { wal, replay } = await Wal.open({ dir, repair: true });
    expect(replay.entries.length).toBe(3);
    await wal.close();
    const again = await Wal.open({ dir });
    expect(again.replay.entries.length).toBe(3);
    await again.wal.close();
  });

  it("refuses segments that are not its own — another program's, or an earlier version's — and changes nothing", async () => {
    const dir = tempDir();
    const file = await writeLog(dir, 3);
    const ours = readFileSync(file);
    for (const [content, why] of [
      [
        Buffer.concat([Buffer.from("0000000004000000", "hex"), Buffer.alloc(60, 7)]),
        /not a WAL segment of this server/,
      ],
      [ours.subarray(SEGMENT_HEADER_BYTES), /earlier version/],
    ] as const) {
      writeFileSync(file, content);
      await expect(Wal.open({ dir })).rejects.toThrow(ForeignDataDirError);
      await expect(Wal.open({ dir })).rejects.toThrow(why);
      expect(readFileSync(file).equals(content)).toBe(true);
    }
  });

  it("stops with CorruptRecordError naming the file and offset for a bad record in the middle", async () => {
    const dir = tempDir();
    const file = await writeLog(dir, 8);
    const pristine = readFileSync(file);
    // Flip a byte in record 3's length, type, checksum and payload in turn: all must be caught.
    for (const delta of [0, 4, 6, HEADER_BYTES + 1, entryBytes(enc("v3")) - 1]) {
      const buf = Buffer.from(pristine);
      const at = offsetOf(3);
      buf[at + delta] ^= 0x01;
      writeFileSync(file, buf);
      const err = await Wal.open({ dir }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CorruptRecordError);
      const c = err as CorruptRecordError;
      expect(c.file).toBe(file);
      expect(c.offset).toBe(at);
      expect(c.message).toContain(file);
      expect(c.message).toContain(`offset ${at}`);
      // Nothing was cut: the file is left as it was for inspection.
      expect(readFileSync(file).equals(buf)).toBe(true);
    }
  });

  it("treats a bad record in a segment that is not the last as corruption, even at its end", async () => {
    const dir = tempDir();
    const { wal } = await Wal.open({ dir, segmentBytes: 200 });
    for (let i = 1; i <= 30; i++) await wal.appendData(enc(`value-${i}`));
    const files = wal.segmentFiles();
    await wal.close();
    expect(files.length).toBeGreaterThan(2);
    const first = files[0]!;
    truncateSync(first, statSync(first).size - 3);
    await expect(Wal.open({ dir })).rejects.toThrow(CorruptRecordError);
    await expect(Wal.open({ dir })).rejects.toThrow(first);
  });

  it("stops with WalInconsistentError when a segment in the middle is missing", async () => {
    const dir = tempDir();
    const { wal } = await Wal.open({ dir, segmentBytes: 200 });
    for (let i = 1; i <= 30; i++) await wal.appendData(enc(`value-${i}`));
    const files = wal.segmentFiles();
    await wal.close();
    unlinkSync(files[1]!);
    await expect(Wal.open({ dir })).rejects.toBeInstanceOf(WalInconsistentError);
  });

  it("garbage appended after valid records is a torn tail only if no valid record follows it", async () => {
    const dir = tempDir();
    const file = await writeLog(dir, 3);
    const good = readFileSync(file);
    const donor = tempDir();
    const donorFile = await writeLog(donor, 5);
    const rec5 = readFileSync(donorFile).subarray(offsetOf(5));
    // garbage then a valid record: corruption at the garbage's offset
    writeFileSync(file, Buffer.concat([good, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), rec5]));
    await expect(Wal.open({ dir })).rejects.toThrow(new RegExp(`offset ${good.length}`));
  });
});
