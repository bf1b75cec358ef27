/**
 * Histogram messages: an Arrow record batch of `bins + 2` rows (`bin_low`, `bin_high`,
 * `count`: the underflow row from -Infinity to min, the bins, the overflow row from max to
 * Infinity), marked by the schema metadata key `daq.histogram` that holds the rest as JSON.
 * A store that knows nothing of histograms still stores them as bin rows.
 */
import { Field, Float64, makeData, RecordBatch, Schema, Struct } from "apache-arrow";

/** Schema metadata key that marks a histogram message. */
export const HISTOGRAM_METADATA_KEY = "daq.histogram";

/** A histogram as sent: its bins, counts and totals at one moment of a run. */
export interface HistogramSnapshot {
  /** Name of the histogram (unique per sending job). */
  name: string;
  /** The column it is filled from, and that column's unit. */
  column: string;
  unit?: string;
  min: number;
  max: number;
  bins: number;
  /** `bins + 2` counts: underflow, the bins, overflow. */
  counts: Float64Array;
  /** NaN values (in no bin). */
  nan: number;
  /** Every value filled, NaN included. */
  entries: number;
  /** Sum and sum of squares of the values within [min, max). */
  sum: number;
  sumSquares: number;
  /** When filling started and this snapshot was taken, ns since the epoch. */
  startNs: bigint;
  timeNs: bigint;
  /** Whether this is the last snapshot of the run. */
  final: boolean;
}

interface Meta {
  name: string;
  column: string;
  unit?: string;
  min: number;
  max: number;
  bins: number;
  nan: number;
  entries: number;
  sum: number;
  sum_squares: number;
  start_ns: string;
  time_ns: string;
  final: boolean;
}

/** The bin edges of a histogram: `bins + 1` values from min to max. */
export function histogramEdges(min: number, max: number, bins: number): Float64Array {
  const e = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) e[i] = min + ((max - min) * i) / bins;
  e[bins] = max;
  return e;
}

/** The message of a histogram snapshot. */
export function histogramBatch(h: HistogramSnapshot): RecordBatch {
  const edges = histogramEdges(h.min, h.max, h.bins);
  const low = new Float64Array(h.bins + 2);
  const high = new Float64Array(h.bins + 2);
  low[0] = -Infinity;
  high[0] = h.min;
  low.set(edges.subarray(0, h.bins), 1);
  high.set(edges.subarray(1), 1);
  low[h.bins + 1] = h.max;
  high[h.bins + 1] = Infinity;
  const meta: Meta = {
    name: h.name,
    column: h.column,
    ...(h.unit === undefined ? {} : { unit: h.unit }),
    min: h.min,
    max: h.max,
    bins: h.bins,
    nan: h.nan,
    entries: h.entries,
    sum: h.sum,
    sum_squares: h.sumSquares,
    start_ns: String(h.startNs),
    time_ns: String(h.timeNs),
    final: h.final,
  };
  const unit = h.unit ? new Map([["unit", h.unit]]) : undefined;
  const fields = [
    new Field("bin_low", new Float64(), false, unit),
    new Field("bin_high", new Float64(), false, unit),
    new Field("count", new Float64(), false),
  ];
  const length = h.bins + 2;
  const children = [low, high, h.counts.slice()].map((data, i) =>
    makeData({ type: fields[i].type, length, data })
  );
  const schema = new Schema(fields, new Map([[HISTOGRAM_METADATA_KEY, JSON.stringify(meta)]]));
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children });
  return new RecordBatch(schema, struct);
}

/** The histogram a batch carries, or undefined when it is not a well-formed histogram message. */
export function histogramOfBatch(batch: RecordBatch): HistogramSnapshot | undefined {
  const text = batch.schema.metadata.get(HISTOGRAM_METADATA_KEY);
  if (text === undefined) return undefined;
  let m: Meta;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  const ok = typeof m === "object" && m !== null && typeof m.name === "string" &&
    typeof m.column === "string" && Number.isInteger(m.bins) && m.bins >= 1 &&
    batch.numRows === m.bins + 2 && Number.isFinite(m.min) && Number.isFinite(m.max) &&
    /^-?\d+$/.test(m.start_ns) && /^-?\d+$/.test(m.time_ns);
  const count = batch.getChild("count")?.toArray();
  if (!ok || !(count instanceof Float64Array)) return undefined;
  return {
    name: m.name,
    column: m.column,
    unit: m.unit,
    min: m.min,
    max: m.max,
    bins: m.bins,
    counts: count.slice(),
    nan: Number(m.nan) || 0,
    entries: Number(m.entries) || 0,
    sum: Number(m.sum) || 0,
    sumSquares: Number(m.sum_squares) || 0,
    startNs: BigInt(m.start_ns),
    timeNs: BigInt(m.time_ns),
    final: m.final === true,
  };
}
