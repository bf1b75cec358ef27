import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import { canConcat, concatBatches } from "../../../../src/jobs/stores/hdf5/_concat_batches.ts";

function batch(first: number, rows: number): arrow.RecordBatch {
  const ts = new BigInt64Array(rows).map((_, i) => BigInt(first + i) * 1000n);
  const v = new Float64Array(rows).map((_, i) => (first + i) / 3);
  const schema = new arrow.Schema(
    [
      new arrow.Field("timestamp_ns", new arrow.Int64(), false, new Map([["unit", "ns"]])),
      new arrow.Field("v", new arrow.Float64(), false, new Map([["unit", "V"]])),
    ],
    new Map([["daq.source", "sim"]]),
  );
  const children = [
    arrow.makeData({ type: new arrow.Int64(), data: ts }),
    arrow.makeData({ type: new arrow.Float64(), data: v }),
  ];
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, children }),
  );
}

Deno.test("concatBatches joins rows in order and keeps the schema and its metadata", () => {
  const joined = concatBatches([batch(0, 3), batch(3, 5), batch(8, 1)]);
  assert.equal(joined.numRows, 9);
  assert.deepEqual(
    Array.from(joined.getChild("timestamp_ns")!.toArray() as BigInt64Array),
    Array.from({ length: 9 }, (_, i) => BigInt(i) * 1000n),
  );
  assert.deepEqual(
    Array.from(joined.getChild("v")!.toArray() as Float64Array),
    Array.from({ length: 9 }, (_, i) => i / 3),
  );
  assert.equal(joined.schema.fields[1].metadata.get("unit"), "V");
  assert.equal(joined.schema.metadata.get("daq.source"), "sim");
});

Deno.test("canConcat accepts numeric columns only", () => {
  assert.ok(canConcat(batch(0, 1).schema));
  const strings = new arrow.Schema([new arrow.Field("s", new arrow.Utf8())]);
  assert.ok(!canConcat(strings));
  const bools = new arrow.Schema([new arrow.Field("b", new arrow.Bool())]);
  assert.ok(!canConcat(bools));
});
