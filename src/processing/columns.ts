/** The column shape every kernel takes and gives, and the conversions they share. */

/** Typed arrays of numbers (not bigint). */
export type NumberArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array;

/** Values of one column: numbers, or 64-bit integers (timestamps). */
export type ColumnValues = NumberArray | BigInt64Array | BigUint64Array;

/**
 * One column of a batch of rows. With `listSize`, each row holds `listSize` consecutive values
 * (a fixed-size array per row, such as a trigger window); `values.length` is then
 * `rows * listSize`.
 */
export interface Column {
  name: string;
  values: ColumnValues;
  /** Physical unit, when known. */
  unit?: string;
  /** Values per row for fixed-size array columns; absent for one value per row. */
  listSize?: number;
}

/** Name and unit of a column, as declared before any data is seen. */
export interface ColumnInfo {
  name: string;
  unit?: string;
  /** Values per row for fixed-size array columns. */
  listSize?: number;
  /** `float64` for numbers the kernels compute; `int64` for timestamps; else as received. */
  type?: string;
}

/** The timestamp column every source sends, nanoseconds since the epoch. */
export const TIMESTAMP = "timestamp_ns";

/** Rows of a batch of columns (0 when it has none). */
export function rowCount(columns: readonly Column[]): number {
  const c = columns[0];
  if (!c) return 0;
  return c.listSize ? c.values.length / c.listSize : c.values.length;
}

/** Whether `values` hold 64-bit integers (bigint). */
export function isBigIntArray(values: ColumnValues): values is BigInt64Array | BigUint64Array {
  return values instanceof BigInt64Array || values instanceof BigUint64Array;
}

/**
 * The values as a Float64Array: the array itself when it is one, else a converted copy in
 * `scratch` (reused when it has the right length). 64-bit integers convert exactly below 2^53.
 */
export function asFloat64(values: ColumnValues, scratch?: Float64Array): Float64Array {
  if (values instanceof Float64Array) return values;
  const out = scratch && scratch.length === values.length
    ? scratch
    : new Float64Array(values.length);
  if (isBigIntArray(values)) {
    const words = int64Words(values);
    const signed = values instanceof BigInt64Array;
    for (let i = 0; i < values.length; i++) {
      const hi = words[2 * i + 1];
      out[i] = (signed ? hi | 0 : hi) * 4294967296 + words[2 * i];
    }
  } else {
    for (let i = 0; i < values.length; i++) out[i] = values[i];
  }
  return out;
}

/**
 * Nanosecond timestamps minus `base`, as float64 (exact while they lie within 2^53 ns, 104
 * days, of `base`), written into `out` (reused when it has the right length). Reads the 64-bit
 * words as two 32-bit halves: no bigint per value.
 */
export function nsSince(ts: BigInt64Array, base: bigint, out?: Float64Array): Float64Array {
  const rel = out && out.length === ts.length ? out : new Float64Array(ts.length);
  const words = int64Words(ts);
  const baseHi = Number(BigInt.asIntN(32, base >> 32n));
  const baseLo = Number(BigInt.asUintN(32, base));
  for (let i = 0; i < ts.length; i++) {
    rel[i] = ((words[2 * i + 1] | 0) - baseHi) * 4294967296 + (words[2 * i] - baseLo);
  }
  return rel;
}

/** The 32-bit words of 64-bit integers (little-endian: low word first), as a view. */
export function int64Words(values: BigInt64Array | BigUint64Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
}

/** The column named `name`, or undefined. */
export function findColumn(columns: readonly Column[], name: string): Column | undefined {
  for (const c of columns) if (c.name === name) return c;
  return undefined;
}

/**
 * Output buffers a kernel reuses from one call to the next, by name: what a kernel returns
 * from them is valid until its next call (copy or send it first). Saves allocating and
 * zeroing new arrays for every batch.
 */
export class OutputBuffers {
  #f64 = new Map<string, Float64Array>();
  #i64 = new Map<string, BigInt64Array>();

  /** `n` float64 values (contents undefined). */
  f64(name: string, n: number): Float64Array {
    let b = this.#f64.get(name);
    if (!b || b.length < n) {
      b = new Float64Array(Math.max(n, 2 * (b?.length ?? 0)));
      this.#f64.set(name, b);
    }
    return b.length === n ? b : b.subarray(0, n);
  }

  /** `n` int64 values (contents undefined). */
  i64(name: string, n: number): BigInt64Array {
    let b = this.#i64.get(name);
    if (!b || b.length < n) {
      b = new BigInt64Array(Math.max(n, 2 * (b?.length ?? 0)));
      this.#i64.set(name, b);
    }
    return b.length === n ? b : b.subarray(0, n);
  }
}
