// A user source for the dashboard tests: an instrument with an identity that sends a
// waveform column (64 samples a row, a fixed-size array) ten times a second.
import { defineJob } from "daq/job";
import {
  Field,
  FixedSizeList,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
} from "apache-arrow";

/** Samples per trace. */
const SAMPLES = 64;

export default defineJob({
  role: "source",
  summary: "simulated oscilloscope: one 64-sample trace per row, with an identity",
  fields: {},
  async run(ctx) {
    ctx.setIdentity("ACME Instruments,SCOPE-7,SN1234,1.0");
    const item = new Field("v", new Float64(), false);
    const timeType = new Int64();
    const traceType = new FixedSizeList(SAMPLES, item);
    const fields = [
      new Field("timestamp_ns", timeType, false),
      new Field("trace", traceType, false),
    ];
    for (let k = 0; !ctx.stopping(); k++) {
      const rows = 10;
      const ts = new BigInt64Array(rows);
      const values = new Float64Array(rows * SAMPLES);
      const now = BigInt(Date.now()) * 1_000_000n;
      for (let r = 0; r < rows; r++) {
        ts[r] = now + BigInt(r) * 10_000_000n;
        for (let i = 0; i < SAMPLES; i++) {
          values[r * SAMPLES + i] = Math.sin((2 * Math.PI * i) / SAMPLES) * (1 + (k % 3));
        }
      }
      const children = [
        makeData({ type: timeType, length: rows, data: ts }),
        makeData({
          type: traceType,
          length: rows,
          child: makeData({ type: item.type, length: rows * SAMPLES, data: values }),
        }),
      ];
      const struct = makeData({ type: new Struct(fields), length: rows, nullCount: 0, children });
      await ctx.sendBatch(new RecordBatch(new Schema(fields), struct));
      await ctx.sleep(100);
    }
  },
});
