/** The types of the HDF5 writers: options, write info, results and the writer itself. */
import type * as arrow from "apache-arrow";
import type { Hdf5Compression } from "./compression.ts";
import type { Hdf5Histogram } from "./_histogram.ts";

/**
 * How batches are laid out in the file:
 * - `"append"`: one growing dataset per column, `/<source>/<column>`; SWMR-readable.
 * - `"batches"`: one group per written batch, `/measurements/batch_000001/<column>`.
 */
export type Hdf5Layout = "append" | "batches";

/** Options of {@linkcode openHdf5Writer}. */
export interface Hdf5WriterOptions {
  /** File layout. Default: `"append"`. */
  layout?: Hdf5Layout;
  /**
   * Rows per HDF5 chunk of the `append` layout (and of compressed `batches` datasets),
   * capped so that one chunk holds at most 1 MiB. Default: the rows of the first batch of each
   * source (at least 1024), or 8192 for datasets made before their first batch (`sources`).
   * Writes are fastest when every batch fills whole chunks: batches of n × chunkRows rows.
   */
  chunkRows?: number;
  /**
   * Compression of every column dataset (`_lost` stays uncompressed). Default: none. Filters
   * other than gzip need read permission on the `h5wasm-plugins` plugin folder.
   */
  compression?: Hdf5Compression;
  /** gzip (deflate) level 1-9: the same as `compression: { algorithm: "gzip", level }`. */
  gzip?: number;
  /**
   * `append` layout: switch the file to SWMR-write mode so that readers (h5py `swmr=True`)
   * can read while it is written. Ignored by the `batches` layout. Default: `true`.
   */
  swmr?: boolean;
  /** The resolved configuration, stored as text in the root attribute `config`. */
  config?: string;
  /** Stored in the root attribute `software_version`. */
  softwareVersion?: string;
  /** Start of the run (root attribute `run_start`). Default: when the file is opened. */
  runStart?: Date;
  /**
   * Sources known in advance, with their schemas. In the `append` layout their datasets are
   * created before SWMR starts, so readers never see the file leave SWMR mode.
   */
  sources?: Record<string, arrow.Schema>;
}

/** What the caller knows about a batch besides its rows. */
export interface Hdf5WriteInfo {
  /** Ring position after this batch (`batches` layout: group attribute `ring_tail`). */
  ringTail?: bigint;
  /**
   * When the batch was taken, ns since the epoch (`batches` layout: group attribute
   * `timestamp_ns`). Default: the wall clock when it is written.
   */
  timestampNs?: bigint;
  /** Records of this source lost so far (same as calling `setLost`). */
  lost?: number;
  /**
   * The supervisor the batch came from over a remote link: the source's attribute `origin`
   * lists every one seen (`append` layout: on `/<source>`; `batches`: on the batch group).
   */
  origin?: string;
  /**
   * `append` layout: rows per chunk of this source's datasets, if they are made by this write
   * (the writer's `chunkRows` option comes first). Writes of whole chunks are twice as fast as
   * writes that end inside one, compressed or not: see {@linkcode alignedChunkRows}.
   */
  chunkRows?: number;
}

/** What {@linkcode Hdf5Writer.close} reports. */
export interface Hdf5CloseResult {
  /** The file. */
  path: string;
  /** `true` when every write succeeded and the root attribute `complete` is 1. */
  complete: boolean;
  /** Rows written per source. */
  rows: Record<string, number>;
  /** Batches written (all sources). */
  batches: number;
  /** Why the file is not complete. */
  error?: string;
}

/** An open HDF5 file that takes Arrow record batches. All methods are synchronous. */
export interface Hdf5Writer {
  /** Path of the file. */
  readonly path: string;
  /** Layout of the file. */
  readonly layout: Hdf5Layout;
  /**
   * Appends `batch` to the datasets of `source` (`append`) or writes it as a new group
   * (`batches`), then flushes. Throws `Hdf5SchemaError` for a column it cannot store (the file
   * stays usable) and `Hdf5WriteError` when the file cannot be written (the writer is then
   * failed: further writes throw, and `close()` leaves the file marked incomplete).
   */
  writeBatch(source: string, batch: arrow.RecordBatch, info?: Hdf5WriteInfo): void;
  /**
   * Writes a histogram as `/histograms/<source>/<name>/` with datasets `counts`, `edges`,
   * `underflow`, `overflow`, `nan` and `entries`; later calls rewrite them in place (the
   * bins must stay the same). Flushes.
   */
  writeHistogram(source: string, histogram: Hdf5Histogram): void;
  /** Sets the number of records of `source` lost so far (dataset `/<source>/_lost`). */
  setLost(source: string, lost: number): void;
  /** Current size of the file on disk, in bytes. */
  sizeBytes(): number;
  /**
   * Writes the closing attributes (`stop_time`, `lost_records`, `complete`) and closes the
   * file. Safe to call more than once and after a failed write. Throws `Hdf5WriteError` when
   * the closing itself fails.
   */
  close(): Hdf5CloseResult;
}
