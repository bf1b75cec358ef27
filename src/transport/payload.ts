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
  RecordBatchStreamWriter,
  Schema,
  Struct,
  type TypeMap,
  Uint8,
} from "apache-arrow";
import { Packr } from "msgpackr";
import {
  decodeBatch as decodeBatchMessage,
  decodeSchemaMessage,
  encodeSchemaMessage,
  fixedByteWidth,
  fixedWidthColumns,
  messageBytes,
  schemaMessageLength,
  streamRowCount,
  writeBatchBody,
  writeBatchMetadata,
} from "../arrow/ipc.ts";

/** Rows of an Arrow payload, from its metadata alone (see `streamRowCount`). */
export { streamRowCount as batchRowCount };

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

/** An encoded record batch: its length, and how to write it into a buffer of that length. */
export interface EncodedBatch {
  length: number;
  /** Writes the Arrow IPC stream (schema, batch, end marker) into `dst`. */
  fill(dst: Uint8Array): void;
}

const schemaMessages = new WeakMap<Schema, Uint8Array>();
const EOS = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/**
 * Plans the Arrow IPC stream of one record batch (schema, batch, end marker). Fixed-width
 * columns are copied once, straight into the destination (e.g. a ring); other types go
 * through apache-arrow's writer.
 */
export function planBatch(batch: RecordBatch): EncodedBatch {
  const columns = fixedWidthColumns(batch);
  if (!columns) {
    const bytes = RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
    return { length: bytes.length, fill: (dst) => dst.set(bytes) };
  }
  let schemaMessage = schemaMessages.get(batch.schema);
  if (!schemaMessage) {
    schemaMessage = encodeSchemaMessage(batch.schema);
    schemaMessages.set(batch.schema, schemaMessage);
  }
  const head = schemaMessage;
  const messageLength = messageBytes(columns);
  return {
    length: head.length + messageLength + EOS.length,
    fill(dst) {
      dst.set(head);
      const message = dst.subarray(head.length, head.length + messageLength);
      const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
      const bodyAt = writeBatchMetadata(view, 0, batch.numRows, columns);
      writeBatchBody(message, bodyAt, columns);
      dst.set(EOS, head.length + messageLength);
    },
  };
}

/**
 * Bytes of the Arrow IPC stream {@link planBatch} makes of a batch of `rows` rows without nulls
 * of `schema`, computed without building it; undefined when a column is not fixed-width.
 * Lets a source that knows its columns and batch size say how large its messages are.
 */
export function batchStreamBytes(schema: Schema, rows: number): number | undefined {
  const columns = [];
  for (const f of schema.fields) {
    const width = fixedByteWidth(f.type);
    if (width < 0) return undefined;
    columns.push({
      validityBytes: 0,
      valueBytes: width ? width * rows : Math.ceil(rows / 8),
      nullCount: 0,
    });
  }
  let schemaMessage = schemaMessages.get(schema);
  if (!schemaMessage) {
    schemaMessage = encodeSchemaMessage(schema);
    schemaMessages.set(schema, schemaMessage);
  }
  return schemaMessage.length + messageBytes(columns) + EOS.length;
}

/** Encodes one record batch as an Arrow IPC stream (schema, batch, end marker). */
export function encodeBatch(batch: RecordBatch): Uint8Array {
  const plan = planBatch(batch);
  const bytes = new Uint8Array(plan.length);
  plan.fill(bytes);
  return bytes;
}

let lastSchemaMessage = new Uint8Array(0);
let lastSchema: Schema | undefined;

function schemaOf(message: Uint8Array): Schema {
  if (lastSchema && sameBytes(message, lastSchemaMessage)) return lastSchema;
  lastSchema = decodeSchemaMessage(message);
  lastSchemaMessage = message.slice();
  return lastSchema;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Decodes the record batch of an Arrow IPC stream. Fixed-width columns are views on `bytes`:
 * copy `bytes` first if the batch must outlive them. The schema is decoded once and reused
 * while streams carry the same schema.
 */
export function decodeBatch<T extends TypeMap = TypeMap>(bytes: Uint8Array): RecordBatch<T> {
  const schemaEnd = schemaMessageLength(bytes);
  if (schemaEnd === 0) throw new TypeError("not an Arrow IPC stream (no schema message)");
  const schemaMessage = bytes.subarray(0, schemaEnd);
  const schema = schemaOf(schemaMessage);
  return decodeBatchMessage(
    schema,
    schemaMessage,
    bytes.subarray(schemaEnd),
  ) as unknown as RecordBatch<T>;
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
