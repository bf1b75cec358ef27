/**
 * UDP packet layouts without I/O: a layout compiled from field specs, and a decoder that
 * copies each packet's records into column arrays. A packet whose length is not exactly the
 * layout's is malformed: the caller counts and skips it.
 */
import { SpecError } from "./errors.ts";

/** Field types a packet can carry, with their size in bytes. */
export const FIELD_TYPES = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float32: 4,
  float64: 8,
} as const;

/** The name of a packet field type. */
export type FieldType = keyof typeof FIELD_TYPES;

/** A field as configured: `count` > 1 makes a fixed-size array (a waveform). */
export interface PacketFieldSpec {
  name: string;
  type: string;
  count?: number;
}

/** A packet layout as configured. */
export interface LayoutSpec {
  fields: PacketFieldSpec[];
  byteOrder: "little" | "big";
  /** Records back to back in each packet (default 1). */
  recordsPerPacket?: number;
  /** The integer field that numbers packets (records), for gap counting. */
  sequence?: string;
}

/** A field placed in the record. */
export interface LayoutField {
  name: string;
  type: FieldType;
  /** Elements per record (1 for a scalar). */
  count: number;
  /** Byte offset in the record. */
  offset: number;
  /** Bytes per element. */
  size: number;
}

/** A compiled layout. */
export interface PacketLayout {
  fields: LayoutField[];
  byteOrder: "little" | "big";
  recordBytes: number;
  recordsPerPacket: number;
  packetBytes: number;
  /** The sequence field, when one is named. */
  sequence: LayoutField | undefined;
}

/** The largest UDP payload over IPv4 (65535 - 8 byte UDP header - 20 byte IP header). */
export const MAX_UDP_PAYLOAD = 65507;

/** Column names the packet fields may not take (the job adds them). */
const RESERVED = new Set(["timestamp_ns"]);

/**
 * Checks and places the fields of a layout. Throws {@link SpecError} whose key names the
 * field at fault (`fields[2].type`, `fields[0].count`, `sequence`, `records_per_packet`).
 *
 * @example
 * ```ts
 * import { compileLayout } from "./packet.ts";
 * import assert from "node:assert/strict";
 * const layout = compileLayout({
 *   byteOrder: "little",
 *   sequence: "seq",
 *   fields: [{ name: "seq", type: "uint32" }, { name: "adc", type: "int16", count: 256 }],
 * });
 * assert.equal(layout.packetBytes, 4 + 512);
 * ```
 */
export function compileLayout(spec: LayoutSpec): PacketLayout {
  if (spec.byteOrder !== "little" && spec.byteOrder !== "big") {
    throw new SpecError(
      "byte_order",
      `expected "little" or "big", got ${JSON.stringify(spec.byteOrder)}`,
    );
  }
  if (!Array.isArray(spec.fields) || spec.fields.length === 0) {
    throw new SpecError("fields", "a packet needs at least one field");
  }
  const fields: LayoutField[] = [];
  const names = new Set<string>();
  let offset = 0;
  spec.fields.forEach((f, i) => {
    const key = `fields[${i}]`;
    if (typeof f.name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.name)) {
      throw new SpecError(
        `${key}.name`,
        `expected a name of letters, digits and _, got ${JSON.stringify(f.name)}`,
      );
    }
    if (RESERVED.has(f.name)) {
      throw new SpecError(`${key}.name`, `"${f.name}" is added by the job itself`);
    }
    if (names.has(f.name)) throw new SpecError(`${key}.name`, `"${f.name}" is used by two fields`);
    names.add(f.name);
    if (!Object.hasOwn(FIELD_TYPES, f.type)) {
      throw new SpecError(
        `${key}.type`,
        `unknown field type ${JSON.stringify(f.type)}; known: ${
          Object.keys(FIELD_TYPES).join(", ")
        }`,
      );
    }
    const type = f.type as FieldType;
    const count = f.count ?? 1;
    if (!Number.isInteger(count) || count < 1) {
      throw new SpecError(`${key}.count`, `expected a whole number of at least 1, got ${count}`);
    }
    const size = FIELD_TYPES[type];
    fields.push({ name: f.name, type, count, offset, size });
    offset += size * count;
    if (offset > MAX_UDP_PAYLOAD) {
      throw new SpecError(
        `${key}.count`,
        `the layout reaches ${offset} bytes here, more than a UDP packet holds (${MAX_UDP_PAYLOAD})`,
      );
    }
  });
  const recordsPerPacket = spec.recordsPerPacket ?? 1;
  if (!Number.isInteger(recordsPerPacket) || recordsPerPacket < 1) {
    throw new SpecError(
      "records_per_packet",
      `expected a whole number of at least 1, got ${recordsPerPacket}`,
    );
  }
  const packetBytes = offset * recordsPerPacket;
  if (packetBytes > MAX_UDP_PAYLOAD) {
    throw new SpecError(
      "records_per_packet",
      `${recordsPerPacket} records of ${offset} bytes make ${packetBytes} bytes, more than a UDP packet holds (${MAX_UDP_PAYLOAD})`,
    );
  }
  let sequence: LayoutField | undefined;
  if (spec.sequence !== undefined) {
    sequence = fields.find((f) => f.name === spec.sequence);
    if (!sequence) {
      throw new SpecError("sequence", `no field is named ${JSON.stringify(spec.sequence)}`);
    }
    if (!/int/.test(sequence.type) || sequence.count !== 1) {
      throw new SpecError(
        "sequence",
        `field "${sequence.name}" must be a single integer (it is ${
          sequence.count > 1 ? `${sequence.count} x ` : ""
        }${sequence.type})`,
      );
    }
  }
  return {
    fields,
    byteOrder: spec.byteOrder,
    recordBytes: offset,
    recordsPerPacket,
    packetBytes,
    sequence,
  };
}

/** A column array for a field type. */
export type FieldArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

const ARRAYS = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

/** A new column array of `length` elements for `type`. */
export function fieldArray(type: FieldType, length: number): FieldArray {
  return new ARRAYS[type](length);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copies the records of packets into column arrays of a fixed capacity (in rows). One
 * column per field; an array field of `count` elements takes `count` values per row.
 *
 * @example
 * ```ts
 * import { compileLayout, PacketDecoder } from "./packet.ts";
 * import assert from "node:assert/strict";
 * const layout = compileLayout({ byteOrder: "big", fields: [{ name: "x", type: "uint16" }] });
 * const decoder = new PacketDecoder(layout, 1024);
 * assert.equal(decoder.decode(new Uint8Array([1, 2])), true);
 * assert.equal(decoder.decode(new Uint8Array([1, 2, 3])), false); // malformed: not counted as a row
 * assert.deepEqual([...decoder.columns()[0].values], [0x0102]);
 * ```
 */
export class PacketDecoder {
  readonly layout: PacketLayout;
  readonly capacity: number;
  #rows = 0;
  readonly #arrays: FieldArray[];
  readonly #bytes: Uint8Array[];
  readonly #swap: boolean;

  /** A decoder for `layout` holding up to `capacity` rows (at least one packet's records). */
  constructor(layout: PacketLayout, capacity: number) {
    if (capacity < layout.recordsPerPacket) {
      throw new RangeError(
        `capacity ${capacity} is below records_per_packet ${layout.recordsPerPacket}`,
      );
    }
    this.layout = layout;
    this.capacity = capacity;
    this.#arrays = layout.fields.map((f) => fieldArray(f.type, capacity * f.count));
    this.#bytes = this.#arrays.map((a) => new Uint8Array(a.buffer));
    this.#swap = (layout.byteOrder === "little") !== LITTLE_ENDIAN_HOST;
  }

  /** Rows decoded since the last {@link clear}. */
  get rows(): number {
    return this.#rows;
  }

  /** Whether one more packet fits. */
  hasRoom(): boolean {
    return this.#rows + this.layout.recordsPerPacket <= this.capacity;
  }

  /**
   * Decodes one packet into the next rows. Returns false, changing nothing, when its length
   * is not the layout's (malformed) ; throws RangeError when there is no room.
   */
  decode(packet: Uint8Array): boolean {
    const layout = this.layout;
    if (packet.length !== layout.packetBytes) return false;
    if (!this.hasRoom()) throw new RangeError("decoder full: take the columns first");
    const fields = layout.fields;
    for (let r = 0; r < layout.recordsPerPacket; r++) {
      const row = this.#rows + r;
      const base = r * layout.recordBytes;
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        const n = f.count * f.size;
        const dst = this.#bytes[i];
        const at = row * n;
        const src = base + f.offset;
        if (!this.#swap) {
          if (n >= 64) dst.set(packet.subarray(src, src + n), at);
          else for (let b = 0; b < n; b++) dst[at + b] = packet[src + b];
        } else {
          const size = f.size;
          for (let e = 0; e < n; e += size) {
            for (let b = 0; b < size; b++) dst[at + e + b] = packet[src + e + size - 1 - b];
          }
        }
      }
    }
    this.#rows += layout.recordsPerPacket;
    return true;
  }

  /**
   * Views on the decoded rows, one per field (`count` values per row), valid until the next
   * {@link clear}.
   */
  columns(): { field: LayoutField; values: FieldArray }[] {
    return this.layout.fields.map((field, i) => ({
      field,
      values: this.#arrays[i].subarray(0, this.#rows * field.count),
    }));
  }

  /** Starts again at row 0 (the arrays are reused). */
  clear(): void {
    this.#rows = 0;
  }
}

/**
 * A reader of the sequence field: `read(view, recordOffset)` gives the number in the record
 * that starts at byte `recordOffset` of `view` (exact below 2^53 for 64-bit fields).
 */
export function sequenceReader(
  layout: PacketLayout,
): (view: DataView, recordOffset: number) => number {
  const f = layout.sequence;
  if (!f) throw new RangeError("the layout has no sequence field");
  const o = f.offset;
  const le = layout.byteOrder === "little";
  switch (f.type) {
    case "int8":
      return (v, at) => v.getInt8(at + o);
    case "uint8":
      return (v, at) => v.getUint8(at + o);
    case "int16":
      return (v, at) => v.getInt16(at + o, le);
    case "uint16":
      return (v, at) => v.getUint16(at + o, le);
    case "int32":
      return (v, at) => v.getInt32(at + o, le);
    case "uint32":
      return (v, at) => v.getUint32(at + o, le);
    default: {
      const signed = f.type === "int64";
      return (v, at) => {
        const lo = v.getUint32(at + o + (le ? 0 : 4), le);
        const hi = v.getUint32(at + o + (le ? 4 : 0), le);
        return (signed && hi >= 0x80000000 ? hi - 0x100000000 : hi) * 0x100000000 + lo;
      };
    }
  }
}

/** Reads the sequence number of record `record` of a well-formed packet. */
export function readSequence(layout: PacketLayout, packet: Uint8Array, record: number): number {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return sequenceReader(layout)(view, record * layout.recordBytes);
}

/** Bits of the sequence field, for wrap-around (64-bit fields count as 53). */
export function sequenceBits(field: LayoutField): number {
  return Math.min(53, field.size * 8);
}
