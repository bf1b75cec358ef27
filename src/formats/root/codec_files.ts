/**
 * Files the ROOT writer's codecs read when they load: a Worker that writes ROOT files needs
 * read permission on them, and ffi permission on the native LZ4 library if it is to use it.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The WebAssembly file of the LZ4 codec (npm `lz4-wasm-nodejs`, read when it is imported). */
export const LZ4_WASM_PATH: string = fileURLToPath(
  new URL("./lz4_wasm_nodejs_bg.wasm", import.meta.resolve("lz4-wasm-nodejs")),
);

/** Every file the writer reads besides the files it writes. */
export const ROOT_CODEC_FILES: readonly string[] = [LZ4_WASM_PATH];

/** Where Debian, Fedora and others put the system's liblz4 (package liblz4-1 / lz4-libs). */
export const LZ4_LIBRARY_CANDIDATES: readonly string[] = [
  "/usr/lib/x86_64-linux-gnu/liblz4.so.1",
  "/lib/x86_64-linux-gnu/liblz4.so.1",
  "/usr/lib/aarch64-linux-gnu/liblz4.so.1",
  "/lib/aarch64-linux-gnu/liblz4.so.1",
  "/usr/lib64/liblz4.so.1",
  "/usr/lib/liblz4.so.1",
  "/usr/local/lib/liblz4.so.1",
];

/**
 * The native LZ4 libraries present on this machine, for a Worker's `ffi` permission: with it,
 * the codec uses the system's liblz4 (about 2.5 times the speed of the WebAssembly build on
 * the bench's data), else the WebAssembly one. Looked up by the caller, which may read
 * anywhere (the supervisor), not by the codec's Worker.
 */
export function lz4Libraries(): string[] {
  return LZ4_LIBRARY_CANDIDATES.filter((p) => {
    try {
      return existsSync(p);
    } catch {
      return false;
    }
  });
}
