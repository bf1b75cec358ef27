/** Histogram messages (src/transport/histogram.ts) as `store.hdf5` writes them. */
import type { Hdf5Histogram } from "../../../formats/hdf5/mod.ts";
import { histogramEdges, type HistogramSnapshot } from "../../../transport/histogram.ts";
import { isoOfNs } from "../_histogram_names.ts";

/** Datasets for `store.hdf5` (`/histograms/<key>/<name>`). */
export function hdf5Histogram(h: HistogramSnapshot): Hdf5Histogram {
  return {
    name: h.name,
    counts: h.counts.slice(1, h.bins + 1),
    edges: histogramEdges(h.min, h.max, h.bins),
    underflow: h.counts[0],
    overflow: h.counts[h.bins + 1],
    nan: h.nan,
    entries: h.entries,
    attributes: {
      column: h.column,
      ...(h.unit ? { unit: h.unit } : {}),
      start_time: isoOfNs(h.startNs),
      snapshot_time: isoOfNs(h.timeNs),
    },
  };
}
