import assert from "node:assert/strict";
import { Field, Schema, Table, tableToIPC, Utf8 } from "apache-arrow";
import {
  batchFromColumns,
  batchRowCount,
  batchStreamBytes,
  encodeBatch,
  planBatch,
} from "../../src/transport/payload.ts";

function batchOf(rows: number) {
  return batchFromColumns([
    { name: "t", values: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)) },
    { name: "v", values: Float64Array.from({ length: rows }, (_, i) => i / 2) },
  ]);
}

Deno.test("batchRowCount reads the rows of one encoded batch", () => {
  for (const rows of [0, 1, 7, 4096]) assert.equal(batchRowCount(encodeBatch(batchOf(rows))), rows);
});

Deno.test("batchRowCount adds up every batch of a stream written by apache-arrow", () => {
  const stream = tableToIPC(new Table([batchOf(3), batchOf(5), batchOf(11)]), "stream");
  assert.equal(batchRowCount(stream), 19);
});

Deno.test("batchRowCount is 0 for bytes that are not an Arrow stream", () => {
  assert.equal(batchRowCount(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])), 0);
  assert.equal(batchRowCount(encodeBatch(batchOf(5)).subarray(0, 40)), 0);
  assert.equal(batchRowCount(new Uint8Array(0)), 0);
});

Deno.test("batchStreamBytes: the size of the stream planBatch makes, for any fixed-width schema and row count", () => {
  const make = (rows: number) =>
    batchFromColumns([
      { name: "timestamp_ns", values: new BigInt64Array(rows), unit: "ns" },
      { name: "a", values: new Float64Array(rows), unit: "V" },
      { name: "b", values: new Int8Array(rows) },
      { name: "c", values: new Int16Array(rows) },
      { name: "d", values: new Float32Array(rows), unit: "mV" },
    ]);
  for (const rows of [0, 1, 7, 8, 9, 1000, 4097]) {
    const batch = make(rows);
    assert.equal(batchStreamBytes(batch.schema, rows), encodeBatch(batch).length, `${rows} rows`);
    assert.equal(batchStreamBytes(batch.schema, rows), planBatch(batch).length, `${rows} rows`);
  }
  const strings = new Schema([new Field("s", new Utf8())]);
  assert.equal(batchStreamBytes(strings, 10), undefined);
});
