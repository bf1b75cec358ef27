// Test fixture, a user's source: counts from `first`, `count` rows in batches of `batch_rows`,
// half of them sent as columns and half one row at a time.
import { defineJob } from "daq/job";

export default defineJob({
  role: "source",
  summary: "counts up: sendColumns for even batches, sendRow for odd ones",
  fields: {
    first: { type: "number", integer: true, default: 0 },
    count: { type: "number", integer: true, positive: true, required: true },
    batch_rows: { type: "number", integer: true, positive: true, default: 10 },
  },
  columns: { timestamp_ns: { type: "int64", unit: "ns" }, n: "float64" },
  async run(ctx) {
    const { first, count, batch_rows: rows } = ctx.fields;
    for (let at = 0, k = 0; at < count; at += rows, k++) {
      const take = Math.min(rows, count - at);
      const n = Array.from({ length: take }, (_, i) => first + at + i);
      const t0 = BigInt(Date.now()) * 1_000_000n;
      if (k % 2 === 0) {
        await ctx.sendColumns({ timestamp_ns: n.map((_, i) => t0 + BigInt(i)), n });
      } else {
        for (const [i, v] of n.entries()) await ctx.sendRow({ timestamp_ns: t0 + BigInt(i), n: v });
      }
    }
  },
});
