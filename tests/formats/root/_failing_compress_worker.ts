/** Test Worker: a compression Worker whose codec fails from the 41st basket on. */
import { serveSlots } from "../../../src/formats/root/_compress_worker.ts";
import { compressBuffer } from "../../../src/formats/root/_compress.ts";
import type { CompressorSetup } from "../../../src/formats/root/_compress_protocol.ts";
import { xxhashReady } from "../../../src/formats/root/_xxhash64.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<CompressorSetup>) => void) | null;
};
let baskets = 0;

scope.onmessage = async (e) => {
  await xxhashReady;
  await serveSlots(e.data, (data, c) => {
    if (++baskets > 40) throw new Error("codec failed (test)");
    return compressBuffer(data, c);
  });
};
