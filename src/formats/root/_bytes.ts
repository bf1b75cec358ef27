/** Big-endian byte writer and the ROOT serialization helpers built on it. */

const encoder = new TextEncoder();

/** ROOT marks a 4-byte byte count with this bit. */
export const BYTE_COUNT_MASK = 0x40000000;
/** Tag that precedes a class name written for the first time. */
export const NEW_CLASS_TAG = 0xffffffff;
/** Offset added to buffer positions in object references. */
export const MAP_OFFSET = 2;

/** A growable big-endian buffer; `pos` is the write position. */
export class ByteWriter {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(capacity = 256) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  private reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(v: number): this {
    this.reserve(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }
  i16(v: number): this {
    this.reserve(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
    return this;
  }
  u16(v: number): this {
    this.reserve(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }
  i32(v: number): this {
    this.reserve(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
    return this;
  }
  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.pos, v >>> 0);
    this.pos += 4;
    return this;
  }
  i64(v: number | bigint): this {
    this.reserve(8);
    this.view.setBigInt64(this.pos, BigInt(v));
    this.pos += 8;
    return this;
  }
  u64(v: number | bigint): this {
    this.reserve(8);
    this.view.setBigUint64(this.pos, BigInt(v));
    this.pos += 8;
    return this;
  }
  f32(v: number): this {
    this.reserve(4);
    this.view.setFloat32(this.pos, v);
    this.pos += 4;
    return this;
  }
  f64(v: number): this {
    this.reserve(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
    return this;
  }
  raw(data: Uint8Array): this {
    this.reserve(data.length);
    this.bytes.set(data, this.pos);
    this.pos += data.length;
    return this;
  }
  zeros(n: number): this {
    this.reserve(n);
    this.bytes.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }
  /** A TString: 1-byte length (or 255 + 4-byte length) and the UTF-8 bytes. */
  tstring(s: string): this {
    const b = encoder.encode(s);
    if (b.length < 255) this.u8(b.length);
    else this.u8(255).u32(b.length);
    return this.raw(b);
  }
  /** A C string: bytes and a terminating NUL, as class names after a new-class tag. */
  cstring(s: string): this {
    return this.raw(encoder.encode(s)).u8(0);
  }

  /** Reserves a 4-byte byte count plus a 2-byte version; `end` fills the count in. */
  beginVersioned(version: number): number {
    const at = this.pos;
    this.u32(0).i16(version);
    return at;
  }
  /** Reserves a 4-byte byte count (no version), as for an object written through a pointer. */
  beginCount(): number {
    const at = this.pos;
    this.u32(0);
    return at;
  }
  /** Writes the byte count at `at`: the bytes after the count field, with the mask bit. */
  end(at: number): void {
    this.view.setUint32(at, (this.pos - at - 4) | BYTE_COUNT_MASK);
  }

  /** Starts an object written through a pointer with its class name in full. */
  beginObjectAny(className: string): number {
    const at = this.beginCount();
    this.u32(NEW_CLASS_TAG).cstring(className);
    return at;
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }
}

/** Length on disk of a TString holding `s`. */
export function tstringLength(s: string): number {
  const n = encoder.encode(s).length;
  return n < 255 ? 1 + n : 5 + n;
}
