/**
 * `exec`: a program's output. Each stdout line is one row (`format` = csv, json or
 * whitespace) of the declared `columns`, with `timestamp_ns` the time the line was read;
 * stderr lines are logged; lines that do not parse are counted (`bad_lines`) and the first
 * of each kind logged. A program that exits fails the job, so the restart policy starts it
 * again. The job's Worker may run that program and nothing else.
 */
import { checkLineColumns, LINE_FORMATS, SpecError } from "../../instruments/mod.ts";
import { defineJob } from "../../job/mod.ts";
import { runProgram } from "./_exec_lines.ts";

export default defineJob({
  role: "source",
  summary: "a program's output lines as rows (csv, json or whitespace)",
  fields: {
    command: {
      type: "strings",
      required: true,
      doc: 'program and arguments, e.g. ["python3", "-u", "sensor.py"]',
    },
    format: { type: "string", choices: LINE_FORMATS, default: "csv" },
    batch_rows: {
      type: "number",
      integer: true,
      positive: true,
      default: 1024,
      doc: "rows per batch at most",
    },
    batch_interval: {
      type: "duration",
      default: "100ms",
      doc: "a batch leaves when full or this old",
    },
    max_line: {
      type: "size",
      default: "64KiB",
      doc: "longest line read (longer ones are counted and skipped)",
    },
    columns: {
      type: "tables",
      required: true,
      fields: {
        name: { type: "string", required: true },
        type: { type: "string", choices: ["float64", "int64"], default: "float64" },
        unit: { type: "string" },
      },
    },
  },
  check(f) {
    if (f.command.length === 0 || f.command[0] === "") {
      return { key: "command", problem: "name the program to run" };
    }
    try {
      checkLineColumns(f.columns);
    } catch (e) {
      if (e instanceof SpecError) return { key: e.key, problem: e.problem };
      throw e;
    }
    return undefined;
  },
  permissions: (job) => ({ run: [job.fields.command[0]] }),
  columns: (f) => ({
    timestamp_ns: { type: "int64", unit: "ns" },
    ...Object.fromEntries(f.columns.map((c) => [c.name, { type: c.type, unit: c.unit }])),
  }),
  async run(ctx) {
    const f = ctx.fields;
    await runProgram({
      command: f.command,
      format: f.format,
      columns: f.columns,
      batchRows: f.batch_rows,
      batchIntervalMs: f.batch_interval,
      maxLineBytes: f.max_line,
    }, {
      batch(timestampNs, values) {
        const columns: Record<string, Float64Array | BigInt64Array> = { timestamp_ns: timestampNs };
        f.columns.forEach((c, i) => columns[c.name] = values[i]);
        return ctx.sendColumns(columns);
      },
      figure: (name, value) => ctx.setFigure(name, value),
      log: (text) => ctx.log(text),
      warn: (text) => ctx.warn(text),
    }, ctx.signal);
  },
});
