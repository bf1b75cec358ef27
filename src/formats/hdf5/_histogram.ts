/** Histograms in HDF5 files: a group of small fixed-size datasets, rewritten in place. */

import * as h5 from "./_h5.ts";

/** A histogram with fixed bins, as `writeHistogram` stores it. */
export interface Hdf5Histogram {
  /** Name of its group under `/histograms/<source>/`. */
  name: string;
  /** In-range counts, one per bin. */
  counts: Float64Array;
  /** Bin edges, `counts.length + 1`, rising. */
  edges: Float64Array;
  underflow: number;
  overflow: number;
  /** NaN values (in no bin). */
  nan: number;
  /** Every value filled. */
  entries: number;
  /** Text attributes of the group (column, unit, times...), set when it is created. */
  attributes?: Record<string, string>;
}

const TOTALS = ["underflow", "overflow", "nan", "entries"] as const;

/** Where the histogram `name` of `source` lives in the file. */
export function histogramGroup(source: string, name: string): string {
  return `/histograms/${source}/${name}`;
}

/** Creates the group and datasets of a histogram (not allowed in SWMR mode). */
export function createHistogram(fileId: bigint, source: string, h: Hdf5Histogram): void {
  for (const path of ["/histograms", `/histograms/${source}`]) {
    if (!h5.exists(fileId, path)) h5.createGroup(fileId, path);
  }
  const group = histogramGroup(source, h.name);
  h5.createGroup(fileId, group);
  h5.setAttribute(fileId, group, "kind", "histogram");
  for (const [k, v] of Object.entries(h.attributes ?? {})) h5.setAttribute(fileId, group, k, v);
  h5.createDataset(fileId, `${group}/counts`, { dtype: "<d", shape: [h.counts.length] }, h.counts);
  h5.setAttribute(fileId, `${group}/counts`, "description", "values in [edges[i], edges[i+1])");
  h5.createDataset(fileId, `${group}/edges`, { dtype: "<d", shape: [h.edges.length] }, h.edges);
  for (const t of TOTALS) {
    h5.createDataset(fileId, `${group}/${t}`, { dtype: "<d", shape: [1] }, Float64Array.of(h[t]));
  }
}

/** Rewrites the counts and totals of a histogram created before with the same bins. */
export function updateHistogram(
  fileId: bigint,
  source: string,
  h: Hdf5Histogram,
  buffer: h5.HeapBuffer,
): void {
  const group = histogramGroup(source, h.name);
  h5.writeRows(fileId, `${group}/counts`, 0, 1, false, h.counts, buffer);
  for (const t of TOTALS) {
    h5.writeRows(fileId, `${group}/${t}`, 0, 1, false, Float64Array.of(h[t]), buffer);
  }
}
