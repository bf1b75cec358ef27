/**
 * Writes Arrow record batches into one standard HDF5 file. See `mod.ts` for the file layout.
 *
 * @module
 */

import { loadHdf5 } from "./_h5.ts";
import { Hdf5FileWriter } from "./_file_writer.ts";
import type { Hdf5Writer, Hdf5WriterOptions } from "./types.ts";

export type {
  Hdf5CloseResult,
  Hdf5Layout,
  Hdf5WriteInfo,
  Hdf5Writer,
  Hdf5WriterOptions,
} from "./types.ts";

/**
 * Creates a new HDF5 file at `path` (which must not exist: a file is never overwritten) and
 * returns a writer for it. Throws `Hdf5WriteError` naming the path when the file cannot be
 * created (folder missing or read-only, file exists).
 *
 * @example
 * ```ts ignore
 * const writer = await openHdf5Writer("run.h5", { softwareVersion: "0.1.0" });
 * writer.writeBatch("sim", batch);
 * writer.close();
 * ```
 */
export async function openHdf5Writer(
  path: string,
  options: Hdf5WriterOptions = {},
): Promise<Hdf5Writer> {
  await loadHdf5();
  return new Hdf5FileWriter(path, options);
}
