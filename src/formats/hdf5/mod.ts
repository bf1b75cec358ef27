/**
 * Writes Apache Arrow record batches as standard HDF5 files (through h5wasm), readable by
 * h5py, MATLAB, Igor or `h5dump` without knowing Arrow.
 *
 * Permissions: `--allow-read --allow-write --allow-env`. Paths may be relative to the working
 * directory or absolute.
 *
 * ## File layout
 *
 * `append` (default): one chunked, growing dataset per column, `/<source>/<column>`, extended by
 * every `writeBatch`. Chunks default to the length of the source's first batch (at least 1024
 * rows, at most 1 MiB): batches that fill whole chunks write about twice as fast. The file is in SWMR mode once its first datasets exist, so an h5py reader
 * opened with `swmr=True` sees rows grow after `refresh()`. `/<source>/_lost` (int64, shape
 * [1]) holds the lost-record count and is updated in place while SWMR runs.
 *
 * `batches`: one group per `writeBatch`, `/measurements/batch_000001/<column>`, with group
 * attributes `source`, `timestamp_ns`, `ring_tail` (when given), `lost_records`,
 * `arrow_schema` and `origin` (when given). No SWMR (HDF5 cannot add groups in SWMR mode).
 *
 * Columns: int8-64 and uint8-64 as the same HDF5 integers; float32, float64; bool as uint8
 * with attribute `is_bool = 1`; Arrow Timestamp as int64 with attribute
 * `unit = "ns since 1970-01-01T00:00:00Z"` (or s/ms/us); an Int64 column named `timestamp_ns`
 * gets the same unit. `FixedSizeList[n]` of one of these is a rows × n dataset. Anything else
 * throws `Hdf5SchemaError` naming the column. Nulls are stored as NaN (floats) or 0.
 *
 * Attributes:
 * - every column: `arrow_type`; `unit` and `units` (NeXus) from the Arrow field metadata key
 *   `unit`; `first_row` when the column appeared after rows were already written (earlier
 *   rows read 0).
 * - `/<source>` (append): `arrow_schema` (JSON text), `lost_records` (at close), `origin`
 *   (the remote supervisors its batches came from, comma-separated; only for such data).
 * - root: `run_start`, `start_time`, `stop_time` (at close; ISO 8601, UTC), `layout`,
 *   `software_version`, `config`, `lost_records` (JSON object by source, at close),
 *   `complete`.
 *
 * ## Compression
 *
 * `compression` (or the older `gzip` level) sets one HDF5 filter on every column dataset
 * (`_lost` stays uncompressed); chunks are compressed by HDF5 inside h5wasm when they are
 * written, on the thread that writes. The filters, and the Debian packages whose plugins
 * decode them for h5py, h5dump and every other HDF5 program (from the default plugin folder
 * `/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins`, or `HDF5_PLUGIN_PATH`):
 *
 * | `algorithm`      | HDF5 filter (id)       | Debian 12 reader                      |
 * | ---------------- | ---------------------- | ------------------------------------- |
 * | `lz4`            | LZ4 (32004)            | `hdf5-filter-plugin`                  |
 * | `bitshuffle-lz4` | Bitshuffle + LZ4 (32008)| `bitshuffle`                         |
 * | `zstd`           | Zstandard (32015)      | none in Debian 12                     |
 * | `gzip`           | deflate (1)            | built into HDF5                       |
 *
 * All but gzip run the WebAssembly builds of npm `h5wasm-plugins` (the HDF Group's
 * hdf5_plugins sources), which need read permission on {@linkcode filterPluginDir}. Blosc is
 * not offered: h5wasm marks filters mandatory, and the Blosc filter fails on a chunk it cannot
 * shrink. h5wasm 0.10.3 exports neither `H5Dwrite_chunk` nor `H5Zregister`, so chunks cannot
 * be compressed outside HDF5 and written directly.
 *
 * ## Histograms
 *
 * `writeHistogram`: `/histograms/<source>/<name>/` holds `counts` (one per bin),
 * `edges` (bins + 1), and `underflow`, `overflow`, `nan`, `entries` (shape [1]), rewritten in
 * place at every call; the group has `kind = "histogram"` and the caller's attributes.
 *
 * ## Knowing a file is whole
 *
 * The file has its final name from the start (SWMR readers need it). The root attribute
 * `complete` is 0 until `close()` succeeds and sets it to 1; after a failed write it stays 0
 * and the root attribute `error` says why. A file with `complete = 0` and no `stop_time` was
 * not closed (crash or kill); if it was in SWMR mode, `h5clear -s FILE` lets normal readers
 * open it.
 *
 * ## SWMR limits
 *
 * HDF5 cannot create datasets, groups or attributes in SWMR mode. When a new source or column
 * appears after SWMR started, the writer closes the file, reopens it normally, adds the
 * datasets and restarts SWMR; readers must reopen the file to see the new datasets and may
 * fail a `refresh()` during that moment. Declare sources up front (`sources` option) to avoid
 * it. The closing attributes are written the same way, after SWMR ends.
 *
 * ## Rotation and file names
 *
 * `openRotatingHdf5Writer` starts a new file when the current one reaches `maxBytes` or
 * `maxSeconds`, named by `nextFileName`: `<prefix>_<YYYYMMDD-HHMMSS>_<NNN>.h5` (UTC). A new file
 * never overwrites an existing one.
 *
 * @example
 * ```ts ignore
 * import * as arrow from "apache-arrow";
 * import { openHdf5Writer } from "./mod.ts";
 *
 * const timestamps = new BigInt64Array([1n, 2n, 3n]);
 * const batch = new arrow.RecordBatch({
 *   timestamp_ns: arrow.makeData({ type: new arrow.Int64(), data: timestamps }),
 *   sine: arrow.makeData({ type: new arrow.Float64(), data: new Float64Array([0, 1, 0]) }),
 * });
 * const writer = await openHdf5Writer("run.h5", {
 *   layout: "append",
 *   chunkRows: 8192,
 *   config: "[source.sim]\nrate = 1000\n",
 *   softwareVersion: "daq 0.1.0",
 * });
 * try {
 *   writer.writeBatch("sim", batch, { lost: 0 });
 * } finally {
 *   const { complete, rows } = writer.close();
 *   console.log(complete, rows); // true { sim: 3 }
 * }
 * // h5py: h5py.File("run.h5", "r", swmr=True)["sim/sine"][:]
 * ```
 *
 * @module
 */

export { Hdf5SchemaError, Hdf5WriteError } from "./errors.ts";
export type { Hdf5Histogram } from "./_histogram.ts";
export {
  HDF5_COMPRESSION_ALGORITHMS,
  type Hdf5Compression,
  type Hdf5CompressionAlgorithm,
  hdf5CompressionProblem,
} from "./compression.ts";
export { filterPluginDir, setHdf5TempDir } from "./_h5.ts";
export { alignedChunkRows } from "./_file_writer.ts";
export { PASSED_ENV as HDF5_PASSED_ENV } from "./_environment.ts";
export {
  type Hdf5CloseResult,
  type Hdf5Layout,
  type Hdf5WriteInfo,
  type Hdf5Writer,
  type Hdf5WriterOptions,
  openHdf5Writer,
} from "./writer.ts";
export { fileTimeStamp, nextFileName, type NextFileNameOptions } from "../file_name.ts";
export {
  openRotatingHdf5Writer,
  type RotatingHdf5Writer,
  type RotatingHdf5WriterOptions,
} from "./rotating.ts";
