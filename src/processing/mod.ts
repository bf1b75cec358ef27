/**
 * The processing kernels behind the processor jobs: pure computations over typed-array
 * columns, with no I/O. Each kernel checks its spec when built (a {@link ProcessorSpecError}
 * naming the spec key; {@link ExprError} for expressions), works a whole column per loop, and
 * keeps whatever state must carry from one batch to the next.
 *
 * - {@link Decimator}: N-to-1 or per time bucket; mean, min, max, median, first, last.
 * - {@link Calibrator}: scale/offset or polynomial, new unit.
 * - {@link ExprEvaluator}: derived columns from expressions (parsed by jsep, compiled to
 *   column loops).
 * - {@link Trigger}: threshold with hysteresis, edge and dead time; event rows or windows.
 * - {@link Histogram}: fixed bins with underflow and overflow.
 * - {@link Coincidence}: events of several inputs within a time window, merged.
 *
 * ```ts
 * import { Decimator, ExprEvaluator } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const batch = [
 *   { name: "timestamp_ns", values: BigInt64Array.of(0n, 1n, 2n, 3n) },
 *   { name: "voltage", values: Float64Array.of(1, 2, 3, 4), unit: "V" },
 *   { name: "current", values: Float64Array.of(2, 2, 2, 2), unit: "A" },
 * ];
 * const power = new ExprEvaluator({ columns: { power: "voltage * current" } });
 * assert.deepEqual([...power.apply(batch)[3].values], [2, 4, 6, 8]);
 *
 * const slow = new Decimator({ every: 2, columns: { voltage: ["mean", "max"] } });
 * const out = slow.push(batch);
 * assert.deepEqual(out.map((c) => c.name), ["timestamp_ns", "voltage_mean", "voltage_max"]);
 * assert.deepEqual([...out[1].values], [1.5, 3.5]);
 * ```
 *
 * @module
 */

export * from "./columns.ts";
export * from "./errors.ts";
export {
  checkDecimateSpec,
  DECIMATE_STATISTICS,
  decimateOutputColumns,
  type DecimateSpec,
  type DecimateStatistic,
  Decimator,
} from "./decimate.ts";
export {
  calibrateOutputColumns,
  type CalibrateSpec,
  type Calibration,
  Calibrator,
  checkCalibrateSpec,
} from "./calibrate.ts";
export {
  checkExprSpec,
  type CompiledExpr,
  compileExpr,
  EXPR_FUNCTIONS,
  ExprEvaluator,
  exprOutputColumns,
  type ExprSpec,
  MAX_EXPR_LENGTH,
} from "./expr.ts";
export {
  checkTriggerSpec,
  Trigger,
  type TriggerCounts,
  type TriggerEdge,
  triggerOutputColumns,
  type TriggerSpec,
} from "./trigger.ts";
export { checkHistogramSpec, Histogram, type HistogramSpec, MAX_BINS } from "./histogram.ts";
export {
  checkCoincidenceSpec,
  Coincidence,
  type CoincidenceCounts,
  coincidenceOutputColumns,
  type CoincidenceSpec,
} from "./coincidence.ts";
