/**
 * `store.parquet`: Parquet files of fixed-width columns, one file per input route key, row
 * groups by size, zstd or LZ4 pages, rotation by size and time. The footer's key-value metadata
 * holds the daq version, the job, the route key, the start time and the resolved config
 * (`daq_config`). A Parquet file is readable once it is closed (rotation or stop): rows of the
 * row group being filled are held in memory, and `rotate_size` bounds what a crash can cost.
 */
import { openParquetWriter, parquetOptionsProblem } from "../../formats/parquet/mod.ts";
import { VERSION } from "../../version.ts";
import { defineJob } from "../../job/mod.ts";
import { FILE_STORE_FIELDS } from "./_file_store.ts";
import {
  COLUMNAR_STORE_PERMISSIONS_WHY,
  columnarStorePermissions,
  runColumnarStore,
} from "./_columnar_store.ts";

/** `store.parquet`: Parquet files. */
export default defineJob({
  role: "store",
  summary: "Parquet files: one per route key, row groups by size, zstd or LZ4, rotation",
  fields: {
    ...FILE_STORE_FIELDS,
    compression: {
      type: "string",
      choices: ["none", "zstd", "lz4"],
      default: "zstd",
      doc: "page compression (lz4 is Parquet's LZ4_RAW)",
    },
    compression_level: {
      type: "number",
      integer: true,
      min: 1,
      max: 22,
      doc: "zstd level (default 1)",
    },
    row_group_size: {
      type: "size",
      default: "64MiB",
      doc: "uncompressed column bytes per row group",
    },
    byte_stream_split: {
      type: "boolean",
      doc: "floats stored BYTE_STREAM_SPLIT (default: when compressed)",
    },
  },
  check(fields) {
    const problem = parquetOptionsProblem({
      compression: fields.compression as "none",
      compressionLevel: fields.compression_level,
      rowGroupBytes: fields.row_group_size,
    });
    if (problem === undefined) return undefined;
    return {
      key: problem.startsWith("row_group_size") ? "row_group_size" : "compression_level",
      problem,
    };
  },
  permissions: columnarStorePermissions,
  permissionsWhy: COLUMNAR_STORE_PERMISSIONS_WHY,
  run: (ctx) =>
    runColumnarStore(ctx, {
      ext: ".parquet",
      open: (path, metadata) =>
        openParquetWriter(path, {
          compression: ctx.fields.compression as "none" | "zstd" | "lz4",
          compressionLevel: ctx.fields.compression_level,
          rowGroupBytes: ctx.fields.row_group_size,
          byteStreamSplit: ctx.fields.byte_stream_split,
          metadata,
          createdBy: `daq ${VERSION}`,
        }),
    }),
});
