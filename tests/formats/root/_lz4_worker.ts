/** Test Worker: compresses what it is sent with the ROOT writer's LZ4 codec, says which one. */
import { LZ4_IMPLEMENTATION, lz4CompressBlock } from "../../../src/formats/root/_lz4.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Uint8Array>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
};

scope.onmessage = (e) => {
  scope.postMessage({ implementation: LZ4_IMPLEMENTATION, block: lz4CompressBlock(e.data) });
  scope.close();
};
