// A source for tests: `batches` batches of `rows` rows (timestamp_ns, v), sent without saying
// how large they are (no messageBytes), so that only the run can find out they do not fit.
import { defineJob } from "../../src/job/mod.ts";

export default defineJob({
  role: "source",
  summary: "test source: big batches of undeclared size",
  fields: {
    rows: { type: "number", integer: true, positive: true, default: 10_000 },
    batches: { type: "number", integer: true, positive: true, default: 3 },
  },
  columns: { timestamp_ns: "int64", v: "float64" },
  async run(ctx) {
    const { rows, batches } = ctx.fields;
    for (let k = 0; k < batches && !ctx.stopping(); k++) {
      const ts = new BigInt64Array(rows).map((_, i) => BigInt(k * rows + i));
      await ctx.sendColumns({ timestamp_ns: ts, v: new Float64Array(rows).fill(k) });
    }
  },
});
