/**
 * Gathers small record batches of one fixed-width schema into one larger batch: each column's
 * values are copied once into a buffer of the gatherer's own, which is then written as a single
 * batch (`store.arrow`: fewer, larger messages, fewer codec calls; `store.hdf5`: fewer, larger
 * HDF5 writes).
 */

import * as arrow from "apache-arrow";
import { fixedByteWidth } from "./ipc.ts";

/** How one column is gathered. */
interface ColumnPlan {
  type: arrow.DataType;
  /** Bytes per row, 0 for bit-packed booleans. */
  width: number;
  /** The child type of a FixedSizeList column (its values are `width` bytes a row). */
  child?: arrow.DataType;
  /** Values per row of a FixedSizeList column. */
  listSize: number;
}

/** Column buffers that batches are copied into until they are taken as one batch. */
export interface BatchGatherer {
  /** Rows held. */
  readonly rows: number;
  /** Bytes of column values held. */
  readonly bytes: number;
  /** Rows it holds at most. */
  readonly capacity: number;
  /** True when `batch` can be copied in (no nulls, no slice this gatherer cannot copy). */
  accepts(batch: arrow.RecordBatch): boolean;
  /** Copies the rows of `batch` in; the caller first makes room (`rows + batch.numRows <= capacity`). */
  add(batch: arrow.RecordBatch): void;
  /**
   * The held rows as one batch of `schema`, and empties the gatherer. The batch is a view on
   * the gatherer's buffers: it must be written before the next `add`.
   */
  take(): arrow.RecordBatch;
}

function planOf(field: arrow.Field): ColumnPlan | undefined {
  const type = field.type;
  if (arrow.DataType.isFixedSizeList(type)) {
    const child = type.children[0].type;
    const width = fixedByteWidth(child);
    if (width <= 0) return undefined;
    return { type, width: width * type.listSize, child, listSize: type.listSize };
  }
  const width = fixedByteWidth(type);
  return width < 0 ? undefined : { type, width, listSize: 1 };
}

/**
 * A gatherer for batches of `schema` holding up to `maxRows` rows and `maxBytes` bytes of
 * values, rounded down to a multiple of `rowMultiple` rows (at least one multiple), or
 * `undefined` when a column is not fixed-width (those batches are written as they come).
 */
export function openBatchGatherer(
  schema: arrow.Schema,
  maxRows: number,
  maxBytes: number,
  rowMultiple = 1,
): BatchGatherer | undefined {
  const plans: ColumnPlan[] = [];
  for (const field of schema.fields) {
    const plan = planOf(field);
    if (plan === undefined) return undefined;
    plans.push(plan);
  }
  const rowBytes = plans.reduce((n, p) => n + (p.width === 0 ? 1 / 8 : p.width), 0);
  const fit = Math.min(maxRows, Math.floor(maxBytes / Math.max(rowBytes, 1)));
  const capacity = rowMultiple * Math.max(1, Math.floor(fit / rowMultiple));
  const bytesFor = (p: ColumnPlan, n: number) => p.width === 0 ? Math.ceil(n / 8) : n * p.width;
  // Grown as rows come (a store may hold one gatherer per route key), up to `capacity`; fresh
  // ArrayBuffers, so the typed arrays of the taken batch can view them.
  let rows = 0;
  let allocated = 0;
  let buffers: Uint8Array[] = [];
  const grow = (needed: number) => {
    allocated = Math.min(capacity, Math.max(needed, 2 * allocated, 1024));
    buffers = plans.map((p, c) => {
      const next = new Uint8Array(bytesFor(p, allocated));
      if (rows > 0) next.set(buffers[c].subarray(0, bytesFor(p, rows)));
      return next;
    });
  };

  return {
    get rows() {
      return rows;
    },
    get bytes() {
      return Math.ceil(rows * rowBytes);
    },
    capacity,
    accepts(batch) {
      return batch.data.children.every((data, c) =>
        data.nullCount === 0 && data.dictionary === undefined &&
        (plans[c].child === undefined || data.children[0].nullCount === 0)
      );
    },
    add(batch) {
      const n = batch.numRows;
      if (rows + n > allocated) grow(rows + n);
      batch.data.children.forEach((data, c) => {
        const { width } = plans[c];
        const out = buffers[c];
        if (width === 0) {
          copyBits(data.values as Uint8Array, data.offset, out, rows, n);
          return;
        }
        const source = (plans[c].child === undefined ? data : data.children[0])
          .values as ArrayBufferView;
        out.set(new Uint8Array(source.buffer, source.byteOffset, n * width), rows * width);
      });
      rows += n;
    },
    take() {
      const children = plans.map((p, c) => {
        const held = buffers[c].subarray(0, bytesFor(p, rows));
        if (p.child === undefined) {
          return arrow.makeData({ type: p.type, length: rows, nullCount: 0, data: held } as never);
        }
        const child = arrow.makeData({
          type: p.child,
          length: rows * p.listSize,
          nullCount: 0,
          data: held,
        } as never);
        return arrow.makeData({ type: p.type, length: rows, nullCount: 0, child } as never);
      }) as arrow.Data[];
      const batch = new arrow.RecordBatch(
        schema,
        arrow.makeData({
          type: new arrow.Struct(schema.fields),
          length: rows,
          nullCount: 0,
          children,
        }),
      );
      rows = 0;
      return batch;
    },
  };
}

/** Copies `count` bits from bit `from` of `src` to bit `to` of `dst` (LSB first, Arrow's order). */
function copyBits(src: Uint8Array, from: number, dst: Uint8Array, to: number, count: number): void {
  if (from % 8 === 0 && to % 8 === 0) {
    dst.set(src.subarray(from / 8, from / 8 + Math.ceil(count / 8)), to / 8);
    return;
  }
  for (let i = 0; i < count; i++) {
    const s = from + i;
    const d = to + i;
    const bit = 1 << (d & 7);
    if ((src[s >> 3] >> (s & 7)) & 1) dst[d >> 3] |= bit;
    else dst[d >> 3] &= ~bit;
  }
}
