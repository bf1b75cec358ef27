/**
 * Modbus TCP without I/O (Modbus Application Protocol v1.1b3, Modbus Messaging on TCP/IP
 * v1.0b): read requests for functions 1-4, responses and exception responses, a framer for
 * the byte stream, register values of 16 and 32 bits, and grouping of adjacent registers.
 *
 * An ADU is the 7-byte MBAP header (transaction id, protocol id 0, length of what follows,
 * unit id) and the PDU (function code, data). Exception responses set bit 7 of the function
 * code and carry one exception code.
 */
import { ModbusFrameError, SpecError } from "./errors.ts";

/** Register kinds and the function code that reads them. */
export const READ_FUNCTIONS = { coil: 1, discrete: 2, holding: 3, input: 4 } as const;

/** A kind of Modbus data: coils and discrete inputs are bits, the others 16-bit words. */
export type RegisterKind = keyof typeof READ_FUNCTIONS;

/** Value types read from registers (coils and discrete inputs are `bool`). */
export const REGISTER_TYPES = {
  uint16: 1,
  int16: 1,
  uint32: 2,
  int32: 2,
  float32: 2,
  bool: 1,
} as const;

/** A value type: its width in registers is {@link REGISTER_TYPES}. */
export type RegisterType = keyof typeof REGISTER_TYPES;

/** Exception codes by name (Modbus Application Protocol v1.1b3, section 7). */
export const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  1: "ILLEGAL FUNCTION",
  2: "ILLEGAL DATA ADDRESS",
  3: "ILLEGAL DATA VALUE",
  4: "SERVER DEVICE FAILURE",
  5: "ACKNOWLEDGE",
  6: "SERVER DEVICE BUSY",
  8: "MEMORY PARITY ERROR",
  10: "GATEWAY PATH UNAVAILABLE",
  11: "GATEWAY TARGET DEVICE FAILED TO RESPOND",
};

/** The name of an exception code, e.g. `ILLEGAL DATA ADDRESS`, or `EXCEPTION 0x13`. */
export function exceptionName(code: number): string {
  return EXCEPTION_NAMES[code] ?? `EXCEPTION 0x${code.toString(16).padStart(2, "0")}`;
}

/** Most registers one read may ask for (functions 3, 4) and most bits (functions 1, 2). */
export const MAX_READ = { words: 125, bits: 2000 } as const;

/** A register as configured. */
export interface RegisterSpec {
  name: string;
  kind: RegisterKind;
  /** Address on the wire, 0-65535 (the "0-based" address, not 40001-style numbering). */
  address: number;
  type: RegisterType;
  /** For 32-bit types: `big` (high word first, the usual) or `little`. */
  wordOrder: "big" | "little";
}

/** One read request covering several registers, and where each value sits in its reply. */
export interface ReadPlan {
  kind: RegisterKind;
  functionCode: number;
  address: number;
  /** Registers (or bits) asked for. */
  count: number;
  /** Index into the registers given to {@link planReads}, and offset of its value in the reply. */
  items: { register: number; offset: number }[];
}

/**
 * Groups registers into as few read requests as the protocol allows: registers of one kind
 * that are adjacent (or overlap) go in one request, up to {@link MAX_READ}. Throws
 * {@link SpecError} with key `registers[i].<key>` for a register that cannot be read.
 *
 * @example
 * ```ts
 * import { planReads } from "./modbus.ts";
 * import assert from "node:assert/strict";
 * const plans = planReads([
 *   { name: "t", kind: "holding", address: 100, type: "float32", wordOrder: "big" },
 *   { name: "p", kind: "holding", address: 102, type: "int16", wordOrder: "big" },
 *   { name: "on", kind: "coil", address: 7, type: "bool", wordOrder: "big" },
 * ]);
 * assert.deepEqual(plans.map((p) => [p.functionCode, p.address, p.count]), [[1, 7, 1], [3, 100, 3]]);
 * ```
 */
export function planReads(registers: RegisterSpec[]): ReadPlan[] {
  registers.forEach((r, i) => checkRegister(r, `registers[${i}]`));
  const order = registers.map((_, i) => i).sort((a, b) => {
    const ra = registers[a];
    const rb = registers[b];
    return READ_FUNCTIONS[ra.kind] - READ_FUNCTIONS[rb.kind] || ra.address - rb.address;
  });
  const plans: ReadPlan[] = [];
  let plan: ReadPlan | undefined;
  for (const i of order) {
    const r = registers[i];
    const width = REGISTER_TYPES[r.type];
    const limit = isBits(r.kind) ? MAX_READ.bits : MAX_READ.words;
    const end = r.address + width;
    if (
      plan && plan.kind === r.kind && r.address <= plan.address + plan.count &&
      Math.max(end, plan.address + plan.count) - plan.address <= limit
    ) {
      plan.count = Math.max(end, plan.address + plan.count) - plan.address;
    } else {
      plan = {
        kind: r.kind,
        functionCode: READ_FUNCTIONS[r.kind],
        address: r.address,
        count: width,
        items: [],
      };
      plans.push(plan);
    }
    plan.items.push({ register: i, offset: r.address - plan.address });
  }
  return plans;
}

function isBits(kind: RegisterKind): boolean {
  return kind === "coil" || kind === "discrete";
}

function checkRegister(r: RegisterSpec, key: string): void {
  if (!Object.hasOwn(READ_FUNCTIONS, r.kind)) {
    throw new SpecError(
      `${key}.kind`,
      `expected holding, input, coil or discrete, got ${JSON.stringify(r.kind)}`,
    );
  }
  if (!Object.hasOwn(REGISTER_TYPES, r.type)) {
    throw new SpecError(
      `${key}.type`,
      `expected ${Object.keys(REGISTER_TYPES).join(", ")}, got ${JSON.stringify(r.type)}`,
    );
  }
  if (isBits(r.kind) !== (r.type === "bool")) {
    throw new SpecError(
      `${key}.type`,
      isBits(r.kind)
        ? `a ${r.kind} is a bit: its type is bool`
        : `a ${r.kind} register holds numbers, not bool`,
    );
  }
  if (!Number.isInteger(r.address) || r.address < 0 || r.address + REGISTER_TYPES[r.type] > 65536) {
    throw new SpecError(
      `${key}.address`,
      `expected 0-65535 (a ${r.type} at ${r.address} runs past 65535)`,
    );
  }
  if (r.wordOrder !== "big" && r.wordOrder !== "little") {
    throw new SpecError(
      `${key}.word_order`,
      `expected "big" or "little", got ${JSON.stringify(r.wordOrder)}`,
    );
  }
}

/** Encodes a read request ADU (12 bytes). */
export function encodeReadRequest(
  transactionId: number,
  unitId: number,
  plan: Pick<ReadPlan, "functionCode" | "address" | "count">,
): Uint8Array {
  const adu = new Uint8Array(12);
  const view = new DataView(adu.buffer);
  view.setUint16(0, transactionId & 0xffff);
  view.setUint16(2, 0);
  view.setUint16(4, 6);
  view.setUint8(6, unitId);
  view.setUint8(7, plan.functionCode);
  view.setUint16(8, plan.address);
  view.setUint16(10, plan.count);
  return adu;
}

/** The longest ADU (MBAP 7 bytes + PDU of at most 253). */
export const MAX_ADU = 260;

/**
 * Splits a Modbus TCP byte stream into ADUs by the MBAP length field. Throws
 * {@link ModbusFrameError} when a header is impossible (protocol id not 0, length outside
 * 2-254): the stream cannot be trusted after that, so the caller reconnects.
 */
export class ModbusFramer {
  #buffer = new Uint8Array(2 * MAX_ADU);
  #length = 0;

  /** Adds received bytes. */
  push(chunk: Uint8Array): void {
    if (this.#length + chunk.length > this.#buffer.length) {
      const grown = new Uint8Array(this.#length + chunk.length + MAX_ADU);
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length += chunk.length;
  }

  /** The next whole ADU, or undefined until more bytes come. */
  next(): Uint8Array | undefined {
    if (this.#length < 7) return undefined;
    const b = this.#buffer;
    const protocol = (b[2] << 8) | b[3];
    const length = (b[4] << 8) | b[5];
    if (protocol !== 0) throw new ModbusFrameError(`MBAP protocol id ${protocol}, expected 0`);
    if (length < 2 || length > MAX_ADU - 6) {
      throw new ModbusFrameError(`MBAP length ${length}, expected 2-${MAX_ADU - 6}`);
    }
    const total = 6 + length;
    if (this.#length < total) return undefined;
    const adu = b.slice(0, total);
    b.copyWithin(0, total, this.#length);
    this.#length -= total;
    return adu;
  }

  /** Drops what is buffered (after a reconnect). */
  reset(): void {
    this.#length = 0;
  }
}

/** A decoded response to a read. */
export type ReadResponse =
  | { kind: "data"; transactionId: number; words: Uint16Array; bits: Uint8Array }
  | { kind: "exception"; transactionId: number; code: number; name: string };

/**
 * Decodes a response ADU to `plan` sent with `unitId`. The transaction id is returned for
 * the caller to match (a late reply to an earlier request has another). Throws
 * {@link ModbusFrameError} naming what does not match the request.
 */
export function decodeReadResponse(
  adu: Uint8Array,
  unitId: number,
  plan: Pick<ReadPlan, "functionCode" | "count">,
): ReadResponse {
  if (adu.length < 9) throw new ModbusFrameError(`response of ${adu.length} bytes is too short`);
  const transactionId = (adu[0] << 8) | adu[1];
  if (adu[6] !== unitId) {
    throw new ModbusFrameError(`response from unit ${adu[6]}, expected ${unitId}`);
  }
  const fn = adu[7];
  if (fn === (plan.functionCode | 0x80)) {
    if (adu.length !== 9) {
      throw new ModbusFrameError(`exception response of ${adu.length} bytes, expected 9`);
    }
    return { kind: "exception", transactionId, code: adu[8], name: exceptionName(adu[8]) };
  }
  if (fn !== plan.functionCode) {
    throw new ModbusFrameError(`response function ${fn}, expected ${plan.functionCode}`);
  }
  const bitsWanted = plan.functionCode <= 2;
  const byteCount = bitsWanted ? Math.ceil(plan.count / 8) : plan.count * 2;
  if (adu[8] !== byteCount || adu.length !== 9 + byteCount) {
    throw new ModbusFrameError(
      `response carries ${adu[8]} data bytes in ${
        adu.length - 9
      }, expected ${byteCount} for ${plan.count} ${bitsWanted ? "bits" : "registers"}`,
    );
  }
  const words = new Uint16Array(bitsWanted ? 0 : plan.count);
  const bits = new Uint8Array(bitsWanted ? plan.count : 0);
  for (let i = 0; i < words.length; i++) words[i] = (adu[9 + 2 * i] << 8) | adu[10 + 2 * i];
  for (let i = 0; i < bits.length; i++) bits[i] = (adu[9 + (i >> 3)] >> (i & 7)) & 1;
  return { kind: "data", transactionId, words, bits };
}

const scratch = new DataView(new ArrayBuffer(4));

/** The value of a register of `type` at `offset` in a response's words (or bits). */
export function registerValue(
  response: { words: Uint16Array; bits: Uint8Array },
  offset: number,
  type: RegisterType,
  wordOrder: "big" | "little",
): number {
  switch (type) {
    case "bool":
      return response.bits[offset];
    case "uint16":
      return response.words[offset];
    case "int16":
      return (response.words[offset] << 16) >> 16;
  }
  const first = response.words[offset];
  const second = response.words[offset + 1];
  const [hi, lo] = wordOrder === "big" ? [first, second] : [second, first];
  scratch.setUint16(0, hi);
  scratch.setUint16(2, lo);
  switch (type) {
    case "uint32":
      return scratch.getUint32(0);
    case "int32":
      return scratch.getInt32(0);
    case "float32":
      return scratch.getFloat32(0);
  }
}
