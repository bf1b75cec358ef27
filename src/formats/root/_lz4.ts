/**
 * LZ4 block compression (the raw block format, no frame): by the system's liblz4 through FFI
 * when this thread may load it (`ffi` permission on one of `LZ4_LIBRARY_CANDIDATES`,
 * `codec_files.ts`), else by lz4_flex compiled to WebAssembly (npm `lz4-wasm-nodejs`). On the
 * data of `daq bench` (int64 timestamps and a float64 ramp, big-endian) liblz4 ran 0.9-1.7
 * GB/s and the WebAssembly build 0.35-0.45 GB/s on one core. Loading the WebAssembly build
 * reads its `.wasm` file, `LZ4_WASM_PATH`: a Worker that writes ROOT files needs read
 * permission on it.
 */

import { compress } from "lz4-wasm-nodejs";
import { LZ4_LIBRARY_CANDIDATES } from "./codec_files.ts";

const SYMBOLS = {
  LZ4_compress_default: { parameters: ["buffer", "buffer", "i32", "i32"], result: "i32" },
  LZ4_compressBound: { parameters: ["i32"], result: "i32" },
} as const;

type NativeLz4 = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** liblz4, if a candidate exists and this thread may open it; never prompts. */
function openNative(): NativeLz4 | undefined {
  for (const path of LZ4_LIBRARY_CANDIDATES) {
    try {
      if (Deno.permissions.querySync({ name: "ffi", path }).state !== "granted") continue;
      return Deno.dlopen(path, SYMBOLS).symbols;
    } catch {
      // Missing here, or not loadable: try the next one.
    }
  }
  return undefined;
}

const native = openNative();
let scratch = new Uint8Array(0);

/** Which LZ4 compressor this thread uses. */
export const LZ4_IMPLEMENTATION: "liblz4" | "lz4_flex-wasm" = native ? "liblz4" : "lz4_flex-wasm";

/** LZ4 block of `src`. */
export function lz4CompressBlock(src: Uint8Array): Uint8Array {
  if (native && src.length > 0 && src.length <= 0x7e000000) {
    const bound = native.LZ4_compressBound(src.length);
    if (scratch.length < bound) scratch = new Uint8Array(bound);
    const n = native.LZ4_compress_default(src, scratch, src.length, bound);
    if (n > 0) return scratch.slice(0, n);
  }
  // lz4_flex's compress_prepend_size: the input length (u32, little-endian), then the block.
  return compress(src).subarray(4);
}
