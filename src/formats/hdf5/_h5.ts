/**
 * Thin layer over the h5wasm module that reports every HDF5 failure. h5wasm's high-level
 * `write_slice`, `flush` and `File` constructor ignore failures, and its module functions ignore
 * the status of `H5Dclose`, which is where a full disk shows up (chunks are written when the
 * dataset closes). So the writer runs its HDF5 calls inside {@linkcode reportingErrors}, which
 * turns any HDF5 error into an exception, and also checks the status codes.
 */

import { keepTempFilesIn } from "./_environment.ts"; // first: before h5wasm starts
import h5wasm from "h5wasm/node";
import { fileURLToPath } from "node:url";
import type { ColumnValues } from "./_columns.ts";
import type { Hdf5Filter } from "./compression.ts";

type H5Module = Awaited<typeof h5wasm.ready> & {
  activate_throwing_error_handler(): number;
  deactivate_throwing_error_handler(): number;
};

let module: H5Module | undefined;

let tempDir: string | undefined;

/** Loads the HDF5 WebAssembly module once. */
export async function loadHdf5(): Promise<void> {
  module ??= await h5wasm.ready as H5Module;
  if (tempDir !== undefined) keepTempFilesIn(tempDir, module.FS as never);
}

/**
 * Has HDF5's temporary files (error stacks, which its libc puts in `/tmp`) made in `dir`
 * instead, so that a writer needs no access to `/tmp`; each is removed as soon as it is made.
 */
export function setHdf5TempDir(dir: string): void {
  tempDir = dir;
  if (module !== undefined) keepTempFilesIn(dir, module.FS as never);
}

let pluginsLoaded = false;

/**
 * Puts the WebAssembly filter plugins of npm `h5wasm-plugins` on HDF5's plugin search path,
 * once; HDF5 loads a plugin when a dataset first uses its filter. Needs read permission on
 * {@linkcode filterPluginDir}.
 */
export function loadFilterPlugins(): void {
  if (pluginsLoaded) return;
  check(h5().insert_plugin_search_path(filterPluginDir(), 0), "add the filter plugin folder");
  pluginsLoaded = true;
}

/** The folder holding the WebAssembly HDF5 filter plugins (`libH5Z*.so`). */
export function filterPluginDir(): string {
  return fileURLToPath(new URL("./plugins", import.meta.resolve("h5wasm-plugins")));
}

function h5(): H5Module {
  if (module === undefined) throw new Error("HDF5 module used before loadHdf5()");
  return module;
}

/** Thrown by these helpers when HDF5 returns an error status; the writer rewraps it. */
export class Hdf5StatusError extends Error {
  override name = "Hdf5StatusError";
}

let reportingDepth = 0;

/**
 * Runs `operations` with HDF5's error handler set to throw: any HDF5 error, even one whose
 * status h5wasm drops, ends them with {@linkcode Hdf5StatusError}. (Outside, h5wasm's default
 * handler prints the error stack and goes on.)
 */
export function reportingErrors<T>(operations: () => T): T {
  const m = h5();
  if (reportingDepth++ === 0) m.activate_throwing_error_handler();
  try {
    return operations();
  } catch (error) {
    if (error instanceof Hdf5StatusError || !(error instanceof Error)) throw error;
    if (!error.message.includes("HDF5-DIAG")) throw error;
    throw new Hdf5StatusError(summarizeErrorStack(error.message));
  } finally {
    if (--reportingDepth === 0) m.deactivate_throwing_error_handler();
  }
}

/** Shortens an HDF5 error stack to its outer call, inner reason and system error. */
export function summarizeErrorStack(stack: string): string {
  const frames = [...stack.matchAll(/#\d+: .* in (\w+\(\)): (.*)$/gm)];
  const system = /error message = '([^']*)'/.exec(stack)?.[1];
  if (frames.length === 0) return stack.trim();
  const outer = `${frames[0][1]}: ${frames[0][2]}`;
  const inner = frames.at(-1)![2];
  return `HDF5 ${outer}${frames.length > 1 ? `; ${inner}` : ""}${system ? ` (${system})` : ""}`;
}

function check(status: number | bigint, what: string): void {
  if (status < 0) throw new Hdf5StatusError(`HDF5 could not ${what} (status ${status})`);
}

/** Opens a file read-write, truncating it or not, with HDF5 1.10 format bounds. */
export function openFile(path: string, mode: "truncate" | "readWrite"): bigint {
  const m = h5();
  const flags = mode === "truncate" ? m.H5F_ACC_TRUNC : m.H5F_ACC_RDWR;
  // v110 at both bounds: the oldest format with SWMR, readable by HDF5 1.10 (Debian 12).
  const fileId = m.open(path, flags, false, m.H5F_LIBVER_V110, m.H5F_LIBVER_V110);
  check(fileId, `open ${path}`);
  return fileId;
}

/** Flushes and closes a file. */
export function closeFile(fileId: bigint): void {
  check(h5().close_file(fileId), "close the file");
}

/** Writes everything HDF5 holds in memory for this file to disk. */
export function flushFile(fileId: bigint): void {
  check(h5().flush(fileId), "flush the file");
}

/** Switches an open file into SWMR-write mode. */
export function startSwmrWrite(fileId: bigint): void {
  check(h5().H5Fstart_swmr_write(fileId), "start SWMR write mode");
}

/** Creates a group (the parent must exist). */
export function createGroup(fileId: bigint, path: string): void {
  check(h5().create_group(fileId, path, false), `create group ${path}`);
}

/** Whether an object exists at `path`. */
export function exists(fileId: bigint, path: string): boolean {
  return h5().get_type(fileId, path) >= 0;
}

/** Shape and storage of a new dataset. */
export interface DatasetSpec {
  dtype: string;
  shape: number[];
  /** `null` dimensions are unlimited. Default: `shape`. */
  maxShape?: (number | null)[];
  /** Required for unlimited dimensions and for filters. */
  chunks?: number[];
  /** Compression filter (needs `chunks`; plugin filters need `loadFilterPlugins()` first). */
  filter?: Hdf5Filter;
}

/** Creates a dataset, filled with `values` (which must have `product(shape)` elements). */
export function createDataset(
  fileId: bigint,
  path: string,
  spec: DatasetSpec,
  values: ColumnValues,
): void {
  const slash = path.lastIndexOf("/");
  const parent = new h5wasm.Group(fileId, path.slice(0, slash) || "/");
  const created = parent.create_dataset({
    name: path.slice(slash + 1),
    data: values,
    shape: spec.shape,
    dtype: spec.dtype,
    maxshape: spec.maxShape ?? null,
    chunks: spec.chunks ?? null,
    ...(spec.filter ? { compression: spec.filter.id, compression_opts: spec.filter.values } : {}),
  });
  if (created === null) throw new Hdf5StatusError(`HDF5 could not create dataset ${path}`);
}

/** Sets the extent of a chunked dataset. */
export function resizeDataset(fileId: bigint, path: string, shape: number[]): void {
  check(h5().resize_dataset(fileId, path, shape.map(BigInt)), `resize dataset ${path}`);
}

/** A scratch buffer in the WebAssembly heap, reused between writes. */
export interface HeapBuffer {
  pointer: number;
  bytes: number;
}

/** Allocates an empty heap buffer; grows on use. */
export function heapBuffer(): HeapBuffer {
  return { pointer: 0, bytes: 0 };
}

/** Frees a heap buffer. */
export function freeHeapBuffer(buffer: HeapBuffer): void {
  if (buffer.pointer !== 0) h5()._free(buffer.pointer);
  buffer.pointer = 0;
  buffer.bytes = 0;
}

/**
 * Writes `values` into rows `[firstRow, firstRow + rows)` of a dataset of shape
 * `[rows, width]` (or `[rows]` when `width` is 1). The extent must already cover them.
 */
export function writeRows(
  fileId: bigint,
  path: string,
  firstRow: number,
  width: number,
  twoDimensional: boolean,
  values: ColumnValues,
  buffer: HeapBuffer,
): void {
  const m = h5();
  const bytes = values.byteLength;
  if (bytes === 0) return;
  if (buffer.bytes < bytes) {
    freeHeapBuffer(buffer);
    const pointer = m._malloc(bytes);
    if (pointer === 0) throw new Hdf5StatusError(`out of WebAssembly memory for ${bytes} bytes`);
    buffer.pointer = pointer;
    buffer.bytes = bytes;
  }
  m.HEAPU8.set(new Uint8Array(values.buffer, values.byteOffset, bytes), buffer.pointer);
  const rows = values.length / width;
  const count = twoDimensional ? [BigInt(rows), BigInt(width)] : [BigInt(rows)];
  const offset = twoDimensional ? [BigInt(firstRow), 0n] : [BigInt(firstRow)];
  const strides = twoDimensional ? [1n, 1n] : [1n];
  check(
    m.set_dataset_data(fileId, path, count, offset, strides, BigInt(buffer.pointer)),
    `write rows ${firstRow}..${firstRow + rows} of dataset ${path}`,
  );
}

/** Attribute values the writer stores. */
export type AttributeValue = string | { int64: bigint } | { uint8: number };

/**
 * Creates a scalar attribute on the object at `path`; with `replace`, first deletes one of the
 * same name. (Failures throw inside {@linkcode reportingErrors}.)
 */
export function setAttribute(
  fileId: bigint,
  path: string,
  name: string,
  value: AttributeValue,
  replace = false,
): void {
  const target = new h5wasm.Group(fileId, path);
  if (replace && name in target.attrs) {
    check(target.delete_attribute(name), `replace attribute ${name}`);
  }
  if (typeof value === "string") {
    target.create_attribute(name, value);
  } else if ("int64" in value) {
    target.create_attribute(name, new BigInt64Array([value.int64]), [], "<q");
  } else {
    target.create_attribute(name, new Uint8Array([value.uint8]), [], "<B");
  }
}
