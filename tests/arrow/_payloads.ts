// Arrow payloads for the validator tests: valid ones of many types, and where the fields
// that a forger edits sit in them.
import * as arrow from "apache-arrow";
import { batchFromColumns, decodeBatch, encodeBatch } from "../../src/transport/payload.ts";
import { fixedByteWidth, schemaMessageLength } from "../../src/arrow/ipc.ts";

/** The ring record form of a batch of `rows` rows: timestamp_ns (int64) and v (float64). */
export function signalPayload(rows: number, first = 0): Uint8Array {
  return encodeBatch(batchFromColumns([
    {
      name: "timestamp_ns",
      values: BigInt64Array.from({ length: rows }, (_, i) => BigInt(first + i) * 1000n),
    },
    { name: "v", values: Float64Array.from({ length: rows }, (_, i) => (first + i) / 4) },
  ]));
}

/** Valid payloads written by apache-arrow's own writer: strings, lists, structs, nulls. */
export function mixedPayloads(): Uint8Array[] {
  const one = (table: arrow.Table) => arrow.tableToIPC(table, "stream");
  const utf8 = (values: (string | null)[]) => arrow.vectorFromArray(values, new arrow.Utf8());
  return [
    one(
      new arrow.Table({
        a: arrow.makeVector(Int32Array.from([1, 2, 3])),
        b: utf8(["x", "yy", "zzz"]),
      }),
    ),
    one(
      new arrow.Table({
        s: utf8(["a", null, "ccc"]),
        n: arrow.vectorFromArray([1n, null, 3n], new arrow.Int64()),
      }),
    ),
    one(arrow.tableFromArrays({ f: new Float32Array([1.5, 2.5]) })),
    one(
      new arrow.Table({
        l: arrow.vectorFromArray(
          [[1, 2], [3], []],
          new arrow.List(new arrow.Field("i", new arrow.Int32())),
        ),
        st: arrow.vectorFromArray(
          [{ x: 1, y: "p" }, { x: 2, y: "q" }, { x: 3, y: "r" }],
          new arrow.Struct([
            new arrow.Field("x", new arrow.Float64()),
            new arrow.Field("y", new arrow.Utf8()),
          ]),
        ),
        b: arrow.vectorFromArray([true, false, true], new arrow.Bool()),
      }),
    ),
    one(arrow.tableFromArrays({ empty: new Float64Array(0) })),
  ];
}

/** Positions in a payload of the fields a forger edits (offsets from the payload start). */
export interface BatchFields {
  /** The batch message's metadata length (int32). */
  metaLength: number;
  /** Message.bodyLength (int64). */
  bodyLength: number;
  /** RecordBatch.length (int64). */
  rowCount: number;
  /** FieldNode i: length (int64) at nodes[i], null count 8 bytes later. */
  nodes: number[];
  /** Buffer i: offset (int64) at buffers[i], length 8 bytes later. */
  buffers: number[];
}

/** Finds the fields of the record batch message that follows the schema. */
export function batchFields(bytes: Uint8Array): BatchFields {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = schemaMessageLength(bytes);
  const fb = at + 8;
  const indirect = (p: number) => p + view.getUint32(p, true);
  const field = (table: number, index: number) => {
    const vtable = table - view.getInt32(table, true);
    if (4 + 2 * index >= view.getUint16(vtable, true)) return 0;
    const rel = view.getUint16(vtable + 4 + 2 * index, true);
    return rel ? table + rel : 0;
  };
  const message = indirect(fb);
  const batch = indirect(field(message, 2));
  const vector = (p: number) => {
    const v = indirect(p);
    return Array.from({ length: view.getUint32(v, true) }, (_, i) => v + 4 + 16 * i);
  };
  return {
    metaLength: at + 4,
    bodyLength: field(message, 3),
    rowCount: field(batch, 0),
    nodes: vector(field(batch, 1)),
    buffers: vector(field(batch, 2)),
  };
}

/** A copy of `bytes` with the int64 at `at` set to `value`. */
export function withInt64(bytes: Uint8Array, at: number, value: bigint): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setBigInt64(at, value, true);
  return copy;
}

/** A copy of `bytes` with the int32 at `at` set to `value`. */
export function withInt32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setInt32(at, value, true);
  return copy;
}

/** Throws if `data` (and its children) do not hold `data.length` values. */
function checkData(data: arrow.Data, what: string): void {
  const need = (ok: boolean, problem: string) => {
    if (!ok) throw new Error(`${what}: ${problem}`);
  };
  const n = data.length;
  if (data.nullCount > 0) need((data.nullBitmap?.byteLength ?? 0) >= Math.ceil(n / 8), "bitmap");
  const width = fixedByteWidth(data.type);
  if (width > 0) need((data.values as ArrayBufferView).byteLength >= n * width, "values");
  if (width === 0) need((data.values as Uint8Array).byteLength >= Math.ceil(n / 8), "bits");
  if (arrow.DataType.isUtf8(data.type) && n > 0) {
    need(data.valueOffsets.length >= n + 1, "offsets");
    need(Number(data.valueOffsets[n]) <= data.values.length, "data");
  }
  data.children.forEach((child, i) => checkData(child, `${what}.${i}`));
}

/**
 * Throws unless `bytes` decode, with apache-arrow and with the ring decoder, to one batch of
 * `rows` rows whose every column holds that many values (buffers long enough, values readable).
 */
export function assertDecodes(bytes: Uint8Array, rows: number): void {
  const table = arrow.tableFromIPC(bytes);
  if (table.batches.length !== 1) throw new Error(`${table.batches.length} batches`);
  if (table.numRows !== rows) {
    throw new Error(`apache-arrow reads ${table.numRows} rows, not ${rows}`);
  }
  const batch = table.batches[0];
  for (let c = 0; c < batch.numCols; c++) {
    const data = batch.data.children[c];
    if (data.length !== rows) throw new Error(`column ${c}: ${data.length} values`);
    checkData(data, `column ${c}`);
    for (const _ of batch.getChildAt(c)!) { /* every value readable */ }
  }
  const ours = decodeBatch(bytes);
  if (ours.numRows !== rows) throw new Error(`decodeBatch reads ${ours.numRows} rows`);
  for (let c = 0; c < ours.numCols; c++) {
    checkData(ours.data.children[c], `decodeBatch column ${c}`);
    for (const _ of ours.getChildAt(c)!) { /* every value readable */ }
  }
}
