/**
 * `trigger`: a threshold on one column with hysteresis, edge (`rising`, `falling`, `both`) and
 * dead time. Sends one event row per trigger (the input row and `edge`), or with `pre`/`post`
 * one row per trigger of `timestamp_ns`, `edge` and a window of `pre + post` samples of each
 * window column (the trigger sample at index `pre`). Counts `triggers`, `suppressed` (in dead
 * time) and `partial_windows`. Each input key is triggered on apart.
 */
import { defineJob } from "../../job/mod.ts";
import {
  checkTriggerSpec,
  Trigger,
  type TriggerEdge,
  triggerOutputColumns,
  type TriggerSpec,
} from "../../processing/mod.ts";
import { checkEachInput, declaredColumns, firstInputColumns, specProblem } from "./_columns.ts";
import { TableReader, TableWriter } from "./_tables.ts";

const fields = {
  column: { type: "string", required: true, doc: "the column to trigger on" },
  threshold: { type: "number", required: true },
  hysteresis: { type: "number", min: 0, default: 0, doc: "how far back it must go to re-arm" },
  edge: { type: "string", choices: ["rising", "falling", "both"], default: "rising" },
  dead_time: { type: "duration", allowZero: true, default: "0s", doc: "after a trigger, none" },
  pre: { type: "number", integer: true, min: 0, doc: "window samples before the trigger sample" },
  post: { type: "number", integer: true, min: 0, doc: "window samples from the trigger sample" },
  window_columns: { type: "strings", doc: "columns sent as windows (default: column)" },
} as const;

function specOf(f: {
  column: string;
  threshold: number;
  hysteresis: number;
  edge: string;
  dead_time: number;
  pre?: number;
  post?: number;
  window_columns?: string[];
}): TriggerSpec {
  return {
    column: f.column,
    threshold: f.threshold,
    hysteresis: f.hysteresis,
    edge: f.edge as TriggerEdge,
    deadTimeNs: Math.round(f.dead_time * 1e6),
    pre: f.pre,
    post: f.post,
    windowColumns: f.window_columns,
  };
}

export default defineJob({
  role: "processor",
  summary: "finds threshold crossings; sends event rows or windows of samples around them",
  fields,
  check: (f) => specProblem(() => checkTriggerSpec(specOf(f))),
  checkInputs: (job, inputs) =>
    checkEachInput(inputs, (columns) => checkTriggerSpec(specOf(job.fields), columns)),
  columns: (f, inputs) => {
    const input = firstInputColumns(inputs);
    return input && declaredColumns(triggerOutputColumns(specOf(f), input));
  },
  async run(ctx) {
    const spec = specOf(ctx.fields);
    const byKey = new Map<string, Trigger>();
    const reader = new TableReader(ctx);
    const writer = new TableWriter(ctx);
    const figures = () => {
      let triggers = 0, suppressed = 0, partial = 0;
      for (const t of byKey.values()) {
        triggers += t.counts.triggers;
        suppressed += t.counts.suppressed;
        partial += t.counts.partialWindows;
      }
      ctx.setFigure("triggers", triggers);
      ctx.setFigure("suppressed", suppressed);
      ctx.setFigure("partial_windows", partial);
    };
    const send = (columns: ReturnType<Trigger["push"]>) => writer.send(columns);
    for await (const msg of ctx.receive()) {
      const columns = reader.read(msg);
      if (!columns) continue;
      let t = byKey.get(msg.key);
      if (!t) byKey.set(msg.key, t = new Trigger(spec));
      const before = t.counts.triggers + t.counts.suppressed;
      await send(t.push(columns));
      if (t.counts.triggers + t.counts.suppressed !== before) figures();
    }
    for (const t of byKey.values()) await send(t.flush());
    figures();
  },
});
