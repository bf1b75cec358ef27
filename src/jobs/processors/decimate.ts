/**
 * `decimate`: N rows to 1 (`every = 100`) or one row per time bucket (`bucket = "10ms"`), with
 * statistics per column (`columns = { sine = ["mean", "max"] }` sends `sine_mean`, `sine_max`);
 * `timestamp_ns` is the first timestamp of each block. Blocks span batches; the last, shorter
 * block is sent when the run ends. Each input key is decimated apart.
 */
import { defineJob } from "../../job/mod.ts";
import {
  checkDecimateSpec,
  DECIMATE_STATISTICS,
  decimateOutputColumns,
  type DecimateSpec,
  Decimator,
} from "../../processing/mod.ts";
import {
  checkEachInput,
  declaredColumns,
  firstInputColumns,
  rowsOf,
  specProblem,
} from "./_columns.ts";
import { TableReader, TableWriter } from "./_tables.ts";

const fields = {
  every: { type: "number", integer: true, positive: true, doc: "rows per block" },
  bucket: { type: "duration", doc: 'block length in time (of timestamp_ns), e.g. "10ms"' },
  columns: {
    type: "map",
    required: true,
    values: { type: "strings" },
    doc: `statistics per column: ${DECIMATE_STATISTICS.join(", ")}`,
  },
} as const;

function specOf(f: { every?: number; bucket?: number; columns: Record<string, string[]> }) {
  const spec: DecimateSpec = { columns: f.columns };
  if (f.every !== undefined) spec.every = f.every;
  if (f.bucket !== undefined) spec.bucketNs = Math.round(f.bucket * 1e6);
  return spec;
}

export default defineJob({
  role: "processor",
  summary: "averages (or min, max, median, first, last) N rows or a time bucket into one",
  fields,
  check: (f) => specProblem(() => checkDecimateSpec(specOf(f))),
  checkInputs: (job, inputs) =>
    checkEachInput(inputs, (columns) => checkDecimateSpec(specOf(job.fields), columns)),
  columns: (f, inputs) =>
    declaredColumns(decimateOutputColumns(specOf(f), firstInputColumns(inputs))),
  async run(ctx) {
    const spec = specOf(ctx.fields);
    const byKey = new Map<string, Decimator>();
    const reader = new TableReader(ctx);
    const writer = new TableWriter(ctx);
    let sent = 0;
    const send = async (columns: ReturnType<Decimator["push"]>) => {
      sent += rowsOf(columns);
      await writer.send(columns);
    };
    for await (const msg of ctx.receive()) {
      const columns = reader.read(msg);
      if (!columns) continue;
      let d = byKey.get(msg.key);
      if (!d) byKey.set(msg.key, d = new Decimator(spec));
      await send(d.push(columns));
    }
    for (const d of byKey.values()) await send(d.flush());
    ctx.setFigure("rows_sent", sent);
  },
});
