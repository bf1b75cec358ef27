/**
 * Writes Parquet files of fixed-width columns (integers, floats, timestamps, booleans) that
 * pyarrow, polars, DuckDB, Spark, R (`arrow::read_parquet`) and Julia read.
 *
 * ## File layout
 *
 * `PAR1`, row groups, the footer (Thrift compact protocol) and `PAR1`. Batches are buffered
 * until `rowGroupBytes` of column data are held, then written as one row group: per column one
 * data page (v1) per `pageBytes`, PLAIN, or BYTE_STREAM_SPLIT for floats when compressed.
 * Columns are REQUIRED (no nulls). Integers keep their width and signedness as logical types
 * (int8/16 stored as INT32), timestamps are INT64 with their unit (ms, us or ns; UTC when the
 * Arrow type has a time zone). The key-value `metadata` goes into the footer. A file is
 * readable only once `close()` wrote the footer.
 *
 * ## Compression
 *
 * `zstd` (native, node:zlib) at `compressionLevel`, or `lz4` (Parquet's LZ4_RAW; lz4_flex in
 * WebAssembly), per page, on the writer's thread.
 *
 * The npm libraries were measured first (`docs/benchmarks.md`): parquet-wasm wrote 121 MB/s
 * uncompressed and 31 MB/s with zstd, hyparquet-writer 36 and 29 MB/s, against a 400 MB/s
 * target; this writer copies column bytes as they are and runs the codecs natively.
 *
 * @example
 * ```ts ignore
 * import * as arrow from "apache-arrow";
 * import { openParquetWriter } from "./mod.ts";
 *
 * const writer = openParquetWriter("run.parquet", { compression: "zstd" });
 * writer.write(arrow.tableFromArrays({ v: new Float64Array([1, 2, 3]) }).batches[0]);
 * await writer.close();
 * // pyarrow: pyarrow.parquet.read_table("run.parquet")
 * ```
 *
 * @module
 */

export { ParquetSchemaError, ParquetWriteError } from "./errors.ts";
export {
  openParquetWriter,
  type ParquetCompressionAlgorithm,
  parquetOptionsProblem,
  type ParquetWriter,
  type ParquetWriterOptions,
} from "./writer.ts";
