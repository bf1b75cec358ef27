/**
 * `histogram`: fixed bins per chosen column (`columns = { energy = { min = 0, max = 10, bins =
 * 100 } }`), with underflow, overflow and NaN counts, sent every `interval` and at the end of
 * the run as histogram messages (src/transport/histogram.ts): `store.hdf5` writes each as a
 * dataset with its bin edges, `store.root` as a TH1D, `store.csv` as bin rows. Filled from
 * every input key; counts start at zero with each run.
 */
import { defineJob } from "../../job/mod.ts";
import { checkHistogramSpec, Histogram } from "../../processing/mod.ts";
import { histogramBatch } from "../../transport/histogram.ts";
import { checkEachInput, specProblem } from "./_columns.ts";
import { TableReader } from "./_tables.ts";

const fields = {
  columns: {
    type: "map",
    required: true,
    values: {
      type: "table",
      fields: {
        min: { type: "number", required: true, doc: "low edge of the first bin" },
        max: { type: "number", required: true, doc: "high edge of the last bin" },
        bins: { type: "number", integer: true, positive: true, required: true },
      },
    },
    doc: "bins per column",
  },
  interval: { type: "duration", default: "1s", doc: "how often the histograms are sent" },
} as const;

type Bins = { min: number; max: number; bins: number };

/** Now, in ns since the epoch. */
function epochNowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

function specsOf(columns: Record<string, Bins>) {
  return Object.entries(columns).map(([column, b]) => ({ column, ...b }));
}

export default defineJob({
  role: "processor",
  summary: "fills fixed-bin histograms of columns; sends them every interval and at the end",
  fields,
  check: (f) =>
    specProblem(() => {
      for (const s of specsOf(f.columns)) checkHistogramSpec(s, undefined, `columns.${s.column}`);
    }),
  checkInputs: (job, inputs) =>
    checkEachInput(inputs, (columns) => {
      for (const s of specsOf(job.fields.columns)) {
        checkHistogramSpec(s, columns, `columns.${s.column}`);
      }
    }),
  columns: { bin_low: "float64", bin_high: "float64", count: "float64" },
  async run(ctx) {
    const histograms = specsOf(ctx.fields.columns).map((s) => new Histogram(s));
    const units = new Map<string, string | undefined>();
    const startNs = epochNowNs();
    let filled = 0;
    const send = async (final: boolean) => {
      const timeNs = epochNowNs();
      for (const h of histograms) {
        const { column, min, max, bins } = h.spec;
        await ctx.sendBatch(histogramBatch({
          name: column,
          column,
          unit: units.get(column),
          min,
          max,
          bins,
          counts: h.counts,
          nan: h.nan,
          entries: h.entries,
          sum: h.sum,
          sumSquares: h.sumSquares,
          startNs,
          timeNs,
          final,
        }));
      }
      ctx.setFigure("histograms_sent", sends += histograms.length);
    };
    let sends = 0;
    let due = performance.now() + ctx.fields.interval;
    const reader = new TableReader(ctx);
    for await (const msg of ctx.receive()) {
      const columns = reader.read(msg);
      if (!columns) continue;
      for (const h of histograms) {
        const column = columns.find((c) => c.name === h.spec.column && !c.listSize);
        if (column === undefined) {
          throw new Error(
            `columns.${h.spec.column}: input "${msg.key}" has no number column "${h.spec.column}"`,
          );
        }
        if (!units.has(h.spec.column)) units.set(h.spec.column, column.unit);
        h.fill(column.values);
      }
      filled += columns[0]?.values.length ?? 0;
      ctx.setFigure("values_filled", filled);
      if (performance.now() >= due) {
        await send(false);
        due = performance.now() + ctx.fields.interval;
      }
    }
    await send(true);
  },
});
