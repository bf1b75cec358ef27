/** LZ4 block compression (the raw block format, no frame), greedy with a 64 Ki-entry hash table. */

const MIN_MATCH = 4;
const MF_LIMIT = 12;
const LAST_LITERALS = 5;
const HASH_LOG = 16;
const MAX_OFFSET = 65535;

const table = new Int32Array(1 << HASH_LOG);

/** Largest block `lz4CompressBlock` can produce for `n` input bytes. */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

function read32(src: Uint8Array, i: number): number {
  return src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | (src[i + 3] << 24);
}

function hash(seq: number): number {
  return Math.imul(seq, 2654435761) >>> (32 - HASH_LOG);
}

function writeLength(dst: Uint8Array, op: number, extra: number): number {
  while (extra >= 255) {
    dst[op++] = 255;
    extra -= 255;
  }
  dst[op++] = extra;
  return op;
}

function emitSequence(
  src: Uint8Array,
  dst: Uint8Array,
  op: number,
  anchor: number,
  literalEnd: number,
  offset: number,
  matchLength: number,
): number {
  const literalLength = literalEnd - anchor;
  const tokenAt = op++;
  let token = 0;
  if (literalLength >= 15) {
    token = 15 << 4;
    op = writeLength(dst, op, literalLength - 15);
  } else {
    token = literalLength << 4;
  }
  dst.set(src.subarray(anchor, literalEnd), op);
  op += literalLength;
  if (matchLength > 0) {
    dst[op++] = offset & 0xff;
    dst[op++] = offset >>> 8;
    const extra = matchLength - MIN_MATCH;
    if (extra >= 15) {
      token |= 15;
      op = writeLength(dst, op, extra - 15);
    } else {
      token |= extra;
    }
  }
  dst[tokenAt] = token;
  return op;
}

/** Compresses `src` into a new LZ4 block. */
export function lz4CompressBlock(src: Uint8Array): Uint8Array {
  const n = src.length;
  const dst = new Uint8Array(lz4CompressBound(n));
  let op = 0;
  let anchor = 0;
  if (n >= MF_LIMIT + 1) {
    table.fill(-1);
    const ipLimit = n - MF_LIMIT;
    const matchLimit = n - LAST_LITERALS;
    let ip = 0;
    let misses = 0;
    while (ip < ipLimit) {
      const seq = read32(src, ip);
      const h = hash(seq);
      let ref = table[h];
      table[h] = ip;
      if (ref >= 0 && ip - ref <= MAX_OFFSET && read32(src, ref) === seq) {
        while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
          ip--;
          ref--;
        }
        let length = MIN_MATCH;
        while (ip + length < matchLimit && src[ip + length] === src[ref + length]) length++;
        op = emitSequence(src, dst, op, anchor, ip, ip - ref, length);
        ip += length;
        anchor = ip;
        misses = 0;
        if (ip - 2 < ipLimit) table[hash(read32(src, ip - 2))] = ip - 2;
      } else {
        // Step faster through data that does not match, as the reference LZ4 does.
        ip += 1 + (misses++ >> 6);
      }
    }
  }
  op = emitSequence(src, dst, op, anchor, n, 0, 0);
  return dst.subarray(0, op);
}
