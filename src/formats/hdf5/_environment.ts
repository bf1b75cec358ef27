/**
 * What h5wasm (Emscripten) would otherwise need from the whole process: its environment and
 * `/tmp`. Imported by `_h5.ts` before h5wasm, so that it runs first.
 *
 * Environment: Emscripten's libc copies `process.env` into the WebAssembly module when it
 * starts (it enumerates every variable), which Deno allows only with access to all of them. In
 * a Worker without that access, `process.env` is replaced by a plain object holding the few
 * variables the Worker may read, from {@link PASSED_ENV}: HDF5 then sees only those (daq sets
 * the filter plugin path itself, so HDF5_* variables of the shell are not needed).
 *
 * /tmp: musl's `tmpfile()`, which h5wasm uses to capture HDF5 error stacks, opens a hard-coded
 * `/tmp/tmpfile_XXXXXX` (TMPDIR is not read) and unlinks it at once. {@link keepTempFilesIn}
 * sends those files to another folder (the store's own) through Emscripten's file system layer.
 */
import process from "node:process";

/** Variables handed to HDF5 when the Worker may read them (the others are not asked for). */
export const PASSED_ENV = ["TZ", "MSGPACKR_NATIVE_ACCELERATION_DISABLED"] as const;

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

if (!granted({ name: "env" })) {
  const env: Record<string, string> = {};
  for (const name of PASSED_ENV) {
    const value = granted({ name: "env", variable: name }) ? Deno.env.get(name) : undefined;
    if (value !== undefined) env[name] = value;
  }
  Object.defineProperty(process, "env", { value: env, configurable: true, writable: true });
}

/** Emscripten's file system object, as much of it as the redirect touches. */
interface EmscriptenFs {
  open(path: string, ...rest: unknown[]): unknown;
  unlink(path: string, ...rest: unknown[]): unknown;
}

const TMPFILE_PREFIX = "/tmp/tmpfile_";
let tempDir: string | undefined;

/**
 * Makes h5wasm's `tmpfile()` files `<dir>/.h5wasm-tmpfile_XXXXXX` instead of
 * `/tmp/tmpfile_XXXXXX` (each is unlinked as soon as it is made). Call before the first HDF5
 * call that may fail; `fs` is h5wasm's `FS`.
 */
export function keepTempFilesIn(dir: string, fs: EmscriptenFs): void {
  const wrap = (path: string) =>
    tempDir !== undefined && typeof path === "string" && path.startsWith(TMPFILE_PREFIX)
      ? `${tempDir}/.h5wasm-${path.slice("/tmp/".length)}`
      : path;
  if (tempDir === undefined) {
    const { open, unlink } = fs;
    fs.open = (path, ...rest) => open.call(fs, wrap(path), ...rest);
    fs.unlink = (path, ...rest) => unlink.call(fs, wrap(path), ...rest);
  }
  tempDir = dir.replace(/\/+$/, "");
}
