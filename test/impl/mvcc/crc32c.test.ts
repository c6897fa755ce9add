import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { crc32c } from "../../../impl/mvcc/crc32c.js";

/** Bitwise reference: the definition of CRC-32C (reflected polynomial 0x82F63B78). */
function slow(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (0x82f63b78 ^ (c >>> 1)) >>> 0 : c >>> 1;
  }
  return ~c >>> 0;
}

describe("crc32c", () => {
  test("the standard check value: CRC-32C('123456789') = 0xE3069283", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  test("slicing-by-8 equals the bitwise definition, also when continued over pieces", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(100), (bytes, cut) => {
        const k = Math.min(cut, bytes.length);
        expect(crc32c(bytes)).toBe(slow(bytes));
        expect(crc32c(bytes.subarray(k), crc32c(bytes.subarray(0, k)))).toBe(slow(bytes));
      }),
    );
  });
});
