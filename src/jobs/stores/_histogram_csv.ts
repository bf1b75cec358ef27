/** Histogram messages (src/transport/histogram.ts) as `store.csv` writes them: bin rows. */
import { histogramEdges, type HistogramSnapshot } from "../../transport/histogram.ts";
import { isoOfNs } from "./_histogram_names.ts";

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
