/**
 * `decimate`: N rows to 1 (`every`) or one row per time bucket (`bucketNs`), with statistics
 * per column. Output columns are `timestamp_ns` (the first timestamp of each block) then
 * `<column>_<statistic>` in the order the spec names them. Blocks may span batches: an
 * incomplete block is carried to the next `push`; `flush` emits it at the end of a run.
 */
import {
  asFloat64,
  type Column,
  type ColumnInfo,
  findColumn,
  int64Words,
  nsSince,
  OutputBuffers,
  TIMESTAMP,
} from "./columns.ts";
import { ProcessorSpecError } from "./errors.ts";

/** The statistics `decimate` computes per block. */
export const DECIMATE_STATISTICS = ["mean", "min", "max", "median", "first", "last"] as const;

/** One statistic of {@link DECIMATE_STATISTICS}. */
export type DecimateStatistic = typeof DECIMATE_STATISTICS[number];

/** What to decimate and how: exactly one of `every` and `bucketNs`. */
export interface DecimateSpec {
  /** Rows per block. */
  every?: number;
  /** Block length in nanoseconds of `timestamp_ns`, buckets aligned to multiples of it. */
  bucketNs?: number;
  /** Statistics per input column. */
  columns: Record<string, readonly string[]>;
}

interface Source {
  name: string;
  stats: DecimateStatistic[];
  /** Values of the pending (incomplete) block. */
  pending: Float64Array;
  scratch?: Float64Array;
}

/**
 * The blocks a batch completes: block k is rows [bounds[k], bounds[k + 1]) for k < count;
 * with `carried`, block 0 follows the pending rows of earlier batches.
 */
interface Blocks {
  bounds: Int32Array;
  count: number;
  carried: boolean;
}

/** Checks a decimate spec (and its columns against `input` when known); throws ProcessorSpecError. */
export function checkDecimateSpec(spec: DecimateSpec, input?: readonly ColumnInfo[]): void {
  const hasEvery = spec.every !== undefined;
  const hasBucket = spec.bucketNs !== undefined;
  if (hasEvery === hasBucket) {
    throw new ProcessorSpecError("every", "give exactly one of `every` and `bucket`");
  }
  if (hasEvery && !(Number.isInteger(spec.every) && spec.every! >= 1)) {
    throw new ProcessorSpecError("every", `expected a whole number >= 1, got ${spec.every}`);
  }
  if (hasBucket && !(spec.bucketNs! >= 1)) {
    throw new ProcessorSpecError("bucket", `expected a duration of at least 1ns`);
  }
  const names = Object.keys(spec.columns);
  if (names.length === 0) throw new ProcessorSpecError("columns", "name at least one column");
  for (const name of names) {
    const stats = spec.columns[name];
    const key = `columns.${name}`;
    if (!Array.isArray(stats) || stats.length === 0) {
      throw new ProcessorSpecError(key, `expected a list of statistics (${statList()})`);
    }
    const seen = new Set<string>();
    for (const s of stats) {
      if (!(DECIMATE_STATISTICS as readonly string[]).includes(s)) {
        throw new ProcessorSpecError(key, `unknown statistic '${s}' (known: ${statList()})`);
      }
      if (seen.has(s)) throw new ProcessorSpecError(key, `statistic '${s}' given twice`);
      seen.add(s);
    }
    if (name === TIMESTAMP) {
      throw new ProcessorSpecError(key, `${TIMESTAMP} is kept as the first of each block`);
    }
    if (input) {
      const col = input.find((c) => c.name === name);
      if (!col) throw new ProcessorSpecError(key, unknownColumn(name, input));
      if (col.listSize) throw new ProcessorSpecError(key, `column '${name}' holds arrays`);
    }
  }
  if (hasBucket && input && !input.some((c) => c.name === TIMESTAMP)) {
    throw new ProcessorSpecError("bucket", `time buckets need a ${TIMESTAMP} column`);
  }
}

function statList(): string {
  return DECIMATE_STATISTICS.join(", ");
}

/** The message for a column not among `input`. */
export function unknownColumn(name: string, input: readonly ColumnInfo[]): string {
  return `unknown column '${name}' (columns: ${input.map((c) => c.name).join(", ")})`;
}

/** The columns a decimate spec sends, given its input's columns when known. */
export function decimateOutputColumns(
  spec: DecimateSpec,
  input?: readonly ColumnInfo[],
): ColumnInfo[] {
  const out: ColumnInfo[] = [{ name: TIMESTAMP, unit: "ns", type: "int64" }];
  for (const [name, stats] of Object.entries(spec.columns)) {
    const unit = input?.find((c) => c.name === name)?.unit;
    for (const s of stats) out.push({ name: `${name}_${s}`, unit, type: "float64" });
  }
  return out;
}

/** Decimates a stream of batches; keeps the incomplete last block between calls. */
export class Decimator {
  readonly #every: number;
  readonly #bucketNs: number;
  readonly #sources: Source[];
  #units = new Map<string, string | undefined>();
  #pendingRows = 0;
  #pendingTs = 0n;
  #pendingBucket = NaN;
  #base: bigint | undefined;
  #rel?: Float64Array;
  readonly #out = new OutputBuffers();
  #bounds = new Int32Array(64);

  /** Checks `spec` (see {@link checkDecimateSpec}) and starts with no pending block. */
  constructor(spec: DecimateSpec, input?: readonly ColumnInfo[]) {
    checkDecimateSpec(spec, input);
    this.#every = spec.every ?? 0;
    this.#bucketNs = spec.bucketNs ?? 0;
    this.#sources = Object.entries(spec.columns).map(([name, stats]) => ({
      name,
      stats: stats as DecimateStatistic[],
      pending: new Float64Array(Math.max(16, this.#every)),
    }));
  }

  /** Rows held in the incomplete block. */
  get pendingRows(): number {
    return this.#pendingRows;
  }

  /**
   * The rows of the blocks that `columns` complete (none when every block is still open), in
   * arrays reused by the next call.
   */
  push(columns: readonly Column[]): Column[] {
    const n = columns[0]?.values.length ?? 0;
    const ts = findColumn(columns, TIMESTAMP)?.values;
    if (ts !== undefined && !(ts instanceof BigInt64Array)) {
      throw new ProcessorSpecError(TIMESTAMP, "expected int64 nanoseconds");
    }
    const values = this.#sources.map((s) => {
      const c = findColumn(columns, s.name);
      if (!c) throw new ProcessorSpecError(`columns.${s.name}`, unknownColumn(s.name, columns));
      if (c.listSize) {
        throw new ProcessorSpecError(`columns.${s.name}`, `column '${s.name}' holds arrays`);
      }
      if (!this.#units.has(s.name)) this.#units.set(s.name, c.unit);
      const v = asFloat64(c.values, s.scratch);
      if (v !== c.values) s.scratch = v;
      return v;
    });
    const { blocks, rest, pendingClosed } = this.#bucketNs > 0
      ? this.#bucketBlocks(ts, n)
      : this.#countBlocks(n);
    const outRows = blocks.count + (pendingClosed ? 1 : 0);
    const out = this.#emit(outRows, blocks, pendingClosed, values, ts);
    this.#carry(rest, n, values, ts, blocks.count > 0 || pendingClosed);
    return out;
  }

  /** The incomplete block as one row (none when it is empty); then starts afresh. */
  flush(): Column[] {
    if (this.#pendingRows === 0) return [];
    const none = { bounds: this.#bounds, count: 0, carried: false };
    const out = this.#emit(1, none, true, this.#sources.map(() => new Float64Array(0)), undefined);
    this.#pendingRows = 0;
    this.#pendingBucket = NaN;
    return out;
  }

  /** Room for `count + 1` block bounds. */
  #boundsFor(count: number): Int32Array {
    if (this.#bounds.length < count + 1) this.#bounds = new Int32Array(2 * (count + 1));
    return this.#bounds;
  }

  #countBlocks(n: number): { blocks: Blocks; rest: number; pendingClosed: boolean } {
    const every = this.#every;
    const carried = this.#pendingRows > 0;
    const first = carried ? every - this.#pendingRows : 0;
    if (first > n) {
      return { blocks: { bounds: this.#bounds, count: 0, carried }, rest: 0, pendingClosed: false };
    }
    const whole = Math.floor((n - first) / every);
    const count = whole + (carried ? 1 : 0);
    const bounds = this.#boundsFor(count);
    let k = 0;
    if (carried) bounds[k++] = 0;
    for (let j = 0; j <= whole; j++) bounds[k++] = first + j * every;
    return {
      blocks: { bounds, count, carried },
      rest: first + whole * every,
      pendingClosed: false,
    };
  }

  #bucketBlocks(
    ts: BigInt64Array | undefined,
    n: number,
  ): { blocks: Blocks; rest: number; pendingClosed: boolean } {
    if (!ts) throw new ProcessorSpecError("bucket", `time buckets need a ${TIMESTAMP} column`);
    if (n === 0) {
      return {
        blocks: { bounds: this.#bounds, count: 0, carried: false },
        rest: 0,
        pendingClosed: false,
      };
    }
    const size = this.#bucketNs;
    if (this.#base === undefined) {
      const b = BigInt(size);
      this.#base = ts[0] - (((ts[0] % b) + b) % b);
    }
    const rel = this.#rel = nsSince(ts, this.#base, this.#rel);
    let bucket = Math.floor(rel[0] / size);
    let carried = this.#pendingRows > 0;
    let pendingClosed = false;
    if (carried && bucket !== this.#pendingBucket) {
      pendingClosed = true;
      carried = false;
    }
    let bounds = this.#boundsFor(16);
    let count = 0;
    bounds[0] = 0;
    let low = bucket * size, high = low + size;
    for (let i = 1; i < n; i++) {
      const t = rel[i];
      if (t >= low && t < high) continue;
      const b = Math.floor(t / size);
      if (b === bucket) continue;
      if (count + 2 > bounds.length) bounds = this.#boundsFor(count + 1);
      bounds[++count] = i;
      bucket = b;
      low = b * size;
      high = low + size;
    }
    this.#pendingBucket = bucket;
    return { blocks: { bounds, count, carried }, rest: bounds[count], pendingClosed };
  }

  #emit(
    rows: number,
    blocks: Blocks,
    pendingClosed: boolean,
    values: Float64Array[],
    ts: BigInt64Array | undefined,
  ): Column[] {
    const { bounds, count, carried } = blocks;
    const outTs = this.#out.i64(TIMESTAMP, rows);
    let r = 0;
    if (pendingClosed) outTs[r++] = this.#pendingTs;
    if (count > 0 && carried) outTs[r++] = this.#pendingTs;
    // Timestamps copied as 32-bit word pairs: reading a BigInt64Array makes a bigint per value.
    const dst = int64Words(outTs);
    const src = ts ? int64Words(ts) : undefined;
    for (let k = carried ? 1 : 0; k < count; k++, r++) {
      const i = bounds[k];
      dst[2 * r] = src ? src[2 * i] : 0;
      dst[2 * r + 1] = src ? src[2 * i + 1] : 0;
    }
    const out: Column[] = [{ name: TIMESTAMP, values: outTs, unit: "ns" }];
    this.#sources.forEach((s, j) => {
      const v = values[j];
      const pending = s.pending.subarray(0, this.#pendingRows);
      for (const stat of s.stats) {
        const col = this.#out.f64(`${s.name}_${stat}`, rows);
        let r = 0;
        if (pendingClosed) col[r++] = statistic(stat, pending, 0, pending.length);
        let from = 0;
        if (count > 0 && carried) {
          const joined = joinPending(pending, v, bounds[1]);
          col[r++] = statistic(stat, joined, 0, joined.length);
          from = 1;
        }
        blockStatistics(stat, v, bounds, from, count, col, r);
        out.push({ name: `${s.name}_${stat}`, values: col, unit: this.#units.get(s.name) });
      }
    });
    return out;
  }

  #carry(
    rest: number,
    n: number,
    values: Float64Array[],
    ts: BigInt64Array | undefined,
    closed: boolean,
  ): void {
    const keep = n - rest;
    const base = closed ? 0 : this.#pendingRows;
    if (closed || base === 0) {
      if (keep > 0) this.#pendingTs = ts ? ts[rest] : 0n;
    }
    this.#sources.forEach((s, k) => {
      if (base + keep > s.pending.length) {
        const grown = new Float64Array(Math.max(2 * s.pending.length, base + keep));
        grown.set(s.pending.subarray(0, base));
        s.pending = grown;
      }
      s.pending.set(values[k].subarray(rest, n), base);
    });
    this.#pendingRows = base + keep;
  }
}

let joinScratch = new Float64Array(1024);

/** The pending values followed by `v[0, end)`, in a shared scratch array. */
function joinPending(pending: Float64Array, v: Float64Array, end: number): Float64Array {
  const n = pending.length + end;
  if (joinScratch.length < n) joinScratch = new Float64Array(2 * n);
  joinScratch.set(pending, 0);
  joinScratch.set(v.subarray(0, end), pending.length);
  return joinScratch.subarray(0, n);
}

/**
 * One statistic of each block `from` .. `count - 1` of `v` into `out` from `at`: one loop per
 * statistic over all blocks.
 */
function blockStatistics(
  stat: DecimateStatistic,
  v: Float64Array,
  bounds: Int32Array,
  from: number,
  count: number,
  out: Float64Array,
  at: number,
): void {
  let r = at;
  switch (stat) {
    case "mean":
      for (let k = from; k < count; k++) {
        const start = bounds[k], end = bounds[k + 1];
        let sum = 0;
        for (let i = start; i < end; i++) sum += v[i];
        out[r++] = sum / (end - start);
      }
      return;
    case "min":
      for (let k = from; k < count; k++) {
        const start = bounds[k], end = bounds[k + 1];
        let m = v[start];
        for (let i = start + 1; i < end; i++) if (v[i] < m || v[i] !== v[i]) m = v[i];
        out[r++] = m;
      }
      return;
    case "max":
      for (let k = from; k < count; k++) {
        const start = bounds[k], end = bounds[k + 1];
        let m = v[start];
        for (let i = start + 1; i < end; i++) if (v[i] > m || v[i] !== v[i]) m = v[i];
        out[r++] = m;
      }
      return;
    case "first":
      for (let k = from; k < count; k++) out[r++] = v[bounds[k]];
      return;
    case "last":
      for (let k = from; k < count; k++) out[r++] = v[bounds[k + 1] - 1];
      return;
    default:
      for (let k = from; k < count; k++) out[r++] = statistic(stat, v, bounds[k], bounds[k + 1]);
  }
}

let sortScratch = new Float64Array(1024);

/** One statistic of `v[start, end)` (a non-empty range). */
export function statistic(
  stat: DecimateStatistic,
  v: Float64Array,
  start: number,
  end: number,
): number {
  switch (stat) {
    case "mean": {
      let sum = 0;
      for (let i = start; i < end; i++) sum += v[i];
      return sum / (end - start);
    }
    case "min": {
      let m = v[start];
      for (let i = start + 1; i < end; i++) if (v[i] < m || v[i] !== v[i]) m = v[i];
      return m;
    }
    case "max": {
      let m = v[start];
      for (let i = start + 1; i < end; i++) if (v[i] > m || v[i] !== v[i]) m = v[i];
      return m;
    }
    case "median": {
      const n = end - start;
      if (sortScratch.length < n) sortScratch = new Float64Array(2 * n);
      const s = sortScratch.subarray(0, n);
      s.set(v.subarray(start, end));
      s.sort();
      if (s[n - 1] !== s[n - 1]) return NaN;
      return n % 2 === 1 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
    case "first":
      return v[start];
    case "last":
      return v[end - 1];
  }
}
