/**
 * Which supervisor a record came from. A record injected by a remote link carries a small
 * origin number in the upper 16 bits of its ring type; the supervisor's origin table, shared
 * by all its jobs, maps numbers to supervisor ids. Local records carry 0.
 *
 * ```ts
 * import { createOriginTable, originId, originNumber } from "./origins.ts";
 * const table = createOriginTable();
 * const n = originNumber(table, "lab-a");
 * console.log(n, originId(table, n)); // 1 "lab-a"
 * ```
 *
 * @module
 */

/** Origins a supervisor can tell apart (numbers 1..MAX_ORIGINS). */
export const MAX_ORIGINS = 255;
/** Bytes of an origin id, UTF-8, at most. */
const ID_BYTES = 124;
const SLOT_BYTES = 4 + ID_BYTES;

/** The shared table: slot 0 holds the count; slot n the length and bytes of origin n. */
export interface OriginTable {
  sab: SharedArrayBuffer;
}

/** More distinct origins than a table holds, or an id longer than it stores. */
export class OriginTableError extends Error {
  override name = "OriginTableError";
}

/** Creates an empty origin table (one per supervisor). */
export function createOriginTable(): OriginTable {
  return { sab: new SharedArrayBuffer(SLOT_BYTES * (MAX_ORIGINS + 1)) };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const numbers = new WeakMap<SharedArrayBuffer, Map<string, number>>();
const ids = new WeakMap<SharedArrayBuffer, string[]>();

/**
 * The number of origin `id` in `table`, registering it if it is new. Two jobs registering the
 * same new id at once may get two numbers for it; both map back to the id.
 */
export function originNumber(table: OriginTable, id: string): number {
  let known = numbers.get(table.sab);
  if (!known) numbers.set(table.sab, known = new Map());
  const cached = known.get(id);
  if (cached !== undefined) return cached;
  const i32 = new Int32Array(table.sab);
  const count = Math.min(Atomics.load(i32, 0), MAX_ORIGINS);
  for (let n = 1; n <= count; n++) {
    if (originId(table, n) === id) {
      known.set(id, n);
      return n;
    }
  }
  const bytes = encoder.encode(id);
  if (bytes.length === 0 || bytes.length > ID_BYTES) {
    throw new OriginTableError(`origin "${id}": 1 to ${ID_BYTES} bytes of UTF-8`);
  }
  const full = () =>
    new OriginTableError(`origin "${id}": a supervisor tells at most ${MAX_ORIGINS} apart`);
  if (count >= MAX_ORIGINS) throw full();
  const n = Atomics.add(i32, 0, 1) + 1;
  if (n > MAX_ORIGINS) {
    Atomics.sub(i32, 0, 1);
    throw full();
  }
  new Uint8Array(table.sab, n * SLOT_BYTES + 4, bytes.length).set(bytes);
  // The length last, so that a reader never sees a length before the bytes.
  Atomics.store(i32, (n * SLOT_BYTES) / 4, bytes.length);
  known.set(id, n);
  return n;
}

/** The id of origin `n` (undefined for 0, local, or a number not registered yet). */
export function originId(table: OriginTable, n: number): string | undefined {
  if (n <= 0 || n > MAX_ORIGINS) return undefined;
  let known = ids.get(table.sab);
  if (!known) ids.set(table.sab, known = []);
  if (known[n] !== undefined) return known[n];
  const length = Atomics.load(new Int32Array(table.sab), (n * SLOT_BYTES) / 4);
  if (length === 0) return undefined;
  // TextDecoder does not take views on shared memory: copy the bytes out first.
  const id = decoder.decode(new Uint8Array(table.sab, n * SLOT_BYTES + 4, length).slice());
  known[n] = id;
  return id;
}
