/**
 * XXH64 (seed 0), as ROOT stores it after each LZ4 block: by xxHash compiled to WebAssembly
 * (npm `xxhash-wasm`, its module inline: no file is read), about 30 times the speed of the
 * TypeScript version below (98 MB/s, which had made the hash cost more than LZ4 itself). The
 * module loads asynchronously without a top-level await (several Workers importing modules
 * with top-level awaits at once sometimes never finished starting); hashes asked for before
 * it is ready use the TypeScript version. 64-bit lanes there are pairs of 32-bit halves so the
 * hot loop stays in small-integer arithmetic.
 */

import xxhash from "xxhash-wasm";

let h64Raw: ((data: Uint8Array, seed: bigint) => bigint) | undefined;
/** Resolves once the WebAssembly hash is in use. */
export const xxhashReady: Promise<void> = xxhash().then((api) => void (h64Raw = api.h64Raw));

/** XXH64 of `data` with seed 0, as 8 big-endian bytes (XXH64_canonicalFromHash). */
export function xxhash64(data: Uint8Array): Uint8Array {
  if (h64Raw === undefined) return xxhash64Scalar(data);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, h64Raw(data, 0n));
  return out;
}

// Primes as [high, low] 32-bit halves.
const P1_HI = 0x9e3779b1, P1_LO = 0x85ebca87;
const P2_HI = 0xc2b2ae3d, P2_LO = 0x27d4eb4f;
const P3_HI = 0x165667b1, P3_LO = 0x9e3779f9;
const P4_HI = 0x85ebca77, P4_LO = 0xc2b2ae63;
const P5_HI = 0x27d4eb2f, P5_LO = 0x165667c5;

// Scratch result of the 64-bit helpers.
let rHi = 0, rLo = 0;

function add(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const lo = (aLo >>> 0) + (bLo >>> 0);
  rLo = lo >>> 0;
  rHi = (aHi + bHi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

function mul(aHi: number, aLo: number, bHi: number, bLo: number): void {
  // 64x64 -> low 64 bits, from 16-bit pieces.
  const a48 = aHi >>> 16, a32 = aHi & 0xffff, a16 = aLo >>> 16, a00 = aLo & 0xffff;
  const b48 = bHi >>> 16, b32 = bHi & 0xffff, b16 = bLo >>> 16, b00 = bLo & 0xffff;
  let c00 = a00 * b00;
  let c16 = c00 >>> 16;
  c00 &= 0xffff;
  c16 += a16 * b00;
  let c32 = c16 >>> 16;
  c16 &= 0xffff;
  c16 += a00 * b16;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += a32 * b00;
  let c48 = c32 >>> 16;
  c32 &= 0xffff;
  c32 += a16 * b16;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a00 * b32;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 += a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48;
  c48 &= 0xffff;
  rHi = ((c48 << 16) | c32) >>> 0;
  rLo = ((c16 << 16) | c00) >>> 0;
}

function rotl(hi: number, lo: number, n: number): void {
  if (n >= 32) {
    const t = hi;
    hi = lo;
    lo = t;
    n -= 32;
  }
  if (n === 0) {
    rHi = hi >>> 0;
    rLo = lo >>> 0;
    return;
  }
  rHi = ((hi << n) | (lo >>> (32 - n))) >>> 0;
  rLo = ((lo << n) | (hi >>> (32 - n))) >>> 0;
}

/** round(acc, input) = rotl(acc + input * P2, 31) * P1; result in rHi/rLo. */
function round(accHi: number, accLo: number, inHi: number, inLo: number): void {
  mul(inHi, inLo, P2_HI, P2_LO);
  add(accHi, accLo, rHi, rLo);
  rotl(rHi, rLo, 31);
  mul(rHi, rLo, P1_HI, P1_LO);
}

/** acc = (acc ^ round(0, val)) * P1 + P4; result in rHi/rLo. */
function mergeRound(accHi: number, accLo: number, valHi: number, valLo: number): void {
  round(0, 0, valHi, valLo);
  mul((accHi ^ rHi) >>> 0, (accLo ^ rLo) >>> 0, P1_HI, P1_LO);
  add(rHi, rLo, P4_HI, P4_LO);
}

/** XXH64 in TypeScript, used until the WebAssembly module is ready. */
export function xxhash64Scalar(data: Uint8Array): Uint8Array {
  const len = data.length;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = 0;
  let hHi: number, hLo: number;
  if (len >= 32) {
    // v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1
    add(P1_HI, P1_LO, P2_HI, P2_LO);
    let v1Hi = rHi, v1Lo = rLo;
    let v2Hi = P2_HI, v2Lo = P2_LO;
    let v3Hi = 0, v3Lo = 0;
    add(~P1_HI >>> 0, ~P1_LO >>> 0, 0, 1);
    let v4Hi = rHi, v4Lo = rLo;
    const limit = len - 32;
    while (p <= limit) {
      round(v1Hi, v1Lo, view.getUint32(p + 4, true), view.getUint32(p, true));
      v1Hi = rHi;
      v1Lo = rLo;
      round(v2Hi, v2Lo, view.getUint32(p + 12, true), view.getUint32(p + 8, true));
      v2Hi = rHi;
      v2Lo = rLo;
      round(v3Hi, v3Lo, view.getUint32(p + 20, true), view.getUint32(p + 16, true));
      v3Hi = rHi;
      v3Lo = rLo;
      round(v4Hi, v4Lo, view.getUint32(p + 28, true), view.getUint32(p + 24, true));
      v4Hi = rHi;
      v4Lo = rLo;
      p += 32;
    }
    rotl(v1Hi, v1Lo, 1);
    let sHi = rHi, sLo = rLo;
    rotl(v2Hi, v2Lo, 7);
    add(sHi, sLo, rHi, rLo);
    sHi = rHi;
    sLo = rLo;
    rotl(v3Hi, v3Lo, 12);
    add(sHi, sLo, rHi, rLo);
    sHi = rHi;
    sLo = rLo;
    rotl(v4Hi, v4Lo, 18);
    add(sHi, sLo, rHi, rLo);
    mergeRound(rHi, rLo, v1Hi, v1Lo);
    mergeRound(rHi, rLo, v2Hi, v2Lo);
    mergeRound(rHi, rLo, v3Hi, v3Lo);
    mergeRound(rHi, rLo, v4Hi, v4Lo);
    hHi = rHi;
    hLo = rLo;
  } else {
    hHi = P5_HI;
    hLo = P5_LO;
  }
  add(hHi, hLo, 0, len);
  hHi = rHi;
  hLo = rLo;
  while (p + 8 <= len) {
    round(0, 0, view.getUint32(p + 4, true), view.getUint32(p, true));
    rotl((hHi ^ rHi) >>> 0, (hLo ^ rLo) >>> 0, 27);
    mul(rHi, rLo, P1_HI, P1_LO);
    add(rHi, rLo, P4_HI, P4_LO);
    hHi = rHi;
    hLo = rLo;
    p += 8;
  }
  if (p + 4 <= len) {
    mul(0, view.getUint32(p, true), P1_HI, P1_LO);
    rotl((hHi ^ rHi) >>> 0, (hLo ^ rLo) >>> 0, 23);
    mul(rHi, rLo, P2_HI, P2_LO);
    add(rHi, rLo, P3_HI, P3_LO);
    hHi = rHi;
    hLo = rLo;
    p += 4;
  }
  while (p < len) {
    mul(0, data[p], P5_HI, P5_LO);
    rotl((hHi ^ rHi) >>> 0, (hLo ^ rLo) >>> 0, 11);
    mul(rHi, rLo, P1_HI, P1_LO);
    hHi = rHi;
    hLo = rLo;
    p += 1;
  }
  // avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32
  hLo = (hLo ^ (hHi >>> 1)) >>> 0;
  mul(hHi, hLo, P2_HI, P2_LO);
  hLo = (rLo ^ ((rLo >>> 29) | (rHi << 3))) >>> 0;
  hHi = (rHi ^ (rHi >>> 29)) >>> 0;
  mul(hHi, hLo, P3_HI, P3_LO);
  hHi = rHi;
  hLo = (rLo ^ rHi) >>> 0;
  const out = new Uint8Array(8);
  const outView = new DataView(out.buffer);
  outView.setUint32(0, hHi);
  outView.setUint32(4, hLo);
  return out;
}
