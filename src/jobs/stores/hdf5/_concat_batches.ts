/** Joins record batches of one schema into one, so that HDF5 gets fewer, larger writes. */
import * as arrow from "apache-arrow";

function isPlainNumeric(type: arrow.DataType): boolean {
  return arrow.DataType.isInt(type) || arrow.DataType.isFloat(type) ||
    arrow.DataType.isTimestamp(type);
}

/**
 * Whether {@link concatBatches} can join batches of `schema`: every column an integer, float or
 * timestamp (one flat buffer of values per column).
 */
export function canConcat(schema: arrow.Schema): boolean {
  return schema.fields.every((f) => isPlainNumeric(f.type));
}

/**
 * One batch with the rows of `batches` in order, the schema (and field metadata) of the first.
 * The batches must share a schema that {@link canConcat} accepts and hold no nulls; the values
 * are copied.
 */
export function concatBatches(batches: arrow.RecordBatch[]): arrow.RecordBatch {
  if (batches.length === 1) return batches[0];
  const schema = batches[0].schema;
  const length = batches.reduce((n, b) => n + b.numRows, 0);
  const children = schema.fields.map((field, i) => {
    const ArrayType = field.type.ArrayType as unknown as {
      new (n: number): Float64Array | BigInt64Array;
    };
    const values = new ArrayType(length);
    let at = 0;
    for (const batch of batches) {
      const column = batch.getChildAt(i)!;
      values.set(column.toArray() as never, at);
      at += batch.numRows;
    }
    return arrow.makeData({ type: field.type, length, nullCount: 0, data: values } as never);
  });
  const data = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length,
    nullCount: 0,
    children,
  });
  return new arrow.RecordBatch(schema, data);
}
