/**
 * A separate writer process for the Python reader test: creates a ring, prints "ready", waits
 * for a line on stdin, then writes `batches` batches of `rows` deterministic rows, 1 ms apart.
 *
 *   deno run --allow-all tests/tools/_ring_writer_process.ts RING BATCHES ROWS CAPACITY
 */
import * as arrow from "apache-arrow";
import { createRingFile } from "../../src/dataplane/mod.ts";

const [path, batchesArg, rowsArg, capacityArg] = Deno.args;
const batches = Number(batchesArg);
const rows = Number(rowsArg);

const schema = new arrow.Schema([
  new arrow.Field("timestamp_ns", new arrow.Int64(), false),
  new arrow.Field("t", new arrow.TimestampNanosecond(), false),
  new arrow.Field("sine", new arrow.Float64(), false),
  new arrow.Field("noise", new arrow.Float32(), false),
  new arrow.Field("counter", new arrow.Uint16(), false),
  new arrow.Field("ch", new arrow.Int8(), false),
  new arrow.Field("flag", new arrow.Bool(), false),
  new arrow.Field("gated", new arrow.Float64(), true),
]);
const BASE = 1_700_000_000_000_000_000n;

const writer = createRingFile(path, { schema, capacityBytes: Number(capacityArg) });
console.log("ready");
const stdin = Deno.stdin.readable.getReader();
await stdin.read();

for (let k = 0; k < batches; k++) {
  const first = k * rows;
  if (k % 2 === 0) {
    // In place: columns filled inside the ring (no nulls).
    const [ts, t, sine, noise, counter, ch, flag, gated] = writer.reserveBatch(rows) as [
      BigInt64Array,
      BigInt64Array,
      Float64Array,
      Float32Array,
      Uint16Array,
      Int8Array,
      Uint8Array,
      Float64Array,
    ];
    for (let i = 0; i < rows; i++) {
      const idx = first + i;
      ts[i] = BASE + BigInt(idx) * 1000n;
      t[i] = ts[i];
      sine[i] = idx * 0.25;
      noise[i] = (idx % 1000) * 0.5;
      counter[i] = idx & 0xffff;
      ch[i] = (idx % 256) - 128;
      if (idx % 3 === 0) flag[i >> 3] |= 1 << (i & 7);
      gated[i] = -idx;
    }
    writer.commit();
  } else {
    // Through write(batch): an Arrow batch with nulls in "gated" (every 7th row).
    const idx = Array.from({ length: rows }, (_, i) => first + i);
    const ts = BigInt64Array.from(idx, (j) => BASE + BigInt(j) * 1000n);
    const batch = new arrow.RecordBatch(
      schema,
      arrow.makeData({
        type: new arrow.Struct(schema.fields),
        length: rows,
        nullCount: 0,
        children: [
          arrow.makeData({ type: new arrow.Int64(), data: ts }),
          arrow.makeData({ type: new arrow.TimestampNanosecond(), data: ts }),
          arrow.makeData({
            type: new arrow.Float64(),
            data: Float64Array.from(idx, (j) => j * 0.25),
          }),
          arrow.makeData({
            type: new arrow.Float32(),
            data: Float32Array.from(idx, (j) => (j % 1000) * 0.5),
          }),
          arrow.makeData({
            type: new arrow.Uint16(),
            data: Uint16Array.from(idx, (j) => j & 0xffff),
          }),
          arrow.makeData({
            type: new arrow.Int8(),
            data: Int8Array.from(idx, (j) => (j % 256) - 128),
          }),
          arrow.vectorFromArray(idx.map((j) => j % 3 === 0), new arrow.Bool()).data[0],
          arrow.vectorFromArray(idx.map((j) => (j % 7 === 0 ? null : -j)), new arrow.Float64())
            .data[0],
        ],
      }),
    );
    writer.write(batch);
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
}
writer.close();
console.log("done");
