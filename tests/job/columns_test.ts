// Columns as scientists see them (src/job/columns.ts): named arrays in, Arrow on the rings, out again.
import assert from "node:assert/strict";
import { ColumnBatcher, columnsOf } from "../../src/job/columns.ts";
import { JobColumnsError } from "../../src/job/errors.ts";
import { decodeBatch, encodeBatch } from "../../src/transport/payload.ts";

Deno.test("columns: typed arrays and number arrays travel as Arrow and come back as typed arrays", () => {
  const batcher = new ColumnBatcher(undefined);
  const ts = BigInt64Array.from([1n, 2n, 3n]);
  const batch = batcher.batch({
    timestamp_ns: ts,
    volts: [0.5, 1.5, -2],
    counts: Int32Array.of(7, 8, 9),
  });
  const back = columnsOf(decodeBatch(encodeBatch(batch)));
  assert.deepEqual(Object.keys(back), ["timestamp_ns", "volts", "counts"]);
  assert.deepEqual(back.timestamp_ns, ts);
  assert.deepEqual(back.volts, Float64Array.of(0.5, 1.5, -2));
  assert.deepEqual(back.counts, Int32Array.of(7, 8, 9));
  // The same columns again reuse one schema (its IPC message is encoded once).
  assert.equal(
    batcher.batch({ timestamp_ns: ts, volts: [1, 2, 3], counts: Int32Array.of(1, 2, 3) }).schema,
    batch.schema,
  );
});

Deno.test("columns: declared columns convert plain numbers, carry units, and refuse what does not fit", () => {
  const batcher = new ColumnBatcher({
    timestamp_ns: { type: "int64", unit: "ns" },
    celsius: { type: "float32", unit: "degC" },
  });
  const batch = batcher.batch({ timestamp_ns: [1e9, 2e9], celsius: [21.5, 22] });
  assert.equal(batch.schema.fields[1].metadata.get("unit"), "degC");
  const back = columnsOf(batch);
  assert.deepEqual(back.timestamp_ns, BigInt64Array.of(1_000_000_000n, 2_000_000_000n));
  assert.deepEqual(back.celsius, Float32Array.of(21.5, 22));
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ timestamp_ns: [1] }, /column "celsius" is missing/],
    [{ timestamp_ns: [1], celsius: [1], extra: [1] }, /column "extra" is not declared/],
    [
      { timestamp_ns: [1, 2], celsius: [1] },
      /column "celsius" has 1 values, column "timestamp_ns" 2/,
    ],
    [
      { timestamp_ns: [1], celsius: Float64Array.of(1) },
      /column "celsius": declared float32, got a Float64Array/,
    ],
    [{ timestamp_ns: [1], celsius: ["warm"] }, /column "celsius": value 0 is not a number/],
  ];
  for (const [columns, message] of refused) {
    assert.throws(
      () => batcher.batch(columns as never),
      (e: Error) => e instanceof JobColumnsError && message.test(e.message),
    );
  }
});
