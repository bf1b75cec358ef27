/** ROOT's compressed-buffer layout: 9-byte block headers, blocks of at most 16 MiB - 1. */

import zlib from "node:zlib";
import { lz4CompressBlock } from "./_lz4.ts";
import { xxhash64 } from "./_xxhash64.ts";

/** Compression algorithms ROOT can read, as written into fCompress (algorithm * 100 + level). */
export type RootCompressionAlgorithm = "none" | "zlib" | "lz4" | "zstd";

/** A file's compression: the algorithm and its level (1-9 for zlib and lz4, 1-22 for zstd). */
export interface RootCompression {
  algorithm: RootCompressionAlgorithm;
  level?: number;
}

const ALGORITHM_CODE: Record<RootCompressionAlgorithm, number> = {
  none: 0,
  zlib: 1,
  lz4: 4,
  zstd: 5,
};

/**
 * Default levels. zstd 1: on the signal data it gave the size of levels 2-5 (within 1%) at
 * 1.05-1.5 times the speed of level 5 (`bench/root_writer.ts`, docs/benchmarks.md).
 */
const DEFAULT_LEVEL: Record<RootCompressionAlgorithm, number> = {
  none: 0,
  zlib: 1,
  lz4: 4,
  zstd: 1,
};

/** ROOT's kMAXZBUF: the largest block one header can describe. */
export const MAX_BLOCK = 0xffffff;
const HEADER = 9;

/** Resolved level of a compression setting (0 for none). */
export function compressionLevel(c: RootCompression): number {
  if (c.algorithm === "none") return 0;
  return c.level ?? DEFAULT_LEVEL[c.algorithm];
}

/** The fCompress value ROOT stores for this setting. */
export function compressionCode(c: RootCompression): number {
  const level = compressionLevel(c);
  return level === 0 ? 0 : ALGORITHM_CODE[c.algorithm] * 100 + level;
}

function compressBlock(block: Uint8Array, c: RootCompression, level: number): Uint8Array[] {
  switch (c.algorithm) {
    case "zlib": {
      const out = zlib.deflateSync(block, { level });
      return [new TextEncoder().encode("ZL"), Uint8Array.of(8), out];
    }
    case "lz4": {
      const out = lz4CompressBlock(block);
      return [new TextEncoder().encode("L4"), Uint8Array.of(1), xxhash64(out), out];
    }
    case "zstd": {
      // One output chunk larger than ZSTD_compressBound: with several chunks, node:zlib ends
      // the output with a second, empty frame, which ROOT never writes and which sends the
      // zstd decoder JSROOT uses on Node (@oneidentity/zstd-js) into an endless loop.
      const out = zlib.zstdCompressSync(block, {
        pledgedSrcSize: block.length,
        chunkSize: zstdCompressBound(block.length),
        params: { [zlib.constants.ZSTD_c_compressionLevel]: level },
      } as zlib.ZstdOptions);
      return [new TextEncoder().encode("ZS"), Uint8Array.of(1), out];
    }
    default:
      return [];
  }
}

/** ZSTD_COMPRESSBOUND: the largest zstd frame `n` input bytes can give. */
function zstdCompressBound(n: number): number {
  return n + (n >>> 8) + (n < 128 * 1024 ? (128 * 1024 - n) >>> 11 : 0);
}

/**
 * Compresses an object's bytes the way ROOT does: one header per block of at most
 * 16 MiB - 1. Returns `data` itself when the setting is "none" or when any block does not
 * shrink; a reader then sees fNbytes - fKeylen == fObjlen and takes the bytes as they are.
 */
export function compressBuffer(data: Uint8Array, c: RootCompression): Uint8Array {
  const level = compressionLevel(c);
  if (level === 0 || data.length === 0) return data;
  const blocks: Uint8Array[][] = [];
  let total = 0;
  for (let start = 0; start < data.length; start += MAX_BLOCK) {
    const block = data.subarray(start, Math.min(data.length, start + MAX_BLOCK));
    const [tag, method, ...payload] = compressBlock(block, c, level);
    const payloadLength = payload.reduce((n, p) => n + p.length, 0);
    if (HEADER + payloadLength >= block.length) return data;
    const header = new Uint8Array(HEADER);
    header.set(tag, 0);
    header.set(method, 2);
    header[3] = payloadLength & 0xff;
    header[4] = (payloadLength >>> 8) & 0xff;
    header[5] = (payloadLength >>> 16) & 0xff;
    header[6] = block.length & 0xff;
    header[7] = (block.length >>> 8) & 0xff;
    header[8] = (block.length >>> 16) & 0xff;
    blocks.push([header, ...payload]);
    total += HEADER + payloadLength;
  }
  if (total >= data.length) return data;
  const out = new Uint8Array(total);
  let at = 0;
  for (const parts of blocks) {
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
  }
  return out;
}
