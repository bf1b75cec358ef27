/**
 * Thrift's compact protocol, writing only: just what Parquet's footer and page headers need.
 * A struct is written as a list of fields; `undefined` values are left out.
 */

/** Compact-protocol type ids. */
const T = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12 };

/** A value of a field: tagged with its Thrift type. */
export type ThriftValue =
  | { i32: number }
  | { i64: number | bigint }
  | { byte: number }
  | { bool: boolean }
  | { string: string }
  | { struct: ThriftStruct }
  | { list: "i32"; values: number[] }
  | { list: "string"; values: string[] }
  | { list: "struct"; values: ThriftStruct[] };

/** Fields by id; `undefined` fields are not written. */
export type ThriftStruct = Record<number, ThriftValue | undefined>;

/** Growable byte buffer. */
class Bytes {
  buf = new Uint8Array(256);
  length = 0;

  byte(b: number): void {
    if (this.length === this.buf.length) {
      const grown = new Uint8Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.length++] = b;
  }

  varint(value: bigint): void {
    let v = value;
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  zigzag(value: number | bigint): void {
    const v = BigInt(value);
    this.varint(v >= 0n ? v << 1n : ((-v) << 1n) - 1n);
  }

  bytes(data: Uint8Array): void {
    for (const b of data) this.byte(b);
  }
}

function typeOf(value: ThriftValue): number {
  if ("i32" in value) return T.I32;
  if ("i64" in value) return T.I64;
  if ("byte" in value) return T.BYTE;
  if ("bool" in value) return value.bool ? T.TRUE : T.FALSE;
  if ("string" in value) return T.BINARY;
  if ("struct" in value) return T.STRUCT;
  return T.LIST;
}

const LIST_TYPE = { i32: T.I32, string: T.BINARY, struct: T.STRUCT };
const encoder = new TextEncoder();

function writeValue(out: Bytes, value: ThriftValue): void {
  if ("i32" in value) out.zigzag(value.i32);
  else if ("i64" in value) out.zigzag(value.i64);
  else if ("byte" in value) out.byte(value.byte & 0xff);
  else if ("bool" in value) return;
  else if ("string" in value) {
    const data = encoder.encode(value.string);
    out.varint(BigInt(data.length));
    out.bytes(data);
  } else if ("struct" in value) writeStruct(out, value.struct);
  else {
    const n = value.values.length;
    const type = LIST_TYPE[value.list];
    if (n < 15) out.byte((n << 4) | type);
    else {
      out.byte(0xf0 | type);
      out.varint(BigInt(n));
    }
    for (const element of value.values) {
      if (value.list === "i32") out.zigzag(element as number);
      else if (value.list === "string") writeValue(out, { string: element as string });
      else writeStruct(out, element as ThriftStruct);
    }
  }
}

function writeStruct(out: Bytes, struct: ThriftStruct): void {
  let last = 0;
  const ids = Object.keys(struct).map(Number).sort((a, b) => a - b);
  for (const id of ids) {
    const value = struct[id];
    if (value === undefined) continue;
    const type = typeOf(value);
    const delta = id - last;
    if (delta > 0 && delta <= 15) out.byte((delta << 4) | type);
    else {
      out.byte(type);
      out.zigzag(id);
    }
    writeValue(out, value);
    last = id;
  }
  out.byte(0);
}

/** `struct` in Thrift's compact protocol. */
export function encodeThrift(struct: ThriftStruct): Uint8Array {
  const out = new Bytes();
  writeStruct(out, struct);
  return out.buf.slice(0, out.length);
}
