/**
 * Moving messages between jobs: framed byte rings over SharedArrayBuffer, one per route,
 * and the payload encodings they carry.
 *
 * ```ts
 * import { createRing, RingReader, RingWriter, RecordType } from "./mod.ts";
 * const ring = createRing(1 << 20);
 * const writer = new RingWriter(ring);
 * await writer.writeBytes(RecordType.bytes, new Uint8Array([1, 2, 3]));
 * const reader = new RingReader(ring);
 * const rec = reader.read()!;
 * console.log(rec.seq, rec.payload);
 * reader.release();
 * ```
 *
 * @module
 */
export * from "./ring.ts";
export * from "./payload.ts";
export * from "./words.ts";
