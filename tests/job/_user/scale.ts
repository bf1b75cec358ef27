// Test fixture, a user's processor: takes batches as named columns and sends n * factor on.
import { defineJob } from "daq/job";

export default defineJob({
  role: "processor",
  summary: "multiplies column n by factor",
  fields: { factor: { type: "number", default: 2 } },
  columns: { timestamp_ns: "int64", n: "float64" },
  async run(ctx) {
    for await (const b of ctx.batches()) {
      const n = b.columns.n as Float64Array;
      await ctx.sendColumns({
        timestamp_ns: b.columns.timestamp_ns,
        n: n.map((v) => v * ctx.fields.factor),
      });
    }
  },
});
