/** Errors of the built-in stores. */

/** A `store.root` setting that cannot work; the message names the key. */
export class RootStoreError extends Error {
  override name = "RootStoreError";
}

/** A `store.hdf5` job cannot go on: bad ring file, failed flusher. The message names the path. */
export class Hdf5StoreError extends Error {
  override name = "Hdf5StoreError";
}
