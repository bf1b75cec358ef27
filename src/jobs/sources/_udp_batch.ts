/**
 * UDP rows as Arrow record batches: `timestamp_ns` (int64, ns) and one column per field, a
 * `FixedSizeList<count>` for array fields (stored by the HDF5 store as a rows x count dataset),
 * units as field metadata `unit`. The arrays are used as they are (no copy).
 */
import { type FixedSizeList, makeData, RecordBatch, type Schema, Struct } from "apache-arrow";
import type { UdpBatch } from "./_udp_stream.ts";

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
