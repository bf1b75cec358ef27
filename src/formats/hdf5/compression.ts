/**
 * Compression of HDF5 datasets: the names a config uses and the HDF5 filter each one becomes.
 * Every filter is a registered HDF5 filter that the standard readers decode with Debian's
 * plugins (see `mod.ts`); the writer runs them inside h5wasm, from the WebAssembly builds of
 * npm `h5wasm-plugins` (all but gzip, which HDF5 has built in).
 *
 * @module
 */

/** Compression choices of the HDF5 writer. */
export type Hdf5CompressionAlgorithm =
  | "none"
  | "gzip"
  | "lz4"
  | "bitshuffle-lz4"
  | "zstd";

/** Every {@linkcode Hdf5CompressionAlgorithm}, in the order docs list them. */
export const HDF5_COMPRESSION_ALGORITHMS: readonly Hdf5CompressionAlgorithm[] = [
  "none",
  "lz4",
  "bitshuffle-lz4",
  "zstd",
  "gzip",
];

/** A dataset compression setting. */
export interface Hdf5Compression {
  algorithm: Hdf5CompressionAlgorithm;
  /** gzip 1-9 (default 1), zstd 1-22 (default 1); lz4 and bitshuffle-lz4 take none. */
  level?: number;
  /**
   * Byte shuffle before compressing. Only `false` is accepted (bitshuffle-lz4 always
   * shuffles bits): h5wasm sets one filter per dataset, so HDF5's shuffle filter cannot go
   * in front of another.
   */
  shuffle?: boolean;
}

/** An HDF5 filter with its client data values, as `H5Pset_filter` takes them. */
export interface Hdf5Filter {
  id: number;
  values: number[];
  /** Whether the filter comes from `h5wasm-plugins` (HDF5 has gzip built in). */
  plugin: boolean;
}

/** HDF5 filter ids registered with The HDF Group. */
export const FILTER_ID = { gzip: 1, lz4: 32004, bitshuffle: 32008, zstd: 32015 };

const LEVELS: Partial<Record<Hdf5CompressionAlgorithm, [number, number, number]>> = {
  gzip: [1, 9, 1],
  zstd: [1, 22, 1],
};

/** Bitshuffle's code for LZ4 inside (bshuf_h5filter.h). */
const BITSHUFFLE_LZ4 = 2;

/**
 * Why `compression` is not a valid setting, as a sentence naming the field (`level`,
 * `shuffle`), or `undefined` when it is valid.
 */
export function hdf5CompressionProblem(compression: Hdf5Compression): string | undefined {
  const { algorithm, level, shuffle } = compression;
  if (String(algorithm).startsWith("blosc")) {
    return `compression ${JSON.stringify(algorithm)} is not offered: h5wasm marks every filter ` +
      `mandatory, and the Blosc filter fails on any chunk it cannot shrink (random data), ` +
      `which would fail the file; "bitshuffle-lz4" gives the same size on signal data`;
  }
  if (!HDF5_COMPRESSION_ALGORITHMS.includes(algorithm)) {
    return `compression must be one of ${HDF5_COMPRESSION_ALGORITHMS.join(", ")}, got ${
      JSON.stringify(algorithm)
    }`;
  }
  const range = LEVELS[algorithm];
  if (level !== undefined) {
    if (range === undefined) return `compression "${algorithm}" takes no compression_level`;
    if (!(Number.isInteger(level) && level >= range[0] && level <= range[1])) {
      return `compression_level of "${algorithm}" must be an integer ${range[0]}-${
        range[1]
      }, got ${level}`;
    }
  }
  if (shuffle === true) {
    return `shuffle = true cannot be combined with "${algorithm}": h5wasm sets one filter per ` +
      `dataset (use "bitshuffle-lz4", which shuffles bits before LZ4)`;
  }
  return undefined;
}

/** The HDF5 filter of a (valid) compression setting; `undefined` for "none". */
export function hdf5Filter(compression: Hdf5Compression): Hdf5Filter | undefined {
  const { algorithm } = compression;
  const level = compression.level ?? LEVELS[algorithm]?.[2] ?? 0;
  switch (algorithm) {
    case "none":
      return undefined;
    case "gzip":
      return { id: FILTER_ID.gzip, values: [level], plugin: false };
    case "lz4":
      // cd_values[0]: LZ4 block size, 0 = the filter's default (1 GiB: one block per chunk).
      return { id: FILTER_ID.lz4, values: [0], plugin: true };
    case "bitshuffle-lz4":
      // Block size 0 = automatic; compression 2 = LZ4. The filter puts its version and the
      // element size in front of these itself.
      return { id: FILTER_ID.bitshuffle, values: [0, BITSHUFFLE_LZ4], plugin: true };
    case "zstd":
      return { id: FILTER_ID.zstd, values: [level], plugin: true };
  }
}
