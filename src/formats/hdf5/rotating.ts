/**
 * A writer that moves on to a new HDF5 file when the current one is big or old enough.
 *
 * @module
 */

import type * as arrow from "apache-arrow";
import { nextFileName } from "../file_name.ts";
import { Hdf5FileWriter } from "./_file_writer.ts";
import { loadHdf5 } from "./_h5.ts";
import type { Hdf5Histogram } from "./_histogram.ts";
import { Hdf5WriteError } from "./errors.ts";
import type { Hdf5CloseResult, Hdf5WriteInfo, Hdf5WriterOptions } from "./types.ts";

/** Options of {@linkcode openRotatingHdf5Writer}. */
export interface RotatingHdf5WriterOptions extends Hdf5WriterOptions {
  /** Folder of the files; it must exist. */
  dir: string;
  /** Start of every file name. */
  prefix: string;
  /**
   * Start a new file before a write once the current one has at least this many bytes. A file
   * always takes at least one batch.
   */
  maxBytes?: number;
  /** Start a new file before a write once the current one is this many seconds old. */
  maxSeconds?: number;
  /** Put the opening time (UTC) in file names. Default: `true`. */
  dateInName?: boolean;
  /** Called with the result of every file closed, by rotation or by `close()`. */
  onFileClosed?: (result: Hdf5CloseResult) => void;
}

/** A series of HDF5 files taking Arrow batches; the same calls as `Hdf5Writer`. */
export interface RotatingHdf5Writer {
  /** Path of the file being written. */
  readonly path: string;
  /** Writes a batch into the current file, first starting a new file when one is due. */
  writeBatch(source: string, batch: arrow.RecordBatch, info?: Hdf5WriteInfo): void;
  /** Writes a histogram into the current file (see `Hdf5Writer.writeHistogram`). */
  writeHistogram(source: string, histogram: Hdf5Histogram): void;
  /** Sets the lost-record count of `source`; it carries over into later files. */
  setLost(source: string, lost: number): void;
  /** Size of the current file on disk, in bytes. */
  sizeBytes(): number;
  /** Closes the current file and returns its result. Safe to call more than once. */
  close(): Hdf5CloseResult;
}

const MAX_NAME_ATTEMPTS = 100;

/**
 * Opens the first file of a series in `options.dir`, named
 * `<prefix>_<YYYYMMDD-HHMMSS>_<NNN>.h5`. Every file of the series has the same `run_start`
 * and repeats the known sources, lost counts, config and version.
 *
 * @example
 * ```ts ignore
 * const writer = await openRotatingHdf5Writer({
 *   dir: "data",
 *   prefix: "run",
 *   maxBytes: 1 << 30,
 *   onFileClosed: (result) => console.log("closed", result.path, result.complete),
 * });
 * writer.writeBatch("sim", batch);
 * writer.close();
 * ```
 */
export async function openRotatingHdf5Writer(
  options: RotatingHdf5WriterOptions,
): Promise<RotatingHdf5Writer> {
  await loadHdf5();
  const runStart = options.runStart ?? new Date();
  const schemas: Record<string, arrow.Schema> = { ...options.sources };
  const lost = new Map<string, number>();
  let openedAt = 0;
  let batchesInFile = 0;
  // Later files create their datasets up front; give them the chunks the first file chose.
  let chunkRows = options.chunkRows;
  let closed: Hdf5CloseResult | undefined;

  const openNext = (): Hdf5FileWriter => {
    for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
      const path = nextFileName(options.dir, options.prefix, {
        ext: ".h5",
        date: options.dateInName === false ? null : new Date(),
      });
      try {
        const writer = new Hdf5FileWriter(path, {
          ...options,
          runStart,
          sources: schemas,
          chunkRows,
        });
        openedAt = performance.now();
        batchesInFile = 0;
        for (const [source, count] of lost) writer.setLost(source, count);
        return writer;
      } catch (error) {
        // Another process took the name between the check and the create: take the next one.
        if (
          !(error instanceof Hdf5WriteError && error.cause instanceof Deno.errors.AlreadyExists)
        ) {
          throw error;
        }
      }
    }
    throw new Hdf5WriteError(
      options.dir,
      `No free file name for ${options.prefix} in ${options.dir}`,
    );
  };

  const closeCurrent = (): Hdf5CloseResult => {
    const result = current.close();
    options.onFileClosed?.(result);
    return result;
  };

  const isDue = (): boolean => {
    if (batchesInFile === 0) return false;
    const tooBig = options.maxBytes !== undefined && current.sizeBytes() >= options.maxBytes;
    const tooOld = options.maxSeconds !== undefined &&
      performance.now() - openedAt >= options.maxSeconds * 1000;
    return tooBig || tooOld;
  };

  let current = openNext();

  return {
    get path() {
      return current.path;
    },
    writeBatch(source, batch, info) {
      if (closed === undefined && isDue()) {
        closeCurrent();
        current = openNext();
      }
      current.writeBatch(source, batch, info);
      batchesInFile++;
      // The next files chunk like this one: by the writes' own chunkRows where they give it.
      if (chunkRows === undefined && info?.chunkRows === undefined && batch.numRows > 0) {
        chunkRows = Math.max(1024, batch.numRows);
      }
      schemas[source] = batch.schema;
      if (info?.lost !== undefined) lost.set(source, info.lost);
    },
    writeHistogram(source, histogram) {
      current.writeHistogram(source, histogram);
    },
    setLost(source, count) {
      current.setLost(source, count);
      lost.set(source, count);
    },
    sizeBytes: () => current.sizeBytes(),
    close() {
      closed ??= closeCurrent();
      return closed;
    },
  };
}
