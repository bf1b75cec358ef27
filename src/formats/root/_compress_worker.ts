/** A Worker of a RootCompressorPool: compresses baskets as ROOT stores them (`_compress.ts`). */
import { compressBuffer } from "./_compress.ts";
import type { CompressReply, CompressRequest } from "./_compress_protocol.ts";
import { xxhashReady } from "./_xxhash64.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<CompressRequest>) => void) | null;
  postMessage(message: CompressReply, transfer: Transferable[]): void;
};

scope.onmessage = async (e) => {
  const { id, buffer, start, length, compression } = e.data;
  // Baskets arrive in order and resolve in order once the hash's module is in.
  await xxhashReady;
  let reply: CompressReply;
  const transfer: Transferable[] = [buffer];
  try {
    const data = new Uint8Array(buffer, start, length);
    const stored = compressBuffer(data, compression);
    if (stored === data) reply = { id, buffer };
    else {
      reply = { id, buffer, stored };
      transfer.push(stored.buffer as ArrayBuffer);
    }
  } catch (err) {
    reply = { id, error: `compressing a ${length}-byte basket: ${(err as Error).message}` };
    transfer.length = 0;
  }
  scope.postMessage(reply, transfer);
};
