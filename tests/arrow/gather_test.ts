import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import { openBatchGatherer } from "../../src/arrow/mod.ts";

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

Deno.test("a gatherer joins rows in order and keeps the schema and its metadata", () => {
  const g = openBatchGatherer(batch(0, 1).schema, 100, 1 << 20)!;
  for (const b of [batch(0, 3), batch(3, 5), batch(8, 1)]) {
    assert.ok(g.accepts(b));
    g.add(b);
  }
  assert.equal(g.rows, 9);
  assert.equal(g.bytes, 9 * 16);
  const joined = g.take();
  assert.equal(g.rows, 0, "taking empties it");
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
  // Past the first buffers (1024 rows), it grows and keeps what it held.
  const big = openBatchGatherer(batch(0, 1).schema, 5000, 1 << 20)!;
  for (let first = 0; first < 2000; first += 40) big.add(batch(first, 40));
  const grown = big.take();
  assert.equal(grown.numRows, 2000);
  assert.equal((grown.getChild("v")!.toArray() as Float64Array)[1999], 1999 / 3);
});

Deno.test("a gatherer's capacity follows its row and byte limits; variable-width columns get none", () => {
  assert.equal(openBatchGatherer(batch(0, 1).schema, 100, 1 << 20)!.capacity, 100);
  assert.equal(openBatchGatherer(batch(0, 1).schema, 1e9, 1600)!.capacity, 100, "16 bytes a row");
  assert.equal(openBatchGatherer(batch(0, 1).schema, 1e9, 1600, 30)!.capacity, 90, "3 times 30");
  assert.equal(
    openBatchGatherer(batch(0, 1).schema, 1e9, 1600, 500)!.capacity,
    500,
    "one at least",
  );
  const strings = new arrow.Schema([new arrow.Field("s", new arrow.Utf8())]);
  assert.equal(openBatchGatherer(strings, 100, 1 << 20), undefined);
});
