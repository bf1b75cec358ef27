/** Bit helpers for Arrow's packed boolean values and validity bitmaps. */

/**
 * Unpacks `count` bits of an LSB-first bitmap (Arrow's layout), starting at bit `offset`, into
 * one byte per value (0 or 1).
 */
export function unpackBits(bits: Uint8Array, offset: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const bit = offset + i;
    out[i] = (bits[bit >> 3] >> (bit & 7)) & 1;
  }
  return out;
}
