/**
 * Writes ROOT files (the format of CERN's ROOT framework) holding TTrees, so that ROOT,
 * uproot and JSROOT read a run's data directly.
 *
 * Each column becomes one TBranch with one TLeaf: int8-64, uint8-64, float32, float64, bool,
 * or a fixed-size array of those per entry (e.g. 1024 float32 waveform samples). Baskets are
 * written per branch once `basketBytes` of entries are buffered, compressed with zlib, LZ4 or
 * zstd (or not at all). Every `flush()` writes the buffered entries and rewrites the trees'
 * metadata, the keys list, the free segments and the file header, so the file on disk is
 * complete after each flush; a crash loses at most what was appended since the last one.
 * Histograms are written as TH1D objects beside the trees (`writeHistogram`, replaced in place
 * at each call). Files past 2 GB switch to ROOT's 64-bit seek pointers. `append` is synchronous;
 * `flush()` and `close()` return promises: their fdatasyncs run off the thread while appends go
 * on. Given a `RootCompressorPool` (`compressor`), the writer hands full baskets to its Workers
 * (through slots of shared memory) and places them in the file in order as they are done,
 * while appends go on; `ready()` says when to wait for a free slot, and a flush waits for the
 * baskets out first.
 *
 * ```ts
 * import * as arrow from "apache-arrow";
 * import { openRootWriter, rootColumnsFromArrowSchema } from "./mod.ts";
 *
 * const batch = new arrow.RecordBatch({
 *   timestamp_ns: arrow.makeData({
 *     type: new arrow.Int64(),
 *     data: BigInt64Array.from([1n, 2n, 3n]),
 *   }),
 *   sine: arrow.makeData({ type: new arrow.Float64(), data: Float64Array.of(0, 0.5, 1) }),
 * });
 * const path = await Deno.makeTempFile({ suffix: ".root" });
 * const writer = openRootWriter(path, { compression: { algorithm: "zlib", level: 4 } });
 * writer.addTree("events", rootColumnsFromArrowSchema(batch.schema));
 * writer.append("events", batch);
 * await writer.flush(); // readable from here on
 * writer.append("events", { timestamp_ns: BigInt64Array.of(4n), sine: Float64Array.of(0) });
 * await writer.close();
 * await Deno.remove(path);
 * ```
 *
 * @module
 */

export {
  openRootWriter,
  type RootBatch,
  RootWriter,
  RootWriterError,
  type RootWriterOptions,
} from "./writer.ts";
export {
  type RootColumn,
  rootColumnFromArrowField,
  rootColumnsFromArrowSchema,
  type RootLeafType,
  RootSchemaError,
} from "./schema.ts";
export type { RootCompression, RootCompressionAlgorithm } from "./_compress.ts";
export type { RootTypedArray } from "./_columns.ts";
export { lz4Libraries, ROOT_CODEC_FILES } from "./codec_files.ts";
export {
  type CompressedBasket,
  defaultCompressorWorkers,
  ROOT_COMPRESSOR_CODE_DIRS,
  RootCompressorPool,
  type RootCompressorPoolOptions,
} from "./compressor_pool.ts";
export type { RootHistogram } from "./_histogram.ts";
