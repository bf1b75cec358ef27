/** Histogram messages (src/transport/histogram.ts) as each file store writes them. */
import type { Hdf5Histogram } from "../../formats/hdf5/mod.ts";
import type { RootHistogram } from "../../formats/root/mod.ts";
import { histogramEdges, type HistogramSnapshot } from "../../transport/histogram.ts";

function isoOfNs(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

/** The name a histogram of route `key` gets in a file holding several routes'. */
export function histogramName(key: string, h: HistogramSnapshot): string {
  return `${key}_${h.name}`.replace(/[\/;]/g, "_");
}

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

/**
 * A CSV file of the histogram for `store.csv`: `#` lines with what it is, then one row per bin
 * (`bin_low,bin_high,count`), the underflow first (from -inf) and the overflow last (to inf).
 */
export function histogramCsv(
  job: string,
  version: string,
  key: string,
  h: HistogramSnapshot,
): string {
  const edges = histogramEdges(h.min, h.max, h.bins);
  const lines = [
    `# daq ${version} store.csv "${job}": histogram "${h.name}" of column "${h.column}"${
      h.unit ? ` [${h.unit}]` : ""
    } from route "${key}"`,
    `# filled ${isoOfNs(h.startNs)} to ${isoOfNs(h.timeNs)}${h.final ? " (run end)" : ""}; ` +
    `entries ${h.entries}, NaN ${h.nan}, underflow ${h.counts[0]}, overflow ${
      h.counts[h.bins + 1]
    }`,
    "bin_low,bin_high,count",
    `-inf,${edges[0]},${h.counts[0]}`,
  ];
  for (let i = 0; i < h.bins; i++) lines.push(`${edges[i]},${edges[i + 1]},${h.counts[i + 1]}`);
  lines.push(`${edges[h.bins]},inf,${h.counts[h.bins + 1]}`);
  return lines.join("\n") + "\n";
}
