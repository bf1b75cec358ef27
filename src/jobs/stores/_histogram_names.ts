/** What the file stores call the histograms they write, and their times. */
import type { HistogramSnapshot } from "../../transport/histogram.ts";

/** ISO 8601 of ns since the epoch. */
export function isoOfNs(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

/** The name a histogram of route `key` gets in a file holding several routes'. */
export function histogramName(key: string, h: HistogramSnapshot): string {
  return `${key}_${h.name}`.replace(/[\/;]/g, "_");
}
