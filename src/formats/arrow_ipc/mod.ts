/**
 * Writes Apache Arrow IPC files (the Feather v2 format) that pyarrow
 * (`pyarrow.feather.read_table`, `pyarrow.ipc.open_file`), polars (`pl.read_ipc`), R
 * (`arrow::read_feather`) and Julia (`Arrow.Table`) open as they are.
 *
 * ## File layout
 *
 * `ARROW1` magic, the schema message (with the writer's key-value `metadata` added), the record
 * batch messages, the end-of-stream marker, then the footer that indexes the batches and the
 * closing magic: the IPC file format, as apache-arrow writes it. Without the footer (a crash
 * before `close()`), the bytes from offset 8 on are still a valid Arrow IPC stream up to the
 * last whole batch, which `pyarrow.ipc.open_stream` reads.
 *
 * ## Record batches
 *
 * Small batches of fixed-width columns (integers, floats, timestamps, booleans, fixed-size
 * lists of these; no nulls) are gathered: their column values are copied into one buffer per
 * column until `batchRows` rows or `batchBytes` bytes are held, and written as one record
 * batch, also at every `sync()` and at `close()`. A batch of half that size or more, and any
 * other batch, is written as it comes (after what is held). Fewer, larger batches compress
 * better and faster, and read faster.
 *
 * ## Compression
 *
 * `compression = "lz4"` or `"zstd"`: Arrow's body compression, each buffer of a batch
 * compressed on its own (an LZ4 frame, or a zstd frame at `compressionLevel`) after its
 * uncompressed length; a buffer that does not shrink is stored as it is. The codecs run on the
 * writer's thread: lz4_flex in WebAssembly, zstd native (node:zlib).
 *
 * @example
 * ```ts ignore
 * import * as arrow from "apache-arrow";
 * import { openArrowFileWriter } from "./mod.ts";
 *
 * const writer = openArrowFileWriter("run.arrow", { compression: "zstd" });
 * writer.write(arrow.tableFromArrays({ v: new Float64Array([1, 2, 3]) }).batches[0]);
 * await writer.close();
 * // pyarrow: pyarrow.feather.read_table("run.arrow")
 * ```
 *
 * @module
 */

export { ArrowFileWriteError } from "./errors.ts";
export {
  type ArrowCompressionAlgorithm,
  type ArrowFileWriter,
  type ArrowFileWriterOptions,
  arrowOptionsProblem,
  DEFAULT_BATCH_BYTES,
  DEFAULT_BATCH_ROWS,
  openArrowFileWriter,
} from "./writer.ts";
