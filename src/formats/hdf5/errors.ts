/**
 * Error classes of the HDF5 writer.
 *
 * @module
 */

/** A column type, column name or source name that the HDF5 writer cannot store. */
export class Hdf5SchemaError extends Error {
  override name = "Hdf5SchemaError";
}

/** Creating, writing, flushing or closing an HDF5 file failed; the message names the file. */
export class Hdf5WriteError extends Error {
  override name = "Hdf5WriteError";
  /** Path of the file that could not be written. */
  readonly path: string;

  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}
