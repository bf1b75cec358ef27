import assert from "node:assert/strict";
import { RecordBatchReader } from "apache-arrow";
import {
  BENCH_EVENT_BYTES,
  benchBatchLayout,
  fillBenchBatch,
  fillBenchEvent,
} from "../../../src/jobs/sources/bench.ts";
import { decodeMessage } from "../../../src/transport/payload.ts";

Deno.test("bench source: batches written in place decode with apache-arrow's own reader, values exact", () => {
  const rows = 5000;
  const layout = benchBatchLayout(rows);
  const dst = new Uint8Array(layout.template.length);
  // A start just below a 2^32 boundary so that the high word carries mid-batch.
  const startNs = 1_763_000_000 * 1e9 +
    (4294967296 - 1_000_000 - ((1_763_000_000 * 1e9) % 4294967296));
  fillBenchBatch(dst, layout, 42, startNs, 1000);
  const batch = RecordBatchReader.from(dst).readAll()[0];
  assert.equal(batch.numRows, rows);
  const ts = batch.getChild("timestamp_ns")!.toArray() as BigInt64Array;
  const values = batch.getChild("value")!.toArray() as Float64Array;
  for (let i = 0; i < rows; i++) {
    assert.equal(ts[i], BigInt(startNs) + BigInt(i) * 1000n, `timestamp ${i}`);
    assert.equal(values[i], 42 + i * (1 / rows), `value ${i}`);
  }
});

Deno.test("bench source: msgpack events written in place decode with msgpackr, values exact", () => {
  const dst = new Uint8Array(BENCH_EVENT_BYTES);
  // Times past 2^53 ns are exact in a double only at multiples of 256 ns; this one is.
  const timeNs = 1_763_000_000_123_456_000;
  for (const seq of [0, 1, 255, 65_536, 4_294_967_295, 4_294_967_296 + 7]) {
    fillBenchEvent(dst, seq, timeNs);
    const event = decodeMessage<{ seq: number; t_ns: bigint | number; value: number }>(dst);
    assert.deepEqual(Object.keys(event), ["seq", "t_ns", "value"]);
    assert.equal(event.seq, seq % 4294967296, `seq ${seq}`);
    assert.equal(BigInt(event.t_ns), BigInt(timeNs));
    assert.equal(event.value, seq / 2);
  }
});
