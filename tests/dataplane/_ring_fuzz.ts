// Valid ring files to mutate, and the judge of what a reader made of a mutated one (shared by
// the fuzz Worker and the daq tail / daq_ring.py part of the fuzz test).
import * as arrow from "apache-arrow";
import { createRingFile, openRingConsumer } from "../../src/dataplane/mod.ts";
import * as L from "../../src/dataplane/_layout.ts";
import { mutate } from "../_fuzz.ts";
import { readBatchLayout } from "../../src/arrow/ipc.ts";

/** Rows identify themselves: row i has timestamp_ns i, value i / 2 + 1, and code i % 1000. */
export const FUZZ_SCHEMA = new arrow.Schema([
  new arrow.Field("timestamp_ns", new arrow.Int64(), false),
  new arrow.Field("value", new arrow.Float64(), false),
  new arrow.Field("code", new arrow.Int32(), false),
]);

/** The value column of row `i`. */
export function valueOf(i: number): number {
  return i / 2 + 1;
}

/** A valid ring file and where its records and their fields are. */
export interface BaseRing {
  bytes: Uint8Array;
  /** Rows written in all. */
  rows: number;
  /** Byte offsets in the file of header fields and of record header fields. */
  fields: number[];
  /**
   * [start, end) of the bytes that say how the rest is laid out: the header and each record
   * header. Column values are not among them: the format has no checksum, so no reader can
   * tell a changed value from a written one.
   */
  structure: Array<[number, number]>;
  /**
   * Byte offsets in the file of the length fields of each record's Arrow metadata: message
   * length, row count, body length, node lengths and null counts, buffer lengths (not buffer
   * offsets: one moved inside the body to where other values lie cannot be told from a genuine
   * one without a checksum, which the format does not have).
   */
  lengthFields: number[];
}

/**
 * Writes a small ring (8 KiB, so it wraps with padding; `policy`) of batches of 1 to 30 rows,
 * three ways (in place, copied columns, apache-arrow's writer) and a raw record now and then;
 * with `consumed`, a consumer commits part of it; `close` marks it closed.
 */
export function makeBaseRing(
  path: string,
  opts: { policy: "overwrite" | "block"; close: boolean; consumed: boolean },
): BaseRing {
  const writer = createRingFile(path, {
    schema: FUZZ_SCHEMA,
    capacityBytes: 8192,
    policy: opts.policy,
    blockTimeoutMs: 0,
  });
  let row = 0;

  const batches = opts.policy === "block" ? 10 : 40;
  for (let b = 0; b < batches; b++) {
    const n = 1 + ((b * 7) % 30);
    const ts = BigInt64Array.from({ length: n }, (_, i) => BigInt(row + i));
    const values = Float64Array.from({ length: n }, (_, i) => valueOf(row + i));
    const codes = Int32Array.from({ length: n }, (_, i) => (row + i) % 1000);

    if (b % 3 === 0) {
      const [t, v, c] = writer.reserveBatch(n) as [BigInt64Array, Float64Array, Int32Array];
      t.set(ts);
      v.set(values);
      c.set(codes);
      writer.commit();
    } else if (b % 3 === 1) {
      writer.writeColumns(n, [ts, values, codes]);
    } else {
      writer.write(
        new arrow.RecordBatch({
          timestamp_ns: arrow.makeData({ type: new arrow.Int64(), data: ts }),
          value: arrow.makeData({ type: new arrow.Float64(), data: values }),
          code: arrow.makeData({ type: new arrow.Int32(), data: codes }),
        }),
      );
    }
    row += n;
    if (b % 11 === 5) writer.writeBytes(new Uint8Array(40).fill(b));
  }
  if (opts.consumed) {
    const consumer = openRingConsumer(path);
    for (let i = 0; i < 5 && consumer.next() !== null; i++);
    consumer.commit();
    consumer.close();
  }
  const capacity = writer.capacity;
  if (opts.close) writer.close();
  const bytes = Deno.readFileSync(path);
  if (!opts.close) writer.close();
  const view = new DataView(bytes.buffer);
  const dataOffset = view.getUint32(L.H_DATA_OFFSET, true);
  const fields = [8, 16, 24, 32, 36, 40, 48, 56, 64, 72, 96, 100, 108];
  // The header, and the schema's length; not the schema's own fields: a column whose type is
  // changed in place decodes, as any reader would, to other values.
  const structure: Array<[number, number]> = [[0, L.HEADER_BYTES]];
  const lengthFields: number[] = [L.HEADER_BYTES + 4];
  // Walk the records still in the ring (from oldest) for their headers and metadata.
  const head = Number(view.getBigUint64(L.H_WRITE_HEAD, true));
  for (let p = Number(view.getBigUint64(L.H_OLDEST, true)); p < head;) {
    const rest = capacity - (p % capacity);
    if (rest < L.RECORD_HEADER_BYTES) {
      p += rest;
      continue;
    }
    const at = dataOffset + (p % capacity);
    const length = view.getUint32(at, true);
    const type = view.getUint16(at + 4, true);
    fields.push(at, at + 4, at + 8, at + 24);
    structure.push([at, at + L.RECORD_HEADER_BYTES]);
    if (type === L.RING_FILE_ARROW_BATCH) {
      const payload = at + L.RECORD_HEADER_BYTES;
      const lengths = arrowLengthFields(bytes.subarray(payload, payload + length));
      lengths.forEach((f) => lengthFields.push(payload + f));
    }
    p += L.recordBytes(length);
  }

  return { bytes, rows: row, fields, structure, lengthFields };
}

/** What is wrong with a batch read from a mutated ring (undefined: every row is genuine). */
export function junkIn(batch: arrow.RecordBatch, rows: number): string | undefined {
  if (batch.numCols !== 3) return `${batch.numCols} columns`;
  const ts = batch.getChildAt(0)!;
  const value = batch.getChildAt(1)!;
  const code = batch.getChildAt(2)!;
  for (let i = 0; i < batch.numRows; i++) {
    const t = Number(ts.get(i));
    if (!(t >= 0 && t < rows)) return `row ${i}: timestamp_ns ${t} was never written`;
    if (value.get(i) !== valueOf(t)) return `row ${i}: value ${value.get(i)} for timestamp ${t}`;
    if (code.get(i) !== t % 1000) return `row ${i}: code ${code.get(i)} for timestamp ${t}`;
  }
  return undefined;
}

/**
 * One to three mutations of `base`: edits (bit flips, random bytes, odd values in length
 * fields) of one of its structure ranges, or the whole file truncated or extended.
 */
export function mutateRing(base: BaseRing, random: () => number): Uint8Array {
  let bytes = base.bytes.slice();
  for (let i = 0, n = 1 + Math.floor(random() * 3); i < n; i++) {
    if (random() < 0.1) {
      // truncation or extension (mutate's cases 2 and 3 of the whole file)
      const cut = Math.floor(random() * (bytes.length + 1));
      if (random() < 0.5) bytes = bytes.slice(0, cut);
      else {
        const longer = new Uint8Array(bytes.length + 1 + Math.floor(random() * 64));
        longer.set(bytes);
        bytes = longer;
      }
      continue;
    }
    if (random() < 0.3) {
      // An Arrow length field set to an odd value or moved a little (int32 or int64).
      const at = base.lengthFields[Math.floor(random() * base.lengthFields.length)];
      if (at + 8 > bytes.length) continue;
      const v = new DataView(bytes.buffer);
      const wide = at % 8 === 0 && random() < 0.7;
      const old = wide ? Number(v.getBigInt64(at, true)) : v.getInt32(at, true);
      const odd = [0, 1, -1, 7, 8, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 2 ** 53];
      const value = random() < 0.5
        ? odd[Math.floor(random() * odd.length)]
        : old + (random() < 0.5 ? 1 : -1) * (1 + Math.floor(random() * 64));
      if (wide) v.setBigInt64(at, BigInt(value), true);
      else v.setInt32(at, value | 0, true);
      continue;
    }
    const [start, end] = base.structure[Math.floor(random() * base.structure.length)];
    if (end > bytes.length) continue;
    const fields = base.fields.filter((f) => f >= start && f + 8 <= end).map((f) => f - start);
    let piece: Uint8Array = bytes.subarray(start, end);
    for (let tries = 0; tries < 8; tries++) {
      const mutated = mutate(piece, random, fields);
      if (mutated.length === piece.length) {
        piece = mutated;
        break;
      }
    }
    bytes.set(piece, start);
  }
  return bytes;
}

/**
 * Offsets in `payload` (a RecordBatch message) of its length fields: the metadata length, and
 * the int64 row count, body length, node (length, null count) and buffer length fields, found
 * by where their values sit in the flatbuffer.
 */
function arrowLengthFields(payload: Uint8Array): number[] {
  const layout = readBatchLayout(payload);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const at64 = (from: number, value: number, step = 8) => {
    for (let p = from; p + 8 <= layout.bodyStart; p += step) {
      if (Number(view.getBigInt64(p, true)) === value) return p;
    }
    return -1;
  };
  const out = [4];
  // The buffers vector: consecutive (offset, length) pairs, found by its first pair's values.
  const find = (pairs: Array<[number, number]>) => {
    for (let p = 8; p + 16 * pairs.length <= layout.bodyStart; p += 8) {
      if (
        pairs.every(([a, b], i) =>
          Number(view.getBigInt64(p + 16 * i, true)) === a &&
          Number(view.getBigInt64(p + 16 * i + 8, true)) === b
        )
      ) return p;
    }
    return -1;
  };
  const buffers = find(layout.buffers.map((b) => [b.offset, b.length]));
  const nodes = find(layout.nodes.map((n) => [n.length, n.nullCount]));
  if (buffers >= 0) layout.buffers.forEach((_, i) => out.push(buffers + 16 * i + 8));
  if (nodes >= 0) layout.nodes.forEach((_, i) => out.push(nodes + 16 * i, nodes + 16 * i + 8));
  const inVectors = (p: number) =>
    (buffers >= 0 && p >= buffers && p < buffers + 16 * layout.buffers.length) ||
    (nodes >= 0 && p >= nodes && p < nodes + 16 * layout.nodes.length);
  for (const value of [layout.rowCount, layout.bodyLength]) {
    for (let p = at64(8, value); p >= 0; p = at64(p + 8, value)) {
      if (!inVectors(p)) {
        out.push(p);
        break;
      }
    }
  }
  return out;
}
