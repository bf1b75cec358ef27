/** Payload encodings of ring records: Arrow IPC for tables, msgpack for small messages. */
import {
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  makeData,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  type TypeMap,
  Uint8,
} from "apache-arrow";
import { Packr } from "msgpackr";

/** Record types carried by rings. */
export const RecordType = {
  /** An Arrow IPC stream holding one record batch (schema + batch). */
  arrow: 1,
  /** A msgpack-encoded value. */
  msgpack: 2,
  /** Raw bytes (benchmarks). */
  bytes: 3,
} as const;

const packr = new Packr({ useRecords: false, moreTypes: false });

/** Encodes one record batch as an Arrow IPC stream (schema, batch, end marker). */
export function encodeBatch(batch: RecordBatch): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.write(batch);
  writer.finish();
  return writer.toUint8Array(true);
}

/**
 * Decodes the record batch of an Arrow IPC stream. Its columns are views on `bytes`: copy
 * `bytes` first if the batch must outlive them.
 */
export function decodeBatch<T extends TypeMap = TypeMap>(bytes: Uint8Array): RecordBatch<T> {
  const reader = RecordBatchReader.from<T>(bytes);
  const first = reader.next();
  if (first.done) throw new TypeError("Arrow IPC stream holds no record batch");
  return first.value;
}

/** Encodes a small message with msgpack. */
export function encodeMessage(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Decodes a msgpack message. */
export function decodeMessage<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}

/** A column for {@link batchFromColumns}: a name, typed values and optional unit. */
export interface ColumnData {
  name: string;
  values:
    | Float64Array
    | Float32Array
    | BigInt64Array
    | Int32Array
    | Int16Array
    | Int8Array
    | Uint8Array;
  /** Physical unit, stored as the Arrow field metadata key `unit`. */
  unit?: string;
}

/** Builds a record batch over existing typed arrays (no copy); units go in field metadata. */
export function batchFromColumns(columns: ColumnData[]): RecordBatch {
  const fields = columns.map((c) =>
    new Field(
      c.name,
      arrowTypeOf(c.values),
      false,
      c.unit ? new Map([["unit", c.unit]]) : undefined,
    )
  );
  const length = columns[0]?.values.length ?? 0;
  const children = columns.map((c, i) =>
    makeData({ type: fields[i].type, length, data: c.values })
  );
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children });
  return new RecordBatch(new Schema(fields), struct);
}

// deno-lint-ignore no-explicit-any
function arrowTypeOf(values: ColumnData["values"]): any {
  if (values instanceof Float64Array) return new Float64();
  if (values instanceof Float32Array) return new Float32();
  if (values instanceof BigInt64Array) return new Int64();
  if (values instanceof Int32Array) return new Int32();
  if (values instanceof Int16Array) return new Int16();
  if (values instanceof Int8Array) return new Int8();
  return new Uint8();
}
