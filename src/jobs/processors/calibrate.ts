/**
 * `calibrate`: raw columns to physical ones, `scale` and `offset` (`y = x * scale + offset`) or
 * polynomial `coefficients` in rising powers (`y = c0 + c1 x + c2 x^2 ...`), with a new `unit`;
 * columns not named pass through.
 *
 * ```toml
 * columns = { adc = { scale = 0.000125, offset = -0.064, unit = "V" }, t = { coefficients = [0, 1, 1e-3], unit = "degC" } }
 * ```
 */
import { defineJob } from "../../job/mod.ts";
import {
  calibrateOutputColumns,
  type CalibrateSpec,
  Calibrator,
  checkCalibrateSpec,
} from "../../processing/mod.ts";
import { checkEachInput, declaredColumns, firstInputColumns, specProblem } from "./_columns.ts";
import { TableReader, TableWriter } from "./_tables.ts";

const fields = {
  columns: {
    type: "map",
    required: true,
    values: {
      type: "table",
      fields: {
        scale: { type: "number", doc: "y = x * scale + offset" },
        offset: { type: "number" },
        coefficients: { type: "numbers", doc: "y = c0 + c1 x + c2 x^2 + ..." },
        unit: { type: "string", doc: "unit of the calibrated values" },
      },
    },
    doc: "calibration per column",
  },
} as const;

function specOf(f: { columns: CalibrateSpec["columns"] }): CalibrateSpec {
  return { columns: f.columns };
}

export default defineJob({
  role: "processor",
  summary: "scales, offsets or applies a polynomial to columns, with a new unit",
  fields,
  check: (f) => specProblem(() => checkCalibrateSpec(specOf(f))),
  checkInputs: (job, inputs) =>
    checkEachInput(inputs, (columns) => checkCalibrateSpec(specOf(job.fields), columns)),
  columns: (f, inputs) => {
    const input = firstInputColumns(inputs);
    return input && declaredColumns(calibrateOutputColumns(specOf(f), input));
  },
  async run(ctx) {
    const calibrator = new Calibrator(specOf(ctx.fields));
    const reader = new TableReader(ctx);
    const writer = new TableWriter(ctx);
    for await (const msg of ctx.receive()) {
      const columns = reader.read(msg);
      if (columns) await writer.send(calibrator.apply(columns));
    }
  },
});
