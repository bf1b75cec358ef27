import assert from "node:assert/strict";
import { Table, tableToIPC } from "apache-arrow";
import { batchFromColumns, batchRowCount, encodeBatch } from "../../src/transport/payload.ts";

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
