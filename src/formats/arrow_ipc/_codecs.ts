/**
 * The body codecs of Arrow IPC compression, registered with apache-arrow: LZ4 frames (the
 * format Arrow requires, around LZ4 blocks) and zstd frames (`../zstd.ts`).
 */

import * as arrow from "apache-arrow";
import { lz4CompressBlock } from "../root/_lz4.ts";
import { zstdFrame } from "../zstd.ts";

/** Largest uncompressed block of an LZ4 frame with block maximum size 4 MiB (BD = 7). */
const LZ4_FRAME_BLOCK = 4 << 20;
const LZ4_FRAME_MAGIC = 0x184d2204;
/** FLG: version 01, independent blocks, no checksums, no content size, no dictionary. */
const LZ4_FLG = 0x60;
const LZ4_BD = 0x70;
/** Header checksum: (XXH32 of FLG and BD, seed 0) >> 8 & 0xff, for the two constant bytes. */
const LZ4_HC = 0x73;
const UNCOMPRESSED_BLOCK = 0x80000000;

/** `data` as one LZ4 frame (LZ4 Frame Format 1.6.x), blocks of at most 4 MiB. */
export function lz4Frame(data: Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = [];
  const sizes: number[] = [];
  let total = 7 + 4;
  for (let at = 0; at < data.length; at += LZ4_FRAME_BLOCK) {
    const raw = data.subarray(at, Math.min(data.length, at + LZ4_FRAME_BLOCK));
    const packed = lz4CompressBlock(raw);
    const stored = packed.length < raw.length;
    blocks.push(stored ? packed : raw);
    sizes.push(stored ? packed.length : (raw.length | UNCOMPRESSED_BLOCK) >>> 0);
    total += 4 + (stored ? packed.length : raw.length);
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, LZ4_FRAME_MAGIC, true);
  out[4] = LZ4_FLG;
  out[5] = LZ4_BD;
  out[6] = LZ4_HC;
  let at = 7;
  blocks.forEach((block, i) => {
    view.setUint32(at, sizes[i], true);
    out.set(block, at + 4);
    at += 4 + block.length;
  });
  view.setUint32(at, 0, true);
  return out;
}

/** The encoder registered for `type`. */
export function encoderOf(type: arrow.CompressionType): (data: Uint8Array) => Uint8Array {
  const encode = arrow.compressionRegistry.get(type)?.encode;
  if (encode === undefined) throw new Error(`no Arrow codec registered for ${type}`);
  return encode;
}

let zstdLevel = 1;
let registered = false;

/**
 * Registers the codecs with apache-arrow's (process-wide) compression registry; zstd at
 * `level` from here on. Only writers use them (decoding is not registered).
 */
export function registerArrowCodecs(level: number): void {
  zstdLevel = level;
  if (registered) return;
  arrow.compressionRegistry.set(arrow.CompressionType.LZ4_FRAME, { encode: lz4Frame });
  arrow.compressionRegistry.set(arrow.CompressionType.ZSTD, {
    encode: (data) => zstdFrame(data, zstdLevel),
  });
  registered = true;
}
