/**
 * `coincidence`: events of two or more inputs whose `timestamp_ns` lie within `window` of each
 * other become one merged row: `timestamp_ns` (the earliest), then each input's columns prefixed
 * by its route key (`<key>_<column>`). Inputs that arrive late are waited for up to
 * `max_delay` (of timestamps); events that come after their time was decided are counted as
 * aged out. Figures: `coincidences`, `singles.<key>`, `aged_out.<key>`, `out_of_order.<key>`.
 */
import { defineJob } from "../../job/mod.ts";
import {
  checkCoincidenceSpec,
  Coincidence,
  coincidenceOutputColumns,
  type CoincidenceSpec,
} from "../../processing/mod.ts";
import { columnInfos, declaredColumns, specProblem } from "./_columns.ts";
import { TableReader, TableWriter } from "./_tables.ts";

const fields = {
  window: {
    type: "duration",
    required: true,
    doc: 'events within this of each other, e.g. "50ns"',
  },
  max_delay: {
    type: "duration",
    allowZero: true,
    default: "1s",
    doc: "how far one input may run ahead of another before events are decided without it",
  },
} as const;

function specOf(
  inputs: readonly string[],
  f: { window: number; max_delay: number },
): CoincidenceSpec {
  return {
    inputs,
    windowNs: f.window * 1e6,
    maxDelayNs: f.max_delay * 1e6,
  };
}

/** The input keys, in the order the job lists them. */
function inputKeys(patterns: readonly string[], routes: readonly { key: string }[]): string[] {
  const keys: string[] = [];
  for (const p of patterns) {
    for (const r of routes) if (r.key === p && !keys.includes(p)) keys.push(p);
  }
  return keys;
}

export default defineJob({
  role: "processor",
  summary: "merges events of several inputs that fall within a time window",
  fields,
  check: (f) => specProblem(() => checkCoincidenceSpec(specOf(["a", "b"], f))),
  checkInputs: (job, inputs) => {
    const patterns = job.inputs.filter((p) => p.endsWith("*"));
    if (patterns.length > 0) {
      return `name each input key (no patterns such as "${
        patterns[0]
      }"): a coincidence waits for each`;
    }
    const problem = specProblem(() =>
      checkCoincidenceSpec(specOf(inputKeys(job.inputs, inputs), job.fields))
    );
    if (problem) return problem;
    for (const i of inputs) {
      const columns = columnInfos(i.schema);
      if (columns && !columns.some((c) => c.name === "timestamp_ns")) {
        return `input "${i.key}" from job "${i.from}" has no timestamp_ns column`;
      }
    }
    return specProblem(() => {
      const byKey: Record<string, ReturnType<typeof columnInfos> & object> = {};
      for (const i of inputs) {
        const c = columnInfos(i.schema);
        if (c) byKey[i.key] = c;
      }
      coincidenceOutputColumns(specOf(inputKeys(job.inputs, inputs), job.fields), byKey);
    });
  },
  columns: (f, inputs) => {
    const keys = [...new Set(inputs.map((i) => i.key))];
    const byKey: Record<string, NonNullable<ReturnType<typeof columnInfos>>> = {};
    for (const i of inputs) {
      const c = columnInfos(i.schema);
      if (!c) return undefined;
      byKey[i.key] = c;
    }
    if (keys.length < 2) return undefined;
    try {
      return declaredColumns(coincidenceOutputColumns(specOf(keys, f), byKey));
    } catch {
      return undefined;
    }
  },
  async run(ctx) {
    const spec = specOf(ctx.job.inputs, ctx.fields);
    const c = new Coincidence(spec);
    const reader = new TableReader(ctx);
    const writer = new TableWriter(ctx);
    const figures = () => {
      ctx.setFigure("coincidences", c.counts.coincidences);
      for (const k of spec.inputs) {
        ctx.setFigure(`singles.${k}`, c.counts.singles[k]);
        ctx.setFigure(`aged_out.${k}`, c.counts.agedOut[k]);
        ctx.setFigure(`out_of_order.${k}`, c.counts.outOfOrder[k]);
      }
      ctx.setFigure("waiting", c.waiting);
    };
    const send = (columns: ReturnType<Coincidence["push"]>) => writer.send(columns);
    for await (const msg of ctx.receive()) {
      const columns = reader.read(msg);
      if (!columns) continue;
      await send(c.push(msg.key, columns));
      figures();
    }
    await send(c.flush());
    figures();
  },
});
