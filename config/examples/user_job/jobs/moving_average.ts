// A lab's own processor: the moving average of one column over the last `window` rows, sent
// on with the timestamps and the column itself as a new column `<column>_avg`.
import { defineJob } from "daq/job";

export default defineJob({
  role: "processor",
  summary: "moving average of one column over the last `window` rows",
  fields: {
    column: { type: "string", default: "celsius", doc: "the column averaged" },
    window: { type: "number", integer: true, positive: true, default: 10, doc: "rows averaged" },
  },
  columns: (f) => ({
    timestamp_ns: "int64",
    [f.column]: "float64",
    [`${f.column}_avg`]: "float64",
  }),
  async run(ctx) {
    const { column, window } = ctx.fields;
    const last = new Float64Array(window);
    let seen = 0;
    let sum = 0;
    for await (const b of ctx.batches()) {
      const values = b.columns[column];
      if (!(values instanceof Float64Array)) throw new Error(`no float64 column "${column}"`);
      const avg = new Float64Array(b.rows);
      for (let i = 0; i < b.rows; i++) {
        sum += values[i] - last[seen % window];
        last[seen++ % window] = values[i];
        avg[i] = sum / Math.min(seen, window);
      }
      await ctx.sendColumns({
        timestamp_ns: b.columns.timestamp_ns,
        [column]: values,
        [`${column}_avg`]: avg,
      });
    }
  },
});
