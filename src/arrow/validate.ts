/**
 * Checks an Arrow IPC payload from outside (a remote peer, a file) before anything decodes it:
 * its messages and buffers lie within the bytes, its flatbuffers are well formed, and every
 * column's buffers hold the rows the batch claims. Metadata only: no value is read except the
 * first and last offset of variable-width columns, so the cost does not grow with the rows.
 *
 * A payload is what a ring record of type Arrow holds: a schema message, exactly one record
 * batch message, and optionally the end-of-stream marker, nothing after it. What apache-arrow
 * can decode but this path cannot store is refused too: dictionaries, compressed bodies,
 * big-endian data, unions and the view types.
 *
 * @module
 */
import { ArrowPayloadError } from "./errors.ts";
import { FlatbufferReader } from "./_flatbuffer.ts";

const CONTINUATION = 0xffffffff;
const HEADER_SCHEMA = 1;
const HEADER_RECORD_BATCH = 3;
const HEADER_NAMES = ["none", "Schema", "DictionaryBatch", "RecordBatch", "Tensor", "SparseTensor"];
/** Fields a schema may have, nested ones included: bounds the work on a forged one. */
const MAX_FIELDS = 10_000;
/** How deep fields may nest. */
const MAX_DEPTH = 64;

/** How one field's buffers are laid out in a record batch body. */
type FieldLayout =
  | { kind: "null" }
  | { kind: "bool" }
  | { kind: "fixed"; width: number }
  | { kind: "variable"; offsetBytes: 4 | 8 }
  | { kind: "list"; offsetBytes: 4 | 8; child: FieldLayout }
  | { kind: "fixed_list"; size: number; child: FieldLayout }
  | { kind: "struct"; children: FieldLayout[] };

/** A schema message that passed {@link validateArrowSchema}. */
export interface ArrowSchemaCheck {
  /** A copy of the schema message's bytes. */
  readonly message: Uint8Array;
  /** Names of the top-level fields, for messages about them. */
  readonly names: readonly string[];
  /** Field nodes a record batch of this schema has (nested fields included). */
  readonly nodeCount: number;
  /** Body buffers a record batch of this schema has. */
  readonly bufferCount: number;
  readonly fields: readonly FieldLayout[];
}

/** What a payload that passed {@link validateArrowPayload} holds. */
export interface ArrowPayloadCheck {
  /** Rows of its record batch. */
  rows: number;
  /** Bytes of its schema message (0 when the schema was checked apart). */
  schemaLength: number;
}

function fail(problem: string): never {
  throw new ArrowPayloadError(`Arrow payload: ${problem}`);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** One IPC message of a stream: where its metadata and body lie. */
interface MessageFrame {
  reader: FlatbufferReader;
  message: number;
  headerType: number;
  bodyStart: number;
  bodyLength: number;
  /** Where the next message starts. */
  next: number;
}

/** Rethrows `error`, an ArrowPayloadError, with `where` in front of what it says. */
function within(where: string, error: unknown): never {
  if (!(error instanceof ArrowPayloadError)) throw error;
  throw new ArrowPayloadError(
    error.message.replace(/^Arrow payload: /, `Arrow payload: ${where}: `),
  );
}

/** The message at `at`, or undefined for the end-of-stream marker; throws if malformed. */
function messageAt(view: DataView, at: number, index: number): MessageFrame | undefined {
  try {
    if (at + 8 > view.byteLength) fail(`${view.byteLength - at} bytes, not a message`);
    if (view.getUint32(at, true) !== CONTINUATION) fail("no continuation marker (0xFFFFFFFF)");
    const metaLength = view.getInt32(at + 4, true);
    if (metaLength === 0) return undefined;
    if (metaLength < 0 || at + 8 + metaLength > view.byteLength) {
      fail(`metadata length ${metaLength} beyond the ${view.byteLength - at - 8} bytes left`);
    }
    const reader = new FlatbufferReader(view, at + 8, at + 8 + metaLength);
    const message = reader.root("metadata");
    const version = reader.int16(message, 0, 0, "version");
    if (version !== 3 && version !== 4) fail(`metadata version ${version} (V4 or V5 expected)`);
    const headerType = reader.uint8(message, 1, 0, "header type");
    const bodyLength = reader.count(message, 3, 0, "bodyLength");
    const bodyStart = at + 8 + metaLength;
    if (bodyLength > view.byteLength - bodyStart) {
      fail(`bodyLength ${bodyLength} beyond the ${view.byteLength - bodyStart} bytes left`);
    }
    checkKeyValues(reader, message, 4, "custom_metadata");
    return { reader, message, headerType, bodyStart, bodyLength, next: bodyStart + bodyLength };
  } catch (error) {
    within(`message ${index} (at byte ${at})`, error);
  }
}

function checkKeyValues(reader: FlatbufferReader, table: number, index: number, what: string) {
  const pairs = reader.vectorField(table, index, 4, what);
  if (!pairs) return;
  for (let i = 0; i < pairs.length; i++) {
    const pair = reader.tableOf(pairs, i, what);
    reader.checkString(pair, 0, `${what} key`);
    reader.checkString(pair, 1, `${what} value`);
  }
}

/** Counts what a schema's fields take in a batch, and bounds the work. */
interface SchemaWalk {
  fields: number;
  nodes: number;
  buffers: number;
}

function fieldLayout(
  reader: FlatbufferReader,
  field: number,
  name: string,
  depth: number,
  walk: SchemaWalk,
): FieldLayout {
  if (++walk.fields > MAX_FIELDS) fail(`schema has more than ${MAX_FIELDS} fields`);
  if (depth > MAX_DEPTH) fail(`fields nest deeper than ${MAX_DEPTH}`);
  reader.checkString(field, 0, `field "${name}" name`);
  if (reader.tableField(field, 4, `field "${name}" dictionary`) !== 0) {
    fail(`field "${name}" is dictionary-encoded (not supported on this path)`);
  }
  checkKeyValues(reader, field, 6, `field "${name}" custom_metadata`);
  const typeId = reader.uint8(field, 2, 0, `field "${name}" type`);
  const type = reader.tableField(field, 3, `field "${name}" type`);
  if (type === 0) fail(`field "${name}" has no type table`);
  const childVector = reader.vectorField(field, 5, 4, `field "${name}" children`);
  const childCount = childVector?.length ?? 0;
  const children = (expected?: number): FieldLayout[] => {
    if (expected !== undefined && childCount !== expected) {
      fail(`field "${name}" has ${childCount} children, ${expected} expected`);
    }
    const out: FieldLayout[] = [];
    for (let i = 0; i < childCount; i++) {
      const child = reader.tableOf(childVector!, i, `field "${name}" child ${i}`);
      out.push(fieldLayout(reader, child, `${name}.${i}`, depth + 1, walk));
    }
    return out;
  };
  const leaf = (layout: FieldLayout, buffers: number): FieldLayout => {
    children(0);
    walk.nodes++;
    walk.buffers += buffers;
    return layout;
  };
  const choose = (value: number, widths: Record<number, number>, what: string): number => {
    const width = widths[value];
    if (width === undefined) fail(`field "${name}": ${what} ${value} is not valid`);
    return width;
  };
  const what = `field "${name}"`;
  switch (typeId) {
    case 1: // Null
      return leaf({ kind: "null" }, 0);
    case 2: // Int
      return leaf({
        kind: "fixed",
        width: choose(reader.int32(type, 0, 0, what), { 8: 1, 16: 2, 32: 4, 64: 8 }, "bitWidth"),
      }, 2);
    case 3: // FloatingPoint
      return leaf({
        kind: "fixed",
        width: choose(reader.int16(type, 0, 0, what), { 0: 2, 1: 4, 2: 8 }, "precision"),
      }, 2);
    case 4: // Binary
    case 5: // Utf8
      return leaf({ kind: "variable", offsetBytes: 4 }, 3);
    case 6: // Bool
      return leaf({ kind: "bool" }, 2);
    case 7: // Decimal
      return leaf({
        kind: "fixed",
        width: choose(
          reader.int32(type, 2, 128, what),
          { 32: 4, 64: 8, 128: 16, 256: 32 },
          "bitWidth",
        ),
      }, 2);
    case 8: // Date
      return leaf({
        kind: "fixed",
        width: choose(reader.int16(type, 0, 1, what), { 0: 4, 1: 8 }, "unit"),
      }, 2);
    case 9: // Time
      choose(reader.int16(type, 0, 1, what), { 0: 1, 1: 1, 2: 1, 3: 1 }, "unit");
      return leaf({
        kind: "fixed",
        width: choose(reader.int32(type, 1, 32, what), { 32: 4, 64: 8 }, "bitWidth"),
      }, 2);
    case 10: // Timestamp
      choose(reader.int16(type, 0, 0, what), { 0: 1, 1: 1, 2: 1, 3: 1 }, "unit");
      reader.checkString(type, 1, `${what} timezone`);
      return leaf({ kind: "fixed", width: 8 }, 2);
    case 11: // Interval
      return leaf({
        kind: "fixed",
        width: choose(reader.int16(type, 0, 0, what), { 0: 4, 1: 8, 2: 16 }, "unit"),
      }, 2);
    case 15: { // FixedSizeBinary
      const width = reader.int32(type, 0, 0, what);
      if (width <= 0) fail(`${what}: byteWidth ${width}`);
      return leaf({ kind: "fixed", width }, 2);
    }
    case 18: // Duration
      choose(reader.int16(type, 0, 1, what), { 0: 1, 1: 1, 2: 1, 3: 1 }, "unit");
      return leaf({ kind: "fixed", width: 8 }, 2);
    case 19: // LargeBinary
    case 20: // LargeUtf8
      return leaf({ kind: "variable", offsetBytes: 8 }, 3);
    case 12: // List
    case 17: // Map
    case 21: { // LargeList
      walk.nodes++;
      walk.buffers += 2;
      const [child] = children(1);
      return { kind: "list", offsetBytes: typeId === 21 ? 8 : 4, child };
    }
    case 16: { // FixedSizeList
      const size = reader.int32(type, 0, 0, what);
      if (size < 0) fail(`${what}: listSize ${size}`);
      walk.nodes++;
      walk.buffers += 1;
      const [child] = children(1);
      return { kind: "fixed_list", size, child };
    }
    case 13: // Struct
      walk.nodes++;
      walk.buffers += 1;
      return { kind: "struct", children: children() };
    default:
      fail(`${what}: column type ${typeId} is not supported on this path`);
  }
}

const textDecoder = new TextDecoder();

let lastSchema: ArrowSchemaCheck | undefined;

/**
 * Checks an Arrow IPC schema message (continuation marker, length, flatbuffer, no body) and
 * returns what its record batches must hold; throws ArrowPayloadError naming what is wrong.
 * The last schema that passed is remembered by its bytes: a run of payloads with one schema
 * has it checked once.
 */
export function validateArrowSchema(message: Uint8Array): ArrowSchemaCheck {
  if (lastSchema && sameBytes(lastSchema.message, message)) return lastSchema;
  return lastSchema = checkSchema(message);
}

function checkSchema(message: Uint8Array): ArrowSchemaCheck {
  const view = viewOf(message);
  const frame = messageAt(view, 0, 0);
  if (!frame) fail("the stream ends before its schema");
  if (frame.headerType !== HEADER_SCHEMA) {
    fail(
      `the first message is a ${HEADER_NAMES[frame.headerType] ?? frame.headerType}, not a Schema`,
    );
  }
  if (frame.bodyLength !== 0) fail(`the schema message has a body of ${frame.bodyLength} bytes`);
  if (frame.next !== message.byteLength) {
    fail(`the schema message is ${frame.next} bytes, given ${message.byteLength}`);
  }
  const { reader } = frame;
  const schema = reader.tableField(frame.message, 2, "schema");
  if (schema === 0) fail("the schema message has no schema");
  if (reader.int16(schema, 0, 0, "endianness") !== 0) fail("big-endian data is not supported");
  reader.vectorField(schema, 3, 8, "schema features");
  checkKeyValues(reader, schema, 2, "schema custom_metadata");
  const fieldVector = reader.vectorField(schema, 1, 4, "schema fields");
  const walk: SchemaWalk = { fields: 0, nodes: 0, buffers: 0 };
  const fields: FieldLayout[] = [];
  const names: string[] = [];
  for (let i = 0; i < (fieldVector?.length ?? 0); i++) {
    const field = reader.tableOf(fieldVector!, i, `field ${i}`);
    const nameAt = reader.vectorField(field, 0, 1, `field ${i} name`);
    const name = nameAt
      ? textDecoder.decode(message.subarray(nameAt.at, nameAt.at + Math.min(nameAt.length, 64)))
      : String(i);
    names.push(name);
    fields.push(fieldLayout(reader, field, name, 0, walk));
  }
  return {
    message: new Uint8Array(message), // a copy (slice() of a Node Buffer is a view)
    names,
    nodeCount: walk.nodes,
    bufferCount: walk.buffers,
    fields,
  };
}

/**
 * Reading position in a batch's field nodes and buffers while its columns are checked; the
 * last node and buffer read are in its fields (no object per read).
 */
class BatchCursor {
  node = 0;
  buffer = 0;
  /** Length and null count of the last node read. */
  length = 0;
  nullCount = 0;
  /** Offset (in the body) and length of the last buffer read. */
  offset = 0;
  bytes = 0;
  constructor(
    readonly reader: FlatbufferReader,
    readonly view: DataView,
    readonly nodes: { at: number; length: number },
    readonly buffers: { at: number; length: number },
    readonly bodyStart: number,
    readonly bodyLength: number,
  ) {}

  nextNode(): void {
    if (this.node >= this.nodes.length) fail("the batch has too few field nodes");
    const at = this.nodes.at + 16 * this.node++;
    this.length = this.reader.countAt(at, "length");
    this.nullCount = this.reader.countAt(at + 8, "null count");
  }

  /** Reads the next buffer, checked to lie within the body. */
  nextBuffer(): void {
    if (this.buffer >= this.buffers.length) fail("the batch has too few buffers");
    const at = this.buffers.at + 16 * this.buffer++;
    const offset = this.reader.countAt(at, "buffer offset");
    const length = this.reader.countAt(at + 8, "buffer length");
    if (offset + length > this.bodyLength) {
      fail(`buffer at ${offset} of ${length} bytes beyond the body of ${this.bodyLength}`);
    }
    if (length > 0 && offset % 8 !== 0) fail(`buffer offset ${offset} is not 8-aligned`);
    this.offset = offset;
    this.bytes = length;
  }

  /** Offset `i` of the offsets buffer read last (in bounds: checked by the caller). */
  offsetAt(width: 4 | 8, i: number): number {
    const at = this.bodyStart + this.offset + i * width;
    if (width === 4) return this.view.getInt32(at, true);
    const high = this.view.getInt32(at + 4, true);
    if (high < 0 || high >= 0x200000) fail(`offset ${i} is outside 0..2^53-1`);
    return this.view.getUint32(at, true) + high * 4294967296;
  }
}

/** Throws unless the buffer read last holds `bytes` bytes of `what` for `length` values. */
function needs(cursor: BatchCursor, bytes: number, what: string, length: number): void {
  if (cursor.bytes < bytes) {
    fail(`${cursor.bytes} bytes of ${what} for ${length} values (${bytes} needed)`);
  }
}

/**
 * Checks one column: its node against the rows it must hold (exactly `rows` at the top, at
 * least `rows` below), its buffers against the node's length, then its children. Problems
 * name the column relative to it (`items: ...`, `child 1: ...`).
 */
function checkColumn(cursor: BatchCursor, layout: FieldLayout, rows: number, exact: boolean) {
  cursor.nextNode();
  const { length, nullCount } = cursor;
  if (exact ? length !== rows : length < rows) {
    fail(`${length} values for a batch of ${rows} rows`);
  }
  if (nullCount > length) fail(`${nullCount} nulls in ${length} values`);
  if (layout.kind === "null") return;
  cursor.nextBuffer();
  if (nullCount > 0 && cursor.bytes < Math.ceil(length / 8)) {
    fail(`validity bitmap of ${cursor.bytes} bytes for ${length} values`);
  }
  switch (layout.kind) {
    case "fixed":
      cursor.nextBuffer();
      needs(cursor, length * layout.width, "values", length);
      return;
    case "bool":
      cursor.nextBuffer();
      needs(cursor, Math.ceil(length / 8), "values", length);
      return;
    case "variable":
    case "list": {
      cursor.nextBuffer();
      let last = 0;
      if (length > 0) {
        needs(cursor, (length + 1) * layout.offsetBytes, "offsets", length);
        const first = cursor.offsetAt(layout.offsetBytes, 0);
        last = cursor.offsetAt(layout.offsetBytes, length);
        if (first < 0 || last < first) fail(`offsets run from ${first} to ${last}`);
      }
      if (layout.kind === "variable") {
        cursor.nextBuffer();
        if (last > cursor.bytes) fail(`offsets reach ${last}, data holds ${cursor.bytes}`);
      } else {
        try {
          checkColumn(cursor, layout.child, last, false);
        } catch (error) {
          within("items", error);
        }
      }
      return;
    }
    case "fixed_list":
      try {
        checkColumn(cursor, layout.child, length * layout.size, false);
      } catch (error) {
        within("items", error);
      }
      return;
    case "struct":
      for (let i = 0; i < layout.children.length; i++) {
        try {
          checkColumn(cursor, layout.children[i], length, false);
        } catch (error) {
          within(`child ${i}`, error);
        }
      }
      return;
  }
}

/**
 * Checks what follows a schema message in a payload: one record batch of `schema`, then
 * optionally the end-of-stream marker; returns its row count. Throws ArrowPayloadError naming
 * what is wrong (counts the payload's messages from 1: message 0 is the schema).
 */
export function validateArrowBatch(schema: ArrowSchemaCheck, bytes: Uint8Array): number {
  const view = viewOf(bytes);
  const frame = messageAt(view, 0, 1);
  if (!frame) fail("the stream ends before its record batch");
  if (frame.headerType !== HEADER_RECORD_BATCH) {
    fail(
      `message 1 is a ${
        HEADER_NAMES[frame.headerType] ?? `header type ${frame.headerType}`
      }, not a RecordBatch`,
    );
  }
  const { reader } = frame;
  let cursor: BatchCursor;
  let rows: number;
  try {
    const batch = reader.tableField(frame.message, 2, "record batch");
    if (batch === 0) fail("no record batch");
    rows = reader.count(batch, 0, 0, "record batch length");
    const nodes = reader.vectorField(batch, 1, 16, "record batch nodes") ?? NO_VECTOR;
    const buffers = reader.vectorField(batch, 2, 16, "record batch buffers") ?? NO_VECTOR;
    if (reader.field(batch, 3, 4, "compression") !== 0) {
      fail("compressed record batch bodies are not supported on this path");
    }
    if ((reader.vectorField(batch, 4, 8, "variadic buffer counts")?.length ?? 0) > 0) {
      fail("variadic buffers (view types) are not supported on this path");
    }
    if (nodes.length !== schema.nodeCount || buffers.length !== schema.bufferCount) {
      fail(
        `record batch has ${nodes.length} field nodes and ${buffers.length} buffers; ` +
          `its schema needs ${schema.nodeCount} and ${schema.bufferCount}`,
      );
    }
    cursor = new BatchCursor(reader, view, nodes, buffers, frame.bodyStart, frame.bodyLength);
  } catch (error) {
    within("message 1", error);
  }
  for (let i = 0; i < schema.fields.length; i++) {
    try {
      checkColumn(cursor, schema.fields[i], rows, true);
    } catch (error) {
      within(`column ${i} ("${schema.names[i]}")`, error);
    }
  }
  const end = frame.next;
  if (end === bytes.byteLength) return rows;
  if (end + 8 === bytes.byteLength && messageAt(view, end, 2) === undefined) return rows;
  fail(
    `${
      bytes.byteLength - end
    } bytes after the record batch (one batch per payload, then at most the end marker)`,
  );
}

const NO_VECTOR = { at: 0, length: 0 };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.byteLength;
  if (n !== b.byteLength) return false;
  const x = viewOf(a);
  const y = viewOf(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) if (x.getInt32(i) !== y.getInt32(i)) return false;
  for (; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytes of the schema message at the start of `bytes`; throws if there is none. */
function schemaLengthOf(bytes: Uint8Array): number {
  if (bytes.byteLength < 8) fail(`${bytes.byteLength} bytes, not an Arrow IPC stream`);
  const view = viewOf(bytes);
  if (view.getUint32(0, true) !== CONTINUATION) fail("no continuation marker (0xFFFFFFFF)");
  const metaLength = view.getInt32(4, true);
  if (metaLength <= 0 || 8 + metaLength > bytes.byteLength) {
    fail(`schema metadata length ${metaLength} in a payload of ${bytes.byteLength} bytes`);
  }
  return 8 + metaLength;
}

/**
 * Checks a whole Arrow payload: schema message, one record batch, optionally the end marker.
 * Returns its row count; throws ArrowPayloadError naming what is wrong.
 *
 * ```ts
 * import * as arrow from "apache-arrow";
 * import { validateArrowPayload } from "./validate.ts";
 * const table = arrow.tableFromArrays({ v: new Float64Array([1, 2, 3]) });
 * console.log(validateArrowPayload(arrow.tableToIPC(table, "stream")).rows); // 3
 * ```
 */
export function validateArrowPayload(bytes: Uint8Array): ArrowPayloadCheck {
  const schemaLength = schemaLengthOf(bytes);
  const schema = validateArrowSchema(bytes.subarray(0, schemaLength));
  return { rows: validateArrowBatch(schema, bytes.subarray(schemaLength)), schemaLength };
}
