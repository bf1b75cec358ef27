/**
 * `store.arrow`: Arrow IPC files (Feather v2) that pyarrow, polars, R and Julia open as they
 * are, one file per input route key, LZ4 or zstd body compression, rotation by size and time.
 * Each file's schema metadata holds the daq version, the job, the route key, the start time
 * and the resolved config (`daq_config`). Small messages are gathered into record batches of
 * up to `batch_rows` rows / `batch_size` bytes, written when full, at every `flush_interval`,
 * rotation and stop. A file gets its footer when it is closed (rotation or stop); until then
 * `pyarrow.ipc.open_stream` reads it from byte 8, up to the last flush.
 */
import {
  arrowOptionsProblem,
  DEFAULT_BATCH_BYTES,
  DEFAULT_BATCH_ROWS,
  openArrowFileWriter,
} from "../../formats/arrow_ipc/mod.ts";
import { defineJob } from "../../job/mod.ts";
import { FILE_STORE_FIELDS } from "./_file_store.ts";
import {
  COLUMNAR_STORE_PERMISSIONS_WHY,
  columnarStorePermissions,
  runColumnarStore,
} from "./_columnar_store.ts";

/** `store.arrow`: Arrow IPC files. */
export default defineJob({
  role: "store",
  summary:
    "Arrow IPC files (Feather v2): one per route key, LZ4 or zstd, rotation by size and time",
  fields: {
    ...FILE_STORE_FIELDS,
    compression: {
      type: "string",
      choices: ["none", "lz4", "zstd"],
      default: "none",
      doc: "body compression: each buffer an LZ4 or zstd frame",
    },
    compression_level: {
      type: "number",
      integer: true,
      min: 1,
      max: 22,
      doc: "zstd level (default 1)",
    },
    batch_rows: {
      type: "number",
      integer: true,
      min: 1,
      default: DEFAULT_BATCH_ROWS,
      doc: "most rows of a record batch gathered from smaller messages (held until full or " +
        "the next flush); a message of half this or more is written as it is; 1: no gathering",
    },
    batch_size: {
      type: "size",
      default: `${DEFAULT_BATCH_BYTES / (1 << 20)}MiB`,
      doc: "most bytes of column values of a gathered record batch",
    },
  },
  check(fields) {
    const problem = arrowOptionsProblem({
      compression: fields.compression as "none",
      compressionLevel: fields.compression_level,
      batchRows: fields.batch_rows,
      batchBytes: fields.batch_size,
    });
    if (problem === undefined) return undefined;
    return { key: problem.match(/^batch_(rows|size)/)?.[0] ?? "compression_level", problem };
  },
  permissions: columnarStorePermissions,
  permissionsWhy: COLUMNAR_STORE_PERMISSIONS_WHY,
  run: (ctx) =>
    runColumnarStore(ctx, {
      ext: ".arrow",
      open: (path, metadata) =>
        openArrowFileWriter(path, {
          compression: ctx.fields.compression as "none" | "lz4" | "zstd",
          compressionLevel: ctx.fields.compression_level,
          batchRows: ctx.fields.batch_rows,
          batchBytes: ctx.fields.batch_size,
          metadata,
        }),
    }),
});
