// A lab's own source: a thermometer read every `period`. This one simulates the reading (a
// slow drift plus noise); a real driver would ask its instrument at host:port instead, and
// declare `permissions: (job) => ({ net: [`${job.fields.host}:${job.fields.port}`] })`.
import { defineJob } from "daq/job";

export default defineJob({
  role: "source",
  summary: "thermometer (simulated): one reading in degC every period",
  fields: {
    period: { type: "duration", default: "100ms", doc: "time between readings" },
    start_c: { type: "number", default: 21.5, doc: "temperature at the start, degC" },
    drift_c_per_s: { type: "number", default: 0.01, doc: "drift per second, degC" },
    max_readings: { type: "number", integer: true, positive: true, doc: "stop after this many" },
  },
  columns: {
    timestamp_ns: { type: "int64", unit: "ns" },
    celsius: { type: "float64", unit: "degC" },
  },
  async run(ctx) {
    const { period, start_c: start, drift_c_per_s: drift, max_readings: max } = ctx.fields;
    const t0 = Date.now();
    for (let n = 0; !ctx.stopping() && (max === undefined || n < max); n++) {
      const now = Date.now();
      const celsius = start + drift * (now - t0) / 1000 + 0.05 * (Math.random() - 0.5);
      await ctx.sendRow({ timestamp_ns: BigInt(now) * 1_000_000n, celsius });
      await ctx.sleep(period);
    }
  },
});
