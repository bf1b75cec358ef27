/**
 * The data plane's ring buffer file: a memory-mapped file that the acquisition side writes
 * Arrow record batches into at full speed, which a flusher drains to HDF5 and any number of
 * other readers (Deno, Python, anything that can mmap) follow. Format: docs/ring-format.md.
 *
 * Needs `--allow-ffi` (libc open/mmap/futex) and read/write on the ring's path.
 *
 * ```ts
 * import * as arrow from "apache-arrow";
 * import { createRingFile, openRingConsumer } from "./src/dataplane/mod.ts";
 *
 * const schema = new arrow.Schema([
 *   new arrow.Field("timestamp_ns", new arrow.Int64(), false),
 *   new arrow.Field("sine", new arrow.Float64(), false),
 * ]);
 * const writer = createRingFile("/dev/shm/daq-lab-adc.ring", { schema, capacityBytes: 1 << 24 });
 * const [ts, sine] = writer.reserveBatch(1000) as [BigInt64Array, Float64Array];
 * for (let i = 0; i < 1000; i++) {
 *   ts[i] = BigInt(i);
 *   sine[i] = Math.sin(i / 100);
 * }
 * writer.commit();
 *
 * const flusher = openRingConsumer("/dev/shm/daq-lab-adc.ring");
 * for (let r = flusher.next(); r !== null; r = flusher.next()) {
 *   console.log(r.seq, r.batch.numRows); // write r.batch to HDF5 here
 * }
 * flusher.commit();
 * writer.close();
 * flusher.close();
 * ```
 *
 * Workers: each Worker opens the ring by path (its own mapping), so mappings have independent
 * lifetimes and the same code serves Workers and other processes.
 *
 * @module
 */
export {
  createRingFile,
  DEFAULT_CAPACITY_BYTES,
  ringFileMaxPayload,
  RingFileWriter,
} from "./writer.ts";
export type { ColumnViews, CreateRingOptions, OverrunPolicy } from "./writer.ts";
export {
  claimRingFile,
  openRingConsumer,
  openRingFile,
  RingFileConsumer,
  RingFileReader,
  RingFileRecord,
  ringStatus,
} from "./reader.ts";
export type {
  OpenConsumerOptions,
  OpenRingOptions,
  RingFileClaim,
  RingStatus,
  StartAt,
  WaitOptions,
} from "./reader.ts";
export {
  ENOENT,
  RingFileError,
  RingFileRecordTooLargeError,
  RingFileRefusedError,
  RingFileTruncatedError,
  RingFullError,
} from "./errors.ts";
export { checkOwnDir, removeRingFile } from "./_mapping.ts";
export { defaultRingPath } from "./path.ts";
export { RING_FILE_ARROW_BATCH, RING_FILE_PADDING, RING_FILE_RAW_BYTES } from "./_layout.ts";
