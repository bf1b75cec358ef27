/**
 * `histogram`: fixed bins over `[min, max)` for one column, filled batch by batch. Counts are
 * kept as ROOT keeps them: index 0 is the underflow (`< min`), 1..bins the bins, bins + 1 the
 * overflow (`>= max`); NaN values are counted apart.
 */
import { histogramEdges } from "../transport/histogram.ts";
import { type ColumnInfo, type ColumnValues, isBigIntArray } from "./columns.ts";
import { unknownColumn } from "./decimate.ts";
import { ProcessorSpecError } from "./errors.ts";

/** The bins of one histogram. */
export interface HistogramSpec {
  column: string;
  min: number;
  max: number;
  bins: number;
}

/** Bins above this are refused (8 bytes of memory each, twice over). */
export const MAX_BINS = 10_000_000;

/**
 * Checks a histogram spec (and its column against `input` when known). `key` prefixes the
 * keys in errors (`columns.energy`).
 */
export function checkHistogramSpec(
  spec: HistogramSpec,
  input?: readonly ColumnInfo[],
  key = "",
): void {
  const at = (k: string) => (key ? `${key}.${k}` : k);
  if (!(Number.isInteger(spec.bins) && spec.bins >= 1 && spec.bins <= MAX_BINS)) {
    throw new ProcessorSpecError(
      at("bins"),
      `expected a whole number 1-${MAX_BINS}, got ${spec.bins}`,
    );
  }
  for (const k of ["min", "max"] as const) {
    if (!Number.isFinite(spec[k])) {
      throw new ProcessorSpecError(at(k), `expected a finite number, got ${spec[k]}`);
    }
  }
  if (!(spec.max > spec.min)) {
    throw new ProcessorSpecError(
      at("max"),
      `must be greater than min (${spec.min}), got ${spec.max}`,
    );
  }
  if (input) {
    const col = input.find((c) => c.name === spec.column);
    if (!col) throw new ProcessorSpecError(key || "column", unknownColumn(spec.column, input));
    if (col.listSize) {
      throw new ProcessorSpecError(key || "column", `column '${spec.column}' holds arrays`);
    }
  }
}

/** A histogram being filled. */
export class Histogram {
  readonly spec: HistogramSpec;
  /** Underflow, the bins, overflow: `bins + 2` counts. */
  readonly counts: Float64Array;
  /** NaN values seen (in no bin). */
  nan = 0;
  /** Sum of the values within [min, max). */
  sum = 0;
  /** Sum of the squares of the values within [min, max). */
  sumSquares = 0;
  readonly #scale: number;

  /** Checks `spec` (see {@link checkHistogramSpec}) and starts empty. */
  constructor(spec: HistogramSpec) {
    checkHistogramSpec(spec);
    this.spec = { ...spec };
    this.counts = new Float64Array(spec.bins + 2);
    this.#scale = spec.bins / (spec.max - spec.min);
  }

  /** Values filled so far, NaN included. */
  get entries(): number {
    let n = this.nan;
    for (let i = 0; i < this.counts.length; i++) n += this.counts[i];
    return n;
  }

  /** The `bins + 1` bin edges, from min to max. */
  edges(): Float64Array {
    return histogramEdges(this.spec.min, this.spec.max, this.spec.bins);
  }

  /** Adds every value of a column. */
  fill(values: ColumnValues): void {
    if (isBigIntArray(values)) {
      throw new ProcessorSpecError("column", `column '${this.spec.column}' holds 64-bit integers`);
    }
    if (values instanceof Float64Array) this.#fill64(values);
    else this.#fillAny(values);
  }

  #fill64(v: Float64Array): void {
    const c = this.counts, min = this.spec.min, max = this.spec.max, scale = this.#scale;
    const last = this.spec.bins;
    let under = 0, over = 0, nan = 0, sum = 0, squares = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x >= min && x < max) {
        const k = ((x - min) * scale) | 0;
        c[k < last ? k + 1 : last]++;
        sum += x;
        squares += x * x;
      } else if (x < min) under++;
      else if (x >= max) over++;
      else nan++;
    }
    c[0] += under;
    c[last + 1] += over;
    this.nan += nan;
    this.sum += sum;
    this.sumSquares += squares;
  }

  #fillAny(v: Exclude<ColumnValues, Float64Array | BigInt64Array | BigUint64Array>): void {
    const c = this.counts, min = this.spec.min, max = this.spec.max, scale = this.#scale;
    const last = this.spec.bins;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x >= min && x < max) {
        const k = ((x - min) * scale) | 0;
        c[k < last ? k + 1 : last]++;
        this.sum += x;
        this.sumSquares += x * x;
      } else if (x < min) c[0]++;
      else if (x >= max) c[last + 1]++;
      else this.nan++;
    }
  }

  /** Empties every bin (a new run). */
  reset(): void {
    this.counts.fill(0);
    this.nan = 0;
    this.sum = 0;
    this.sumSquares = 0;
  }
}
