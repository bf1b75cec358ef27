/** Messages between a {@link RootCompressorPool} and its Workers (`_compress_worker.ts`). */
import type { RootCompression } from "./_compress.ts";

/** A basket to compress: `length` bytes at `start` of `buffer` (transferred). */
export interface CompressRequest {
  id: number;
  buffer: ArrayBuffer;
  start: number;
  length: number;
  compression: RootCompression;
}

/**
 * A compressed basket: `buffer` comes back (transferred) with the stored bytes beside it, or
 * without them when the bytes did not shrink (they are stored as they are); or what failed.
 */
export type CompressReply =
  | { id: number; buffer: ArrayBuffer; stored?: Uint8Array }
  | { id: number; error: string };
