/**
 * `calibrate`: turns raw columns into physical ones, `y = x * scale + offset` or a polynomial
 * `y = c0 + c1 x + c2 x^2 + ...` (coefficients in rising powers), with a new unit. Columns not
 * named pass through untouched (the same arrays, no copy).
 */
import {
  type Column,
  type ColumnInfo,
  isBigIntArray,
  type NumberArray,
  OutputBuffers,
} from "./columns.ts";
import { unknownColumn } from "./decimate.ts";
import { ProcessorSpecError } from "./errors.ts";

/** The calibration of one column: `scale`/`offset`, or `coefficients`. */
export interface Calibration {
  scale?: number;
  offset?: number;
  /** Polynomial coefficients in rising powers: c0 + c1 x + c2 x^2 + ... */
  coefficients?: readonly number[];
  /** Unit of the calibrated values (default: the input's). */
  unit?: string;
}

/** Calibrations by column name. */
export interface CalibrateSpec {
  columns: Record<string, Calibration>;
}

/** Checks a calibrate spec (and its columns against `input` when known). */
export function checkCalibrateSpec(spec: CalibrateSpec, input?: readonly ColumnInfo[]): void {
  const names = Object.keys(spec.columns);
  if (names.length === 0) throw new ProcessorSpecError("columns", "name at least one column");
  for (const name of names) {
    const c = spec.columns[name];
    const key = `columns.${name}`;
    const linear = c.scale !== undefined || c.offset !== undefined;
    if (linear && c.coefficients !== undefined) {
      throw new ProcessorSpecError(key, "give `scale`/`offset` or `coefficients`, not both");
    }
    if (!linear && c.coefficients === undefined) {
      throw new ProcessorSpecError(key, "give `scale` and/or `offset`, or `coefficients`");
    }
    for (const k of ["scale", "offset"] as const) {
      if (c[k] !== undefined && !Number.isFinite(c[k])) {
        throw new ProcessorSpecError(`${key}.${k}`, `expected a finite number, got ${c[k]}`);
      }
    }
    if (c.coefficients !== undefined) {
      if (!Array.isArray(c.coefficients) || c.coefficients.length === 0) {
        throw new ProcessorSpecError(`${key}.coefficients`, "expected a non-empty list of numbers");
      }
      c.coefficients.forEach((x, i) => {
        if (!Number.isFinite(x)) {
          throw new ProcessorSpecError(
            `${key}.coefficients[${i}]`,
            `expected a finite number, got ${x}`,
          );
        }
      });
    }
    if (input) {
      const col = input.find((i) => i.name === name);
      if (!col) throw new ProcessorSpecError(key, unknownColumn(name, input));
      if (col.type === "int64" || col.type === "uint64") {
        throw new ProcessorSpecError(key, `column '${name}' holds 64-bit integers`);
      }
    }
  }
}

/** The columns a calibrate spec sends: the input's, calibrated ones as float64 in their new unit. */
export function calibrateOutputColumns(
  spec: CalibrateSpec,
  input: readonly ColumnInfo[],
): ColumnInfo[] {
  return input.map((c) => {
    const cal = spec.columns[c.name];
    return cal ? { ...c, type: "float64", unit: cal.unit ?? c.unit } : c;
  });
}

/** Applies calibrations to batches. */
export class Calibrator {
  readonly #spec: CalibrateSpec;
  readonly #out = new OutputBuffers();

  /** Checks `spec` (see {@link checkCalibrateSpec}). */
  constructor(spec: CalibrateSpec, input?: readonly ColumnInfo[]) {
    checkCalibrateSpec(spec, input);
    this.#spec = spec;
  }

  /**
   * The batch with the named columns calibrated (float64 arrays reused by the next call), the
   * rest as they were.
   */
  apply(columns: readonly Column[]): Column[] {
    for (const name of Object.keys(this.#spec.columns)) {
      if (!columns.some((c) => c.name === name)) {
        throw new ProcessorSpecError(`columns.${name}`, unknownColumn(name, columns));
      }
    }
    return columns.map((c) => {
      const cal = this.#spec.columns[c.name];
      if (!cal) return c;
      if (isBigIntArray(c.values)) {
        throw new ProcessorSpecError(`columns.${c.name}`, "column holds 64-bit integers");
      }
      const out = this.#out.f64(c.name, c.values.length);
      if (cal.coefficients) polynomial(c.values, cal.coefficients, out);
      else linear(c.values, cal.scale ?? 1, cal.offset ?? 0, out);
      return { ...c, values: out, unit: cal.unit ?? c.unit };
    });
  }
}

function linear(x: NumberArray, scale: number, offset: number, out: Float64Array): void {
  if (x instanceof Float64Array) {
    for (let i = 0; i < x.length; i++) out[i] = x[i] * scale + offset;
  } else {
    for (let i = 0; i < x.length; i++) out[i] = x[i] * scale + offset;
  }
}

function polynomial(x: NumberArray, c: readonly number[], out: Float64Array): void {
  const n = c.length - 1;
  if (n === 0) return void out.fill(c[0]);
  if (n === 1) return linear(x, c[1], c[0], out);
  // Horner's scheme, one pass over the column per coefficient.
  const top = c[n];
  for (let i = 0; i < x.length; i++) out[i] = top * x[i] + c[n - 1];
  for (let k = n - 2; k >= 0; k--) {
    const ck = c[k];
    for (let i = 0; i < x.length; i++) out[i] = out[i] * x[i] + ck;
  }
}
