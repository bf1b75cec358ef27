/**
 * Latency histograms with log-spaced buckets (4.5% wide, from 1 µs to about 40 s), so that
 * percentiles can be taken over a whole run and histograms from several jobs merged.
 */

const BUCKETS = 400;
const MIN_MS = 0.001;
const LOG_STEP = Math.log(1.045);

/** Counts per bucket; bucket `i` holds latencies up to `bucketUpperMs(i)`. */
export type LatencyHistogram = Float64Array;

/** An empty histogram. */
export function createHistogram(): LatencyHistogram {
  return new Float64Array(BUCKETS);
}

/** Adds one latency, in ms. */
export function recordLatency(h: LatencyHistogram, ms: number): void {
  const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_STEP));
  h[i]++;
}

/** The upper bound of bucket `i`, in ms. */
export function bucketUpperMs(i: number): number {
  return MIN_MS * Math.exp(i * LOG_STEP);
}

/** The latency below which fraction `q` (0 to 1) of the samples fall, in ms (0 if empty). */
export function histogramQuantile(h: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let i = 0; i < h.length; i++) total += h[i];
  if (total === 0) return 0;
  const target = q * total;
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i];
    if (seen >= target && h[i] > 0) return bucketUpperMs(i);
  }
  return bucketUpperMs(h.length - 1);
}

/** Adds `from` into `into`, or subtracts it with `sign = -1`. */
export function mergeHistogram(into: LatencyHistogram, from: ArrayLike<number>, sign = 1): void {
  for (let i = 0; i < into.length && i < from.length; i++) into[i] += sign * from[i];
}
