import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  HEADER_BYTES,
  RecordType,
  decodeAt,
  entryRecordBytes,
  readEntry,
  readHardState,
  writeEntry,
  writeHardState,
} from "../../../impl/storage/record.js";
import { findValidRecord } from "../../../impl/storage/scan.js";

const entryArb = fc.record({
  index: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  term: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  type: fc.integer({ min: 0, max: 255 }),
  data: fc.uint8Array({ maxLength: 200 }),
});

function encodeEntry(e: { index: number; term: number; type: number; data: Uint8Array }): Buffer {
  const buf = Buffer.alloc(entryRecordBytes(e));
  expect(writeEntry(buf, 0, e)).toBe(buf.length);
  return buf;
}

describe("WAL record format", () => {
  it("round-trips entries, including indexes above 2^32", () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        const d = decodeAt(encodeEntry(e), 0);
        expect(d.ok).toBe(true);
        if (!d.ok) return;
        expect(d.type).toBe(RecordType.Entry);
        const back = readEntry(d.payload);
        expect(back.index).toBe(e.index);
        expect(back.term).toBe(e.term);
        expect(back.type).toBe(e.type);
        expect(Array.from(back.data)).toEqual(Array.from(e.data));
      }),
    );
  });

  it("round-trips hard state", () => {
    const buf = Buffer.alloc(HEADER_BYTES + 24);
    writeHardState(buf, 0, { term: 2 ** 40 + 3, vote: 7, commit: 123456789 });
    const d = decodeAt(buf, 0);
    expect(d.ok && readHardState(d.payload)).toEqual({ term: 2 ** 40 + 3, vote: 7, commit: 123456789 });
  });

  it("detects every single-byte change anywhere in a record (header or payload)", () => {
    fc.assert(
      fc.property(entryArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (e, pos, xor) => {
        const buf = encodeEntry(e);
        const at = pos % buf.length;
        buf[at] = buf[at]! ^ xor;
        const d = decodeAt(buf, 0);
        expect(d.ok).toBe(false);
      }),
    );
  });

  it("reports a record cut short as short", () => {
    const buf = encodeEntry({ index: 1, term: 1, type: 0, data: new Uint8Array(50) });
    for (const len of [0, 4, HEADER_BYTES, HEADER_BYTES + 10, buf.length - 1]) {
      const d = decodeAt(buf.subarray(0, len), 0);
      expect(d.ok).toBe(false);
      if (!d.ok) expect(d.short).toBe(true);
    }
  });

  it("finds the next valid record after garbage, and none in zeros", () => {
    const rec = encodeEntry({ index: 9, term: 1, type: 0, data: new Uint8Array([1, 2, 3]) });
    const buf = Buffer.concat([Buffer.from([0xff, 0x00, 0x13, 0x37, 0x00, 0x01]), rec]);
    expect(findValidRecord(buf, 0)).toBe(6);
    expect(findValidRecord(Buffer.alloc(4096), 0)).toBeUndefined();
  });
});
