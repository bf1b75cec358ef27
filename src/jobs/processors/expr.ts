/**
 * `expr`: derived columns from expressions over each row's columns, computed over whole
 * columns (`columns = { power = "voltage * current", t_c = "(adc - 512) * 0.125" }`). The
 * language (see src/processing/expr.ts): numbers, column names, `pi`, `+ - * / % **`,
 * comparisons, `&& || !`, `c ? a : b`, and `abs sqrt exp log log10 sin cos tan floor ceil round
 * pow min max clamp`. A bad expression is a config error naming the column.
 */
import { defineJob } from "../../job/mod.ts";
import {
  checkExprSpec,
  ExprEvaluator,
  exprOutputColumns,
  type ExprSpec,
} from "../../processing/mod.ts";
import { checkEachInput, declaredColumns, firstInputColumns, specProblem } from "./_columns.ts";
import { TableReader, TableWriter } from "./_tables.ts";

const fields = {
  columns: {
    type: "map",
    required: true,
    values: { type: "string" },
    doc: "derived column name = expression; later ones may use earlier ones",
  },
} as const;

export default defineJob({
  role: "processor",
  summary: "adds columns computed from expressions over each row",
  fields,
  check: (f) => specProblem(() => checkExprSpec({ columns: f.columns })),
  checkInputs: (job, inputs) =>
    checkEachInput(inputs, (columns) => checkExprSpec({ columns: job.fields.columns }, columns)),
  columns: (f, inputs) => {
    const input = firstInputColumns(inputs);
    return input && declaredColumns(exprOutputColumns({ columns: f.columns }, input));
  },
  async run(ctx) {
    const spec: ExprSpec = { columns: ctx.fields.columns };
    const byKey = new Map<string, ExprEvaluator>();
    const reader = new TableReader(ctx);
    const writer = new TableWriter(ctx);
    for await (const msg of ctx.receive()) {
      const columns = reader.read(msg);
      if (!columns) continue;
      let e = byKey.get(msg.key);
      if (!e) byKey.set(msg.key, e = new ExprEvaluator(spec));
      await writer.send(e.apply(columns));
    }
  },
});
