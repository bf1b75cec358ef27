/**
 * The recent past of one numeric column for plotting: min and max per fixed time bucket over
 * a bounded span (10 minutes of 10 ms buckets by default), and views of any window of it
 * reduced to one min/max pair per screen pixel.
 */

/** Options of {@link createColumnHistory}. */
export interface ColumnHistoryOptions {
  /** Width of one bucket, ms. */
  bucketMs: number;
  /** Buckets kept: the span is `bucketMs * buckets`. */
  buckets: number;
}

/** A window of a column reduced to `width` pixel buckets; `NaN` where nothing was seen. */
export interface PlotSeries {
  /** Start of each pixel bucket, ms since the epoch. */
  t: number[];
  min: number[];
  max: number[];
}

/** The recent past of one column; see the module doc. */
export interface ColumnHistory {
  /** Adds samples at `timesMs` (ms since the epoch, ascending or not) with `values`. */
  add(timesMs: ArrayLike<number>, values: ArrayLike<number>): void;
  /** The window `[endMs - windowMs, endMs]` reduced to `width` buckets. */
  window(endMs: number, windowMs: number, width: number): PlotSeries;
  /** Time of the newest sample, ms since the epoch (NaN: none yet). */
  readonly newestMs: number;
}

/** Creates an empty history; see {@link ColumnHistory}. */
export function createColumnHistory(
  options: ColumnHistoryOptions = { bucketMs: 10, buckets: 60_000 },
): ColumnHistory {
  const { bucketMs, buckets } = options;
  const index = new Float64Array(buckets).fill(-1);
  const mins = new Float64Array(buckets);
  const maxs = new Float64Array(buckets);
  let newestMs = NaN;
  return {
    get newestMs() {
      return newestMs;
    },
    add(timesMs, values) {
      const n = Math.min(timesMs.length, values.length);
      // Samples come in time order mostly: keep the current bucket's min and max in locals
      // and store them when the bucket changes.
      let b = NaN;
      let lo = 0;
      let hi = 0;
      const flush = () => {
        if (b !== b) return;
        const slot = b % buckets;
        if (index[slot] === b) {
          if (lo < mins[slot]) mins[slot] = lo;
          if (hi > maxs[slot]) maxs[slot] = hi;
        } else if (index[slot] < b) {
          index[slot] = b;
          mins[slot] = lo;
          maxs[slot] = hi;
        }
      };
      let newest = newestMs;
      for (let i = 0; i < n; i++) {
        const t = timesMs[i];
        const v = values[i];
        if (v !== v || !(t >= 0 && t < 1e15)) continue;
        const bi = Math.floor(t / bucketMs);
        if (bi !== b) {
          flush();
          b = bi;
          lo = v;
          hi = v;
        } else if (v < lo) lo = v;
        else if (v > hi) hi = v;
        if (!(t <= newest)) newest = t;
      }
      flush();
      newestMs = newest;
    },
    window(endMs, windowMs, width) {
      const w = Math.max(1, Math.min(4096, Math.floor(width)));
      const t: number[] = new Array(w);
      const min: number[] = new Array(w).fill(NaN);
      const max: number[] = new Array(w).fill(NaN);
      const startMs = endMs - windowMs;
      const pixelMs = windowMs / w;
      for (let p = 0; p < w; p++) t[p] = startMs + p * pixelMs;
      const first = Math.floor(startMs / bucketMs);
      const last = Math.floor(endMs / bucketMs);
      for (let b = Math.max(first, last - buckets + 1); b <= last; b++) {
        const slot = ((b % buckets) + buckets) % buckets;
        if (index[slot] !== b) continue;
        const p = Math.min(w - 1, Math.max(0, Math.floor((b * bucketMs - startMs) / pixelMs)));
        if (!(mins[slot] >= min[p])) min[p] = mins[slot];
        if (!(maxs[slot] <= max[p])) max[p] = maxs[slot];
      }
      return { t, min, max };
    },
  };
}

/** Reduces `values` to `width` min/max pairs (a waveform trace for a screen `width` wide). */
export function reduceTrace(
  values: ArrayLike<number>,
  width: number,
): { min: number[]; max: number[] } {
  const n = values.length;
  const w = Math.max(1, Math.min(4096, Math.floor(width), n || 1));
  const min: number[] = new Array(w).fill(NaN);
  const max: number[] = new Array(w).fill(NaN);
  for (let i = 0; i < n; i++) {
    const p = Math.floor((i * w) / n);
    const v = values[i];
    if (Number.isNaN(v)) continue;
    if (!(v >= min[p])) min[p] = v;
    if (!(v <= max[p])) max[p] = v;
  }
  return { min, max };
}
