// Bounds-checked reading of one flatbuffer (the metadata of an Arrow IPC message), as the
// flatbuffers library that apache-arrow uses reads it: offsets and vtable entries are signed,
// so anything negative or outside the buffer is refused here rather than read as zeros there.
import { ArrowPayloadError } from "./errors.ts";

/** A vector in the flatbuffer: the position of its first element and its length. */
export interface FlatVector {
  at: number;
  length: number;
}

/** Reads the flatbuffer that lies in `view` between `start` and `end`; throws on anything out of bounds. */
export class FlatbufferReader {
  constructor(
    readonly view: DataView,
    readonly start: number,
    readonly end: number,
  ) {}

  /** Throws an ArrowPayloadError saying `problem`. */
  fail(problem: string): never {
    throw new ArrowPayloadError(`Arrow payload: ${problem}`);
  }

  #need(at: number, bytes: number, what: string): void {
    if (at < this.start || bytes < 0 || at + bytes > this.end) {
      this.fail(`${what} lies outside the message metadata`);
    }
  }

  /** The root table. */
  root(what: string): number {
    return this.#tableAt(this.start, what);
  }

  #indirect(at: number, what: string): number {
    this.#need(at, 4, what);
    const rel = this.view.getInt32(at, true);
    if (rel <= 0) this.fail(`${what}: offset ${rel} does not point forward`);
    return at + rel;
  }

  #tableAt(at: number, what: string): number {
    const table = this.#indirect(at, what);
    this.#need(table, 4, what);
    const vtable = table - this.view.getInt32(table, true);
    this.#need(vtable, 4, `${what} (vtable)`);
    const vtableSize = this.view.getInt16(vtable, true);
    const tableSize = this.view.getInt16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0 || tableSize < 4) {
      this.fail(`${what}: vtable of ${vtableSize} bytes for a table of ${tableSize}`);
    }
    this.#need(vtable, vtableSize, `${what} (vtable)`);
    this.#need(table, tableSize, what);
    return table;
  }

  /** Position of field `index` (`bytes` wide) of `table`, or 0 when it is absent. */
  field(table: number, index: number, bytes: number, what: string): number {
    const vtable = table - this.view.getInt32(table, true);
    const slot = 4 + 2 * index;
    if (slot >= this.view.getInt16(vtable, true)) return 0;
    const rel = this.view.getInt16(vtable + slot, true);
    if (rel === 0) return 0;
    if (rel < 4 || rel + bytes > this.view.getInt16(vtable + 2, true)) {
      this.fail(`${what} lies outside its table`);
    }
    return table + rel;
  }

  /** The table that field `index` of `table` points to, or 0 when it is absent. */
  tableField(table: number, index: number, what: string): number {
    const at = this.field(table, index, 4, what);
    return at === 0 ? 0 : this.#tableAt(at, what);
  }

  /** Table `i` of a vector of tables. */
  tableOf(vector: FlatVector, i: number, what: string): number {
    return this.#tableAt(vector.at + 4 * i, what);
  }

  /** The vector of `elementBytes`-wide elements in field `index`, or undefined when absent. */
  vectorField(
    table: number,
    index: number,
    elementBytes: number,
    what: string,
  ): FlatVector | undefined {
    const at = this.field(table, index, 4, what);
    if (at === 0) return undefined;
    const vector = this.#indirect(at, what);
    this.#need(vector, 4, what);
    const length = this.view.getInt32(vector, true);
    if (length < 0) this.fail(`${what}: vector length ${length}`);
    this.#need(vector + 4, length * elementBytes, what);
    return { at: vector + 4, length };
  }

  /** Checks the string in field `index` (if present) lies within the buffer. */
  checkString(table: number, index: number, what: string): void {
    this.vectorField(table, index, 1, what);
  }

  /** Field `index` as an int8/uint8, or `otherwise` when absent. */
  uint8(table: number, index: number, otherwise: number, what: string): number {
    const at = this.field(table, index, 1, what);
    return at === 0 ? otherwise : this.view.getUint8(at);
  }

  /** Field `index` as an int16, or `otherwise` when absent. */
  int16(table: number, index: number, otherwise: number, what: string): number {
    const at = this.field(table, index, 2, what);
    return at === 0 ? otherwise : this.view.getInt16(at, true);
  }

  /** Field `index` as an int32, or `otherwise` when absent. */
  int32(table: number, index: number, otherwise: number, what: string): number {
    const at = this.field(table, index, 4, what);
    return at === 0 ? otherwise : this.view.getInt32(at, true);
  }

  /** Field `index` as a non-negative int64 below 2^53, or `otherwise` when absent. */
  count(table: number, index: number, otherwise: number, what: string): number {
    const at = this.field(table, index, 8, what);
    return at === 0 ? otherwise : this.countAt(at, what);
  }

  /** The int64 at `at` (already checked to be in bounds) if it is 0..2^53-1; throws otherwise. */
  countAt(at: number, what: string): number {
    const high = this.view.getInt32(at + 4, true);
    const value = this.view.getUint32(at, true) + high * 4294967296;
    if (high < 0 || high >= 0x200000) this.fail(`${what} = ${value} is outside 0..2^53-1`);
    return value;
  }
}
