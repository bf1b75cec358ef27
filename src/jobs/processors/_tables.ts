/**
 * The processors' hot path: tables read from ring payloads and written into rings without
 * apache-arrow objects per message. A payload whose schema has only fixed-width number columns
 * without nulls becomes typed-array views on the ring; kernel columns of numbers are written
 * straight into each consumer's ring (schema message encoded once). Anything else (lists,
 * booleans, nulls, compression) takes the general path through apache-arrow.
 */
import { Field, Schema, Type } from "apache-arrow";
import {
  decodeSchemaMessage,
  encodeSchemaMessage,
  messageBytes,
  readBatchLayout,
  schemaMessageLength,
  writeBatchBody,
  writeBatchMetadata,
} from "../../arrow/ipc.ts";
import type { JobContext, ReceivedMessage } from "../../job/mod.ts";
import type { Column, ColumnValues } from "../../processing/mod.ts";
import { RecordType } from "../../transport/payload.ts";
import { BatchBuilder, kernelColumns } from "./_columns.ts";
import { columnsOf } from "../../job/columns.ts";

type Ctor = (new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ColumnValues) & {
  BYTES_PER_ELEMENT: number;
};

const ARRAYS: Record<string, Ctor> = {
  "float64": Float64Array,
  "float32": Float32Array,
  "int64": BigInt64Array,
  "uint64": BigUint64Array,
  "int32": Int32Array,
  "uint32": Uint32Array,
  "int16": Int16Array,
  "uint16": Uint16Array,
  "int8": Int8Array,
  "uint8": Uint8Array,
} as unknown as Record<string, Ctor>;

function arrayOf(field: Field): Ctor | undefined {
  const t = field.type;
  if (t.typeId === Type.Float) {
    return [undefined, ARRAYS.float32, ARRAYS.float64][(t as { precision: number }).precision];
  }
  if (t.typeId === Type.Int) {
    const i = t as unknown as { isSigned: boolean; bitWidth: number };
    return ARRAYS[`${i.isSigned ? "int" : "uint"}${i.bitWidth}`];
  }
  return undefined;
}

interface ReadSchema {
  bytes: Uint8Array;
  schema: Schema;
  /** Per field: its array type and unit, or undefined when the schema needs the general path. */
  fields: { name: string; ctor: Ctor; unit: string | undefined }[] | undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads tables from received messages as kernel columns (views valid until the next one). */
export class TableReader {
  #schema: ReadSchema | undefined;
  readonly #ctx: JobContext;

  /** Reads for `ctx` (it counts the rows read). */
  constructor(ctx: JobContext) {
    this.#ctx = ctx;
  }

  /** The columns of an Arrow message (counted), or undefined for other messages. */
  read(msg: ReceivedMessage): Column[] | undefined {
    if (msg.type !== RecordType.arrow) return undefined;
    const payload = msg.payload;
    const end = schemaMessageLength(payload);
    let s = this.#schema;
    if (end > 0 && (!s || !sameBytes(payload.subarray(0, end), s.bytes))) {
      const bytes = payload.slice(0, end);
      const schema = decodeSchemaMessage(bytes);
      const fields = schema.fields.map((f) => ({
        name: f.name,
        ctor: arrayOf(f)!,
        unit: f.metadata.get("unit"),
      }));
      s = this.#schema = {
        bytes,
        schema,
        fields: fields.every((f) => f.ctor) ? fields : undefined,
      };
    }
    if (end > 0 && s?.fields) {
      const columns = this.#views(payload, end, s.fields);
      if (columns) return columns;
    }
    const batch = this.#ctx.batchOf(msg);
    this.#ctx.countRows(batch.numRows);
    return kernelColumns(batch, columnsOf(batch));
  }

  #views(payload: Uint8Array, end: number, fields: NonNullable<ReadSchema["fields"]>) {
    const layout = readBatchLayout(payload.subarray(end));
    if (layout.compressed || layout.nodes.length !== fields.length) return undefined;
    const rows = layout.rowCount;
    const body = payload.byteOffset + end + layout.bodyStart;
    const out: Column[] = [];
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (layout.nodes[i].nullCount > 0) return undefined;
      const at = body + layout.buffers[2 * i + 1].offset;
      if (at % f.ctor.BYTES_PER_ELEMENT !== 0) return undefined;
      const values = new f.ctor(payload.buffer, at, rows);
      out.push(
        f.unit === undefined ? { name: f.name, values } : { name: f.name, values, unit: f.unit },
      );
    }
    this.#ctx.countRows(rows);
    return out;
  }
}

const EOS = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** Sends kernel columns as tables, written straight into the rings. */
export class TableWriter {
  readonly #ctx: JobContext;
  readonly #general = new BatchBuilder();
  #names: string[] = [];
  #ctors: unknown[] = [];
  #units: (string | undefined)[] = [];
  #schemaMessage: Uint8Array | undefined;

  /** Sends on `ctx`'s routes. */
  constructor(ctx: JobContext) {
    this.#ctx = ctx;
  }

  /** Sends one table (nothing when it has no rows). */
  send(columns: readonly Column[]): Promise<void> {
    const c0 = columns[0];
    const rows = c0 ? c0.values.length / (c0.listSize ?? 1) : 0;
    if (rows === 0) return Promise.resolve();
    if (columns.some((c) => c.listSize)) {
      return this.#ctx.sendBatch(this.#general.batch(columns));
    }
    const head = this.#schemaFor(columns);
    const plans = columns.map((c) => ({
      validity: null,
      values: new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength),
      nullCount: 0,
      validityBytes: 0,
      valueBytes: c.values.byteLength,
    }));
    const messageLength = messageBytes(plans);
    return this.#ctx.send(RecordType.arrow, head.length + messageLength + EOS.length, (dst) => {
      dst.set(head);
      const view = new DataView(dst.buffer, dst.byteOffset + head.length, messageLength);
      const bodyAt = writeBatchMetadata(view, 0, rows, plans);
      writeBatchBody(dst.subarray(head.length, head.length + messageLength), bodyAt, plans);
      dst.set(EOS, head.length + messageLength);
    }, { rows });
  }

  /** The schema message for these columns: the last one while names, types and units stay. */
  #schemaFor(columns: readonly Column[]): Uint8Array {
    let same = this.#schemaMessage !== undefined && columns.length === this.#names.length;
    for (let i = 0; same && i < columns.length; i++) {
      const c = columns[i];
      same = c.name === this.#names[i] && c.values.constructor === this.#ctors[i] &&
        c.unit === this.#units[i];
    }
    if (same) return this.#schemaMessage!;
    const batch = this.#general.batch(columns);
    this.#schemaMessage = encodeSchemaMessage(batch.schema);
    this.#names = columns.map((c) => c.name);
    this.#ctors = columns.map((c) => c.values.constructor);
    this.#units = columns.map((c) => c.unit);
    return this.#schemaMessage;
  }
}
