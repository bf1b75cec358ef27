/**
 * `alarm.watch`: what alarms over a route's columns look at (`dmm.voltage > 10.5`). The config
 * adds one per such route (named `_alarms.<route>`); every `interval` it publishes, per column,
 * the largest, smallest and last value since the last time as the figures `max.<column>`,
 * `min.<column>` and `last.<column>` (unchanged while no rows come).
 */
import { defineJob } from "../../job/mod.ts";

export default defineJob({
  role: "processor",
  summary: "reports the extremes of columns for alarms (added by [[alarms]])",
  fields: {
    columns: { type: "strings", required: true, doc: "the columns the alarms look at" },
    interval: { type: "duration", default: "100ms", doc: "how often the figures are published" },
  },
  async run(ctx) {
    const names = ctx.fields.columns;
    const max = new Float64Array(names.length).fill(-Infinity);
    const min = new Float64Array(names.length).fill(Infinity);
    const last = new Float64Array(names.length).fill(NaN);
    let seen = false;
    const publish = () => {
      if (!seen) return;
      names.forEach((n, i) => {
        ctx.setFigure(`max.${n}`, max[i]);
        ctx.setFigure(`min.${n}`, min[i]);
        ctx.setFigure(`last.${n}`, last[i]);
      });
      max.fill(-Infinity);
      min.fill(Infinity);
      seen = false;
    };
    const timer = setInterval(publish, ctx.fields.interval);
    const missing = new Set<string>();
    try {
      for await (const b of ctx.batches()) {
        names.forEach((n, i) => {
          const v = b.columns[n];
          if (v === undefined) {
            if (!missing.has(n)) {
              missing.add(n);
              ctx.warn(`route "${b.key}" has no number column "${n}": its alarms see nothing`);
            }
            return;
          }
          let hi = max[i], lo = min[i];
          for (let k = 0; k < v.length; k++) {
            const x = Number(v[k]);
            if (x > hi) hi = x;
            if (x < lo) lo = x;
          }
          max[i] = hi;
          min[i] = lo;
          if (v.length > 0) {
            last[i] = Number(v[v.length - 1]);
            seen = true;
          }
        });
      }
    } finally {
      clearInterval(timer);
      publish();
    }
  },
});
