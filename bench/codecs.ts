/**
 * Compression codecs available from npm, measured on this machine on the signal data
 * (timestamp_ns int64 at 10 kHz, a 5 Hz sine and Gaussian noise as float64), one column chunk of
 * `chunkRows` rows at a time as a chunked store would compress them.
 *
 *   deno run --allow-all bench/codecs.ts [rows] [chunkRows]
 *
 * MB/s counts uncompressed bytes per second of one thread (1 MB = 1e6 bytes); "size" is the
 * compressed size against the raw.
 */

import zlib from "node:zlib";
import * as lz4napi from "lz4-napi";
import * as lz4wasm from "lz4-wasm-nodejs";
import Blosc from "numcodecs/blosc";
import LZ4 from "numcodecs/lz4";
import Zstd from "numcodecs/zstd";
import { LZ4_IMPLEMENTATION, lz4CompressBlock } from "../src/formats/root/_lz4.ts";
import { signalColumns } from "../src/jobs/sources/signal.ts";

const rows = Number(Deno.args[0] ?? 2_000_000);
const chunkRows = Number(Deno.args[1] ?? 65_536);

const columns = signalColumns(
  [
    { name: "sine", shape: "sine", freq_hz: 5, amplitude: 1, offset: 0, unit: "V" },
    { name: "noise", shape: "noise", freq_hz: 0, amplitude: 0.1, offset: 0, unit: "V" },
  ],
  0,
  rows,
  10_000,
  1,
  1_700_000_000_000_000_000n,
);

const chunks: Uint8Array[] = [];
for (const { values } of columns) {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  for (let at = 0; at < bytes.length; at += chunkRows * 8) {
    chunks.push(bytes.slice(at, Math.min(bytes.length, at + chunkRows * 8)));
  }
}
const raw = chunks.reduce((n, c) => n + c.length, 0);

/** Byte shuffle of 8-byte elements (HDF5's shuffle filter), in JS. */
function shuffle8(src: Uint8Array): Uint8Array {
  const n = src.length >>> 3;
  const out = new Uint8Array(src.length);
  for (let b = 0; b < 8; b++) {
    const base = b * n;
    for (let i = 0; i < n; i++) out[base + i] = src[i * 8 + b];
  }
  return out;
}

const codecs: [string, (c: Uint8Array) => Uint8Array | Promise<Uint8Array>][] = [
  ["memcpy (slice)", (c) => c.slice()],
  [
    `lz4, the stores' (src/formats/root/_lz4.ts: ${LZ4_IMPLEMENTATION})`,
    (c) => lz4CompressBlock(c),
  ],
  ["lz4, lz4-napi compressSync (native lz4_flex)", (c) => lz4napi.compressSync(c as never)],
  ["lz4, lz4-wasm-nodejs (wasm lz4_flex)", (c) => lz4wasm.compress(c)],
  ["lz4, numcodecs LZ4 (wasm liblz4)", (c) => lz4Codec.encode(c) as Uint8Array],
  ["shuffle (JS) + lz4-napi", (c) => lz4napi.compressSync(shuffle8(c) as never)],
  ["blosc lz4 shuffle, numcodecs (wasm)", (c) => bloscLz4.encode(c) as Uint8Array],
  ["blosc lz4 bitshuffle, numcodecs (wasm)", (c) => bloscLz4Bit.encode(c) as Uint8Array],
  ["blosc zstd 1 shuffle, numcodecs (wasm)", (c) => bloscZstd.encode(c) as Uint8Array],
  ["zstd 1, node:zlib (native)", (c) => zstd(c, 1)],
  ["zstd 3, node:zlib (native)", (c) => zstd(c, 3)],
  ["shuffle (JS) + zstd 1, node:zlib", (c) => zstd(shuffle8(c), 1)],
  ["zstd 1, numcodecs (wasm)", (c) => zstdCodec.encode(c) as Uint8Array],
  ["deflate 1, node:zlib (native)", (c) => zlib.deflateSync(c, { level: 1 })],
  ["shuffle (JS) + deflate 1, node:zlib", (c) => zlib.deflateSync(shuffle8(c), { level: 1 })],
];

function zstd(c: Uint8Array, level: number): Uint8Array {
  return zlib.zstdCompressSync(c, {
    pledgedSrcSize: c.length,
    params: { [zlib.constants.ZSTD_c_compressionLevel]: level },
  } as zlib.ZstdOptions);
}

const lz4Codec = LZ4.fromConfig({ id: "lz4", acceleration: 1 });
const bloscLz4 = Blosc.fromConfig({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 });
const bloscLz4Bit = Blosc.fromConfig({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 2 });
const bloscZstd = Blosc.fromConfig({ id: "blosc", cname: "zstd", clevel: 1, shuffle: 1 });
const zstdCodec = Zstd.fromConfig({ id: "zstd", level: 1 });

console.log(
  `${rows} rows x 3 columns, ${chunkRows}-row chunks, ${(raw / 1e6).toFixed(0)} MB raw`,
);
console.log("| codec | MB/s (best of 3) | size vs raw |");
console.log("| --- | --- | --- |");
for (const [name, compress] of codecs) {
  let best = Infinity;
  let size = 0;
  for (let run = 0; run < 3; run++) {
    size = 0;
    const t = performance.now();
    for (const c of chunks) size += (await compress(c)).length;
    best = Math.min(best, performance.now() - t);
  }
  const mbs = raw / 1e6 / (best / 1000);
  console.log(`| ${name} | ${mbs.toFixed(0)} | ${(100 * size / raw).toFixed(1)}% |`);
}
