/**
 * LZ4 block compression (the raw block format, no frame), by lz4_flex compiled to
 * WebAssembly (npm `lz4-wasm-nodejs`): about four times the speed of the TypeScript
 * compressor it replaced (`deno run -A bench/codecs.ts`). Loading it reads its `.wasm` file,
 * `LZ4_WASM_PATH` (`codec_files.ts`): a Worker that writes ROOT files needs read permission
 * on it.
 */

import { compress } from "lz4-wasm-nodejs";

/** LZ4 block of `src`. */
export function lz4CompressBlock(src: Uint8Array): Uint8Array {
  // lz4_flex's compress_prepend_size: the input length (u32, little-endian), then the block.
  return compress(src).subarray(4);
}
