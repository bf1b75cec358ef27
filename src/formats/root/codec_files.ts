/**
 * Files the ROOT writer's codecs read when they load: a Worker that writes ROOT files needs
 * read permission on them.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The WebAssembly file of the LZ4 codec (npm `lz4-wasm-nodejs`, read when it is imported). */
export const LZ4_WASM_PATH: string = fileURLToPath(
  new URL("./lz4_wasm_nodejs_bg.wasm", import.meta.resolve("lz4-wasm-nodejs")),
);

/** Every file the writer reads besides the files it writes. */
export const ROOT_CODEC_FILES: readonly string[] = [LZ4_WASM_PATH];
