/**
 * Just enough of the Arrow IPC format for ring records: the stored schema message, a direct
 * encoder of RecordBatch messages for fixed-width columns (metadata flatbuffer written by hand,
 * body buffers copied straight into the destination), and a zero-copy decoder back to
 * `arrow.RecordBatch`. Anything else (strings, nested types, dictionaries, compression) goes
 * through apache-arrow's own writer and reader.
 */
import * as arrow from "apache-arrow";

const CONTINUATION = 0xffffffff;
const METADATA_V5 = 4;
const HEADER_RECORD_BATCH = 3;
const BODY_ALIGN = 8;

/** Body layout of one fixed-width column: where its buffers sit in the message body. */
interface ColumnPlan {
  /** Bytes of the validity bitmap (0 when the column has no nulls). */
  validityBytes: number;
  /** Bytes of the values buffer (unpadded). */
  valueBytes: number;
  nullCount: number;
}

/** Bytes per value of a fixed-width Arrow type, 0 for bit-packed booleans, -1 if unsupported. */
export function fixedByteWidth(type: arrow.DataType): number {
  switch (type.typeId) {
    case arrow.Type.Int:
      return (type as arrow.Int).bitWidth / 8;
    case arrow.Type.Float:
      return [2, 4, 8][(type as arrow.Float).precision];
    case arrow.Type.Bool:
      return 0;
    case arrow.Type.Date:
      return (type as arrow.Date_).unit === arrow.DateUnit.DAY ? 4 : 8;
    case arrow.Type.Time:
      return (type as arrow.Time).bitWidth / 8;
    case arrow.Type.Timestamp:
    case arrow.Type.Duration:
      return 8;
    default:
      return -1;
  }
}

/** True when every field of `schema` has a fixed-width type this module encodes directly. */
export function isFixedWidthSchema(schema: arrow.Schema): boolean {
  return schema.fields.every((f) => fixedByteWidth(f.type) >= 0);
}

/** The IPC schema message (continuation, length, flatbuffer; no body) for `schema`. */
export function encodeSchemaMessage(schema: arrow.Schema): Uint8Array {
  const stream = arrow.tableToIPC(new arrow.Table(schema), "stream");
  const metaLength = new DataView(stream.buffer, stream.byteOffset).getInt32(4, true);
  return stream.slice(0, 8 + metaLength);
}

/** Decodes a stored schema message. */
export function decodeSchemaMessage(bytes: Uint8Array): arrow.Schema {
  return arrow.tableFromIPC(bytes).schema;
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Bytes of the hand-written RecordBatch metadata flatbuffer for `fieldCount` columns. */
function metadataBytes(fieldCount: number): number {
  return 88 + 16 * fieldCount + 8 + 32 * fieldCount;
}

/** Bytes of a whole RecordBatch message (prefix + metadata + body) for these columns. */
export function messageBytes(columns: readonly ColumnPlan[]): number {
  let body = 0;
  for (const c of columns) body += align(c.validityBytes, BODY_ALIGN) + align(c.valueBytes, 8);
  return 8 + metadataBytes(columns.length) + body;
}

/**
 * Writes the message prefix and metadata flatbuffer for a batch of `rowCount` rows with the
 * given columns into `view` at `at`; returns the offset of the body (relative to `view`).
 * Buffers are laid out validity then values per column, each padded to 8 bytes.
 */
export function writeBatchMetadata(
  view: DataView,
  at: number,
  rowCount: number,
  columns: readonly ColumnPlan[],
): number {
  const n = columns.length;
  const metaLength = metadataBytes(n);
  view.setUint32(at, CONTINUATION, true);
  view.setInt32(at + 4, metaLength, true);
  const fb = at + 8; // flatbuffer start; every offset below is relative to it
  let bodyLength = 0;
  for (const c of columns) {
    bodyLength += align(c.validityBytes, BODY_ALIGN) + align(c.valueBytes, 8);
  }
  // root table offset
  view.setUint32(fb + 0, 16, true);
  // Message vtable at 4: size 12, table size 24, version@6 header_type@4 header@16 bodyLength@8
  view.setUint16(fb + 4, 12, true);
  view.setUint16(fb + 6, 24, true);
  view.setUint16(fb + 8, 6, true);
  view.setUint16(fb + 10, 4, true);
  view.setUint16(fb + 12, 16, true);
  view.setUint16(fb + 14, 8, true);
  // Message table at 16
  view.setInt32(fb + 16, 16 - 4, true);
  view.setUint8(fb + 20, HEADER_RECORD_BATCH);
  view.setUint8(fb + 21, 0);
  view.setInt16(fb + 22, METADATA_V5, true);
  view.setBigInt64(fb + 24, BigInt(bodyLength), true);
  view.setUint32(fb + 32, 56 - 32, true);
  view.setUint32(fb + 36, 0, true);
  // RecordBatch vtable at 40: size 10, table size 24, length@8 nodes@4 buffers@16
  view.setUint16(fb + 40, 10, true);
  view.setUint16(fb + 42, 24, true);
  view.setUint16(fb + 44, 8, true);
  view.setUint16(fb + 46, 4, true);
  view.setUint16(fb + 48, 16, true);
  view.setUint16(fb + 50, 0, true);
  view.setUint32(fb + 52, 0, true);
  // RecordBatch table at 56
  const buffersVector = 88 + 16 * n + 4;
  view.setInt32(fb + 56, 56 - 40, true);
  view.setUint32(fb + 60, 84 - 60, true);
  view.setBigInt64(fb + 64, BigInt(rowCount), true);
  view.setUint32(fb + 72, buffersVector - 72, true);
  view.setUint32(fb + 76, 0, true);
  // nodes vector: length at 84, FieldNode structs (length, null_count) from 88
  view.setUint32(fb + 80, 0, true);
  view.setUint32(fb + 84, n, true);
  for (let i = 0; i < n; i++) {
    view.setBigInt64(fb + 88 + 16 * i, BigInt(rowCount), true);
    view.setBigInt64(fb + 96 + 16 * i, BigInt(columns[i].nullCount), true);
  }
  // buffers vector: length at buffersVector, Buffer structs (offset, length) after it
  view.setUint32(fb + buffersVector - 4, 0, true);
  view.setUint32(fb + buffersVector, 2 * n, true);
  let offset = 0;
  let b = fb + buffersVector + 4;
  for (const c of columns) {
    view.setBigInt64(b, BigInt(offset), true);
    view.setBigInt64(b + 8, BigInt(c.validityBytes), true);
    offset += align(c.validityBytes, BODY_ALIGN);
    view.setBigInt64(b + 16, BigInt(offset), true);
    view.setBigInt64(b + 24, BigInt(c.valueBytes), true);
    offset += align(c.valueBytes, 8);
    b += 32;
  }
  return fb + metaLength;
}

/** One column of a batch ready to be copied: its plan and its buffers as bytes. */
export interface ColumnSource extends ColumnPlan {
  validity: Uint8Array | null;
  values: Uint8Array;
}

/**
 * The buffers of `batch` when every column is a single fixed-width chunk whose bitmaps start on
 * a byte boundary; null when the batch needs apache-arrow's general writer.
 */
export function fixedWidthColumns(batch: arrow.RecordBatch): ColumnSource[] | null {
  const out: ColumnSource[] = [];
  for (let i = 0; i < batch.numCols; i++) {
    const data = batch.data.children[i];
    const width = fixedByteWidth(data.type);
    if (width < 0 || data.dictionary) return null;
    const nullCount = data.nullCount;
    let validity: Uint8Array | null = null;
    if (nullCount > 0) {
      if (data.offset % 8 !== 0 || !data.nullBitmap) return null;
      validity = data.nullBitmap.subarray(
        data.offset / 8,
        data.offset / 8 + Math.ceil(data.length / 8),
      );
    }
    const v = data.values as ArrayBufferView;
    let values: Uint8Array;
    if (width === 0) {
      if (data.offset % 8 !== 0) return null;
      values = new Uint8Array(v.buffer, v.byteOffset + data.offset / 8, Math.ceil(data.length / 8));
    } else {
      values = new Uint8Array(v.buffer, v.byteOffset, data.length * width);
    }
    out.push({
      validity,
      values,
      nullCount,
      validityBytes: validity?.length ?? 0,
      valueBytes: values.length,
    });
  }
  return out;
}

/** Copies the column buffers after the metadata, in the order {@link writeBatchMetadata} uses. */
export function writeBatchBody(
  bytes: Uint8Array,
  bodyAt: number,
  columns: readonly ColumnSource[],
): void {
  let at = bodyAt;
  for (const c of columns) {
    if (c.validity) bytes.set(c.validity, at);
    at += align(c.validityBytes, BODY_ALIGN);
    bytes.set(c.values, at);
    bytes.fill(0, at + c.valueBytes, at + align(c.valueBytes, 8));
    at += align(c.valueBytes, 8);
  }
}

/**
 * Bytes of the first message of an Arrow IPC stream, its schema (continuation marker, length,
 * metadata), or 0 if `bytes` does not start with such a message.
 */
export function schemaMessageLength(bytes: Uint8Array): number {
  if (bytes.length < 8 || (bytes[0] & bytes[1] & bytes[2] & bytes[3]) !== 0xff) return 0;
  const meta = bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24);
  return meta > 0 && 8 + meta <= bytes.length ? 8 + meta : 0;
}

/** The RecordBatch message for `batch` from apache-arrow's writer (any type it supports). */
export function encodeBatchWithArrow(batch: arrow.RecordBatch): Uint8Array {
  const stream = arrow.RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const batchStart = schemaMessageLength(stream);
  if (view.getUint32(batchStart, true) !== CONTINUATION) {
    throw new Error("unexpected Arrow IPC stream layout");
  }
  const metaLength = view.getInt32(batchStart + 4, true);
  const headerType = flatbufferMessageHeaderType(stream, batchStart + 8);
  if (headerType !== HEADER_RECORD_BATCH) {
    throw new Error("dictionary-encoded columns are not supported in ring records");
  }
  const bodyLength = flatbufferMessageBodyLength(stream, batchStart + 8);
  return stream.slice(batchStart, batchStart + 8 + metaLength + bodyLength);
}

// --- minimal flatbuffer reading ---

/** A little-endian int64 as a number (exact below 2^53), without making a BigInt. */
function int64At(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getInt32(at + 4, true) * 4294967296;
}

/** Position of field `index` of the table at `table`, or 0 when absent. */
function fieldPosition(view: DataView, table: number, index: number): number {
  const vtable = table - view.getInt32(table, true);
  const vtableSize = view.getUint16(vtable, true);
  const slot = 4 + 2 * index;
  if (slot >= vtableSize) return 0;
  const rel = view.getUint16(vtable + slot, true);
  return rel === 0 ? 0 : table + rel;
}

function indirect(view: DataView, at: number): number {
  return at + view.getUint32(at, true);
}

function rootTable(view: DataView, fb: number): number {
  return indirect(view, fb);
}

function flatbufferMessageHeaderType(bytes: Uint8Array, fb: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const p = fieldPosition(view, rootTable(view, fb), 1);
  return p ? view.getUint8(p) : 0;
}

function flatbufferMessageBodyLength(bytes: Uint8Array, fb: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const p = fieldPosition(view, rootTable(view, fb), 3);
  return p ? Number(view.getBigInt64(p, true)) : 0;
}

/**
 * Rows of an Arrow IPC stream (a schema message, then record batches, then optionally the
 * end marker), read from the messages' metadata alone; 0 if the bytes are not such a stream.
 * It trusts the metadata beyond that: check bytes from outside with `validateArrowPayload`.
 */
export function streamRowCount(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let rows = 0;
  try {
    for (let at = 0; at + 8 <= bytes.length;) {
      if (view.getUint32(at, true) !== CONTINUATION) return 0;
      const metaLength = view.getInt32(at + 4, true);
      if (metaLength <= 0) break;
      const message = rootTable(view, at + 8);
      const typePos = fieldPosition(view, message, 1);
      const bodyPos = fieldPosition(view, message, 3);
      if (typePos && view.getUint8(typePos) === HEADER_RECORD_BATCH) {
        const lengthPos = fieldPosition(view, indirect(view, fieldPosition(view, message, 2)), 0);
        if (lengthPos) rows += int64At(view, lengthPos);
      }
      // A negative or oversized length would move `at` back or past the end: not a stream
      // (a negative bodyLength once sent this loop round forever).
      const bodyLength = bodyPos ? int64At(view, bodyPos) : 0;
      const next = at + 8 + metaLength + bodyLength;
      if (bodyLength < 0 || !(next > at) || next > bytes.length) return 0;
      at = next;
    }
  } catch {
    return 0;
  }
  return rows;
}

/** What the RecordBatch metadata of a message says. */
export interface BatchLayout {
  rowCount: number;
  /** (length, nullCount) per field node. */
  nodes: Array<{ length: number; nullCount: number }>;
  /** (offset, length) per body buffer, offsets relative to the body. */
  buffers: Array<{ offset: number; length: number }>;
  /** Offset of the body within the message. */
  bodyStart: number;
  bodyLength: number;
  compressed: boolean;
}

/** Reads the RecordBatch metadata of the message in `bytes`; throws if it is not one. */
export function readBatchLayout(bytes: Uint8Array): BatchLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== CONTINUATION) throw new Error("missing IPC continuation marker");
  const metaLength = view.getInt32(4, true);
  const fb = 8;
  const message = rootTable(view, fb);
  const typePos = fieldPosition(view, message, 1);
  if (!typePos || view.getUint8(typePos) !== HEADER_RECORD_BATCH) {
    throw new Error("IPC message is not a RecordBatch");
  }
  const bodyPos = fieldPosition(view, message, 3);
  const bodyLength = bodyPos ? Number(view.getBigInt64(bodyPos, true)) : 0;
  const batch = indirect(view, fieldPosition(view, message, 2));
  const lengthPos = fieldPosition(view, batch, 0);
  const rowCount = lengthPos ? Number(view.getBigInt64(lengthPos, true)) : 0;
  const nodes: BatchLayout["nodes"] = [];
  const nodesPos = fieldPosition(view, batch, 1);
  if (nodesPos) {
    const vec = indirect(view, nodesPos);
    const count = view.getUint32(vec, true);
    for (let i = 0; i < count; i++) {
      const s = vec + 4 + 16 * i;
      nodes.push({
        length: Number(view.getBigInt64(s, true)),
        nullCount: Number(view.getBigInt64(s + 8, true)),
      });
    }
  }
  const buffers: BatchLayout["buffers"] = [];
  const buffersPos = fieldPosition(view, batch, 2);
  if (buffersPos) {
    const vec = indirect(view, buffersPos);
    const count = view.getUint32(vec, true);
    for (let i = 0; i < count; i++) {
      const s = vec + 4 + 16 * i;
      buffers.push({
        offset: Number(view.getBigInt64(s, true)),
        length: Number(view.getBigInt64(s + 8, true)),
      });
    }
  }
  return {
    rowCount,
    nodes,
    buffers,
    bodyStart: 8 + metaLength,
    bodyLength,
    compressed: fieldPosition(view, batch, 3) !== 0,
  };
}

/**
 * Decodes a RecordBatch message stored after `schema`. Fixed-width columns become views on
 * `bytes` (no copy) when aligned; other schemas go through apache-arrow's stream reader on
 * schema + message.
 */
export function decodeBatch(
  schema: arrow.Schema,
  schemaMessage: Uint8Array,
  bytes: Uint8Array,
): arrow.RecordBatch {
  if (isFixedWidthSchema(schema)) {
    const layout = readBatchLayout(bytes);
    if (!layout.compressed && layout.nodes.length === schema.fields.length) {
      return decodeFixedWidth(schema, bytes, layout);
    }
  }
  const stream = new Uint8Array(schemaMessage.length + bytes.length);
  stream.set(schemaMessage, 0);
  stream.set(bytes, schemaMessage.length);
  const batches = arrow.RecordBatchReader.from(stream).readAll();
  if (batches.length !== 1) throw new Error(`expected one record batch, got ${batches.length}`);
  return batches[0];
}

function decodeFixedWidth(
  schema: arrow.Schema,
  bytes: Uint8Array,
  layout: BatchLayout,
): arrow.RecordBatch {
  const children: arrow.Data[] = [];
  const body = layout.bodyStart;
  for (let i = 0; i < schema.fields.length; i++) {
    const type = schema.fields[i].type;
    const node = layout.nodes[i];
    const validity = layout.buffers[2 * i];
    const values = layout.buffers[2 * i + 1];
    const nullBitmap = node.nullCount > 0
      ? bytes.subarray(body + validity.offset, body + validity.offset + validity.length)
      : undefined;
    const width = fixedByteWidth(type);
    const start = bytes.byteOffset + body + values.offset;
    const ArrayType = type.ArrayType as {
      new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView;
      BYTES_PER_ELEMENT: number;
    };
    let data: ArrayBufferView;
    if (width === 0) {
      data = bytes.subarray(body + values.offset, body + values.offset + values.length);
    } else {
      const count = (node.length * width) / ArrayType.BYTES_PER_ELEMENT;
      data = start % ArrayType.BYTES_PER_ELEMENT === 0
        ? new ArrayType(bytes.buffer, start, count)
        : new ArrayType(
          new Uint8Array(bytes.buffer, start, node.length * width).slice().buffer,
          0,
          count,
        );
    }
    children.push(
      arrow.makeData({
        // deno-lint-ignore no-explicit-any
        type: type as any,
        length: node.length,
        nullCount: node.nullCount,
        nullBitmap,
        // deno-lint-ignore no-explicit-any
        data: data as any,
      }),
    );
  }
  const struct = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: layout.rowCount,
    nullCount: 0,
    children,
  });
  return new arrow.RecordBatch(schema, struct);
}
