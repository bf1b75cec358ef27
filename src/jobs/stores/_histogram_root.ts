/** Histogram messages (src/transport/histogram.ts) as `store.root` writes them: TH1D objects. */
import type { RootHistogram } from "../../formats/root/mod.ts";
import type { HistogramSnapshot } from "../../transport/histogram.ts";
import { histogramName, isoOfNs } from "./_histogram_names.ts";

/** A TH1D for `store.root`. */
export function rootHistogram(key: string, h: HistogramSnapshot): RootHistogram {
  return {
    name: histogramName(key, h),
    title: `${h.column} from "${key}", ${isoOfNs(h.startNs)} to ${isoOfNs(h.timeNs)}`,
    xTitle: h.unit ? `${h.column} [${h.unit}]` : h.column,
    bins: h.bins,
    min: h.min,
    max: h.max,
    counts: h.counts,
    entries: h.entries,
    sumw: h.counts.subarray(1, h.bins + 1).reduce((s, c) => s + c, 0),
    sumwx: h.sum,
    sumwx2: h.sumSquares,
  };
}
