/** Turning appended column data into big-endian basket bytes. */

import * as arrow from "apache-arrow";
import { unpackBits } from "../../arrow/bits.ts";
import type { NumericArray } from "../../arrow/types.ts";
import type { RootColumn, RootLeafType } from "./schema.ts";

/** Typed arrays accepted for each leaf type in a plain-object batch. */
export type RootTypedArray = NumericArray;

// deno-lint-ignore no-explicit-any
const EXPECTED: Record<RootLeafType, new (...args: any[]) => RootTypedArray> = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
  bool: Uint8Array,
};

/** Appended data that does not fit a tree's columns; the message names tree and column. */
export class RootWriterError extends Error {
  override name = "RootWriterError";
}

if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
  throw new RootWriterError("the ROOT writer assumes a little-endian host");
}

/** Little-endian element bytes of one column, in one or more chunks. */
export interface ColumnChunks {
  chunks: Uint8Array[];
  entries: number;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function arrowChunk(data: arrow.Data, column: RootColumn, where: string): Uint8Array {
  if (data.nullCount > 0) {
    throw new RootWriterError(
      `${where}: ${data.nullCount} null values; ROOT leaves cannot hold nulls`,
    );
  }
  let values = data;
  const elements = column.length ?? 1;
  if (column.length !== undefined) {
    if (!arrow.DataType.isFixedSizeList(data.type)) {
      throw new RootWriterError(`${where}: expected a FixedSizeList, got ${data.type}`);
    }
    const size = (data.type as arrow.FixedSizeList).listSize;
    if (size !== column.length) {
      throw new RootWriterError(
        `${where}: expected ${column.length} elements per entry, got ${size}`,
      );
    }
    values = data.children[0];
    if (values.nullCount > 0) {
      throw new RootWriterError(`${where}: null array elements; ROOT leaves cannot hold nulls`);
    }
  }
  const count = data.length * elements;
  if (column.type === "bool") {
    if (!arrow.DataType.isBool(values.type)) {
      throw new RootWriterError(`${where}: expected Bool values, got ${values.type}`);
    }
    return unpackBits(values.values as Uint8Array, values.offset, count);
  }
  const typed = values.values as RootTypedArray;
  if (!(typed instanceof EXPECTED[column.type])) {
    throw new RootWriterError(
      `${where}: expected ${column.type} values, got Arrow ${values.type}`,
    );
  }
  return bytesOf(typed.subarray(0, count));
}

/** Collects a column's bytes from an Arrow RecordBatch or a plain record of typed arrays. */
export function columnChunks(
  batch: arrow.RecordBatch | Record<string, unknown>,
  column: RootColumn,
  tree: string,
): ColumnChunks {
  const where = `tree '${tree}', column '${column.name}'`;
  const elements = column.length ?? 1;
  if (batch instanceof arrow.RecordBatch) {
    const vector = batch.getChild(column.name);
    if (!vector) throw new RootWriterError(`${where}: missing from the appended batch`);
    return {
      chunks: vector.data.map((d) => arrowChunk(d, column, where)),
      entries: vector.length,
    };
  }
  const value = batch[column.name];
  if (value === undefined) throw new RootWriterError(`${where}: missing from the appended batch`);
  const expected = EXPECTED[column.type];
  const ok = value instanceof expected || (column.type === "bool" && value instanceof Int8Array);
  if (!ok) {
    const got = (value as object)?.constructor?.name ?? typeof value;
    throw new RootWriterError(`${where}: expected ${expected.name}, got ${got}`);
  }
  const typed = value as RootTypedArray;
  if (typed.length % elements !== 0) {
    throw new RootWriterError(
      `${where}: ${typed.length} values is not a whole number of ${elements}-element entries`,
    );
  }
  let bytes = bytesOf(typed);
  if (column.type === "bool") bytes = Uint8Array.from(bytes, (v) => (v ? 1 : 0));
  return { chunks: [bytes], entries: typed.length / elements };
}

/** Names in the batch that are not columns of the tree. */
export function extraNames(
  batch: arrow.RecordBatch | Record<string, unknown>,
  columns: RootColumn[],
): string[] {
  const known = new Set(columns.map((c) => c.name));
  const names = batch instanceof arrow.RecordBatch
    ? batch.schema.fields.map((f) => f.name)
    : Object.keys(batch);
  return names.filter((n) => !known.has(n));
}

/**
 * Copies little-endian elements into `dst` at `at` (aligned to the element size), turning them
 * big-endian: in one pass when `src` is 4-byte aligned, else as a copy swapped in place.
 */
export function copyBigEndian(
  src: Uint8Array,
  dst: Uint8Array,
  at: number,
  itemSize: number,
): void {
  const n = src.length;
  if (itemSize === 1 || n === 0) {
    dst.set(src, at);
    return;
  }
  const offset = dst.byteOffset + at;
  if (itemSize === 2) {
    dst.set(src, at);
    const u = new Uint16Array(dst.buffer, offset, n >> 1);
    for (let i = 0; i < u.length; i++) {
      const x = u[i];
      u[i] = ((x & 0xff) << 8) | (x >>> 8);
    }
    return;
  }
  let from: Uint32Array;
  if (src.byteOffset % 4 === 0) from = new Uint32Array(src.buffer, src.byteOffset, n >> 2);
  else {
    dst.set(src, at);
    from = new Uint32Array(dst.buffer, offset, n >> 2);
  }
  const to = new Uint32Array(dst.buffer, offset, n >> 2);
  // A 32-bit byte swap: bytes swapped within each 16-bit half, then the halves.
  if (itemSize === 4) {
    for (let i = 0; i < to.length; i++) {
      const x = from[i];
      const y = ((x & 0x00ff00ff) << 8) | ((x >>> 8) & 0x00ff00ff);
      to[i] = (y << 16) | (y >>> 16);
    }
  } else {
    for (let i = 0; i < to.length; i += 2) {
      const lo = from[i];
      const hi = from[i + 1];
      const h = ((hi & 0x00ff00ff) << 8) | ((hi >>> 8) & 0x00ff00ff);
      const l = ((lo & 0x00ff00ff) << 8) | ((lo >>> 8) & 0x00ff00ff);
      to[i] = (h << 16) | (h >>> 16);
      to[i + 1] = (l << 16) | (l >>> 16);
    }
  }
}
