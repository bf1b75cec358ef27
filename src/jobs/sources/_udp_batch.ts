/**
 * UDP rows as Arrow record batches: `timestamp_ns` (int64, ns) and one column per field, a
 * `FixedSizeList<count>` for array fields (stored by the HDF5 store as a rows x count dataset),
 * units as field metadata `unit`. The arrays are used as they are (no copy).
 */
import {
  type DataType,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
} from "apache-arrow";
import type { FieldType } from "../../instruments/mod.ts";
import type { UdpBatch } from "./_udp_stream.ts";

const ARROW: Record<FieldType, () => DataType> = {
  int8: () => new Int8(),
  uint8: () => new Uint8(),
  int16: () => new Int16(),
  uint16: () => new Uint16(),
  int32: () => new Int32(),
  uint32: () => new Uint32(),
  int64: () => new Int64(),
  uint64: () => new Uint64(),
  float32: () => new Float32(),
  float64: () => new Float64(),
};

/** The schema of a UDP job's rows: `timestamp_ns`, then the fields (arrays as lists). */
export function udpSchema(
  fields: { name: string; type: FieldType; count: number; unit?: string }[],
): Schema {
  const meta = (unit?: string) => unit ? new Map([["unit", unit]]) : null;
  return new Schema([
    new Field("timestamp_ns", new Int64(), false, meta("ns")),
    ...fields.map((f) => {
      const item = ARROW[f.type]();
      const type = f.count > 1 ? new FixedSizeList(f.count, new Field("item", item, false)) : item;
      return new Field(f.name, type, false, meta(f.unit));
    }),
  ]);
}

/** A record batch over the arrays of `batch` (no copy), in `schema`'s column order. */
export function udpRecordBatch(schema: Schema, batch: UdpBatch): RecordBatch {
  const length = batch.rows;
  const children = [
    makeData(
      { type: schema.fields[0].type, length, nullCount: 0, data: batch.timestampNs } as never,
    ),
    ...batch.columns.map((c, i) => {
      const type = schema.fields[i + 1].type;
      if (c.count === 1) return makeData({ type, length, nullCount: 0, data: c.values } as never);
      const list = type as FixedSizeList;
      const child = makeData(
        {
          type: list.children[0].type,
          length: length * c.count,
          nullCount: 0,
          data: c.values,
        } as never,
      );
      return makeData({ type: list, length, nullCount: 0, child } as never);
    }),
  ];
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  const out = new RecordBatch(schema, struct);
  // Keep the one schema object, so its IPC message is encoded once for all batches.
  (out as { schema: Schema }).schema = schema;
  return out;
}
