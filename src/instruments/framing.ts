/** Splitting a byte stream into terminated messages (SCPI replies, a program's lines). */

/** What {@link LineFramer.next} gives: a message, a too-long one thrown away, or nothing yet. */
export type Framed =
  | { kind: "line"; bytes: Uint8Array }
  | { kind: "overflow"; bytes: number }
  | undefined;

/**
 * Collects bytes until a terminator, with a size limit. A message longer than `maxBytes` is
 * thrown away whole (up to its terminator) and reported once as an overflow, so what follows
 * it is read in step again. Memory stays within `maxBytes` plus the largest pushed chunk.
 *
 * @example
 * ```ts
 * import { LineFramer } from "./framing.ts";
 * import assert from "node:assert/strict";
 * const framer = new LineFramer({ terminator: "\n", maxBytes: 16 });
 * framer.push(new TextEncoder().encode("+1.5E-3\n+2"));
 * const first = framer.next();
 * assert.equal(first?.kind === "line" && new TextDecoder().decode(first.bytes), "+1.5E-3");
 * assert.equal(framer.next(), undefined); // "+2" waits for its terminator
 * ```
 */
export class LineFramer {
  readonly #terminator: Uint8Array;
  readonly #maxBytes: number;
  #buffer = new Uint8Array(256);
  #start = 0;
  #end = 0;
  /** Offset from which the terminator has not been searched for yet. */
  #searched = 0;
  /** Bytes of the current message thrown away so far (it is too long). */
  #discarded = 0;

  /** `terminator`: bytes (or UTF-8 text) that end a message; `maxBytes`: longest message. */
  constructor(options: { terminator: string | Uint8Array; maxBytes: number }) {
    const t = options.terminator;
    this.#terminator = typeof t === "string" ? new TextEncoder().encode(t) : t.slice();
    if (this.#terminator.length === 0) throw new RangeError("empty terminator");
    if (!(options.maxBytes >= 1)) throw new RangeError("maxBytes must be at least 1");
    this.#maxBytes = options.maxBytes;
  }

  /** Bytes buffered that are not part of a complete message yet. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /** Drops everything buffered (after a reconnect). */
  reset(): void {
    this.#start =
      this.#end =
      this.#searched =
      this.#discarded =
        0;
  }

  /** Adds received bytes; take the messages out with {@link next}. */
  push(chunk: Uint8Array): void {
    if (this.#end + chunk.length > this.#buffer.length) {
      const live = this.#end - this.#start;
      const size = Math.max(live + chunk.length, 2 * live, 256);
      const target = size > this.#buffer.length ? new Uint8Array(size) : this.#buffer;
      target.set(this.#buffer.subarray(this.#start, this.#end), 0);
      this.#searched -= this.#start;
      this.#start = 0;
      this.#end = live;
      this.#buffer = target;
    }
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** The next complete message (without its terminator), an overflow report, or undefined. */
  next(): Framed {
    const at = this.#find();
    if (at < 0) {
      // No terminator yet: past the limit, drop all but a possible partial terminator.
      const keep = this.#terminator.length - 1;
      const excess = this.#end - this.#start - keep;
      if (this.#discarded > 0 || this.#end - this.#start > this.#maxBytes + keep) {
        if (excess > 0) {
          this.#discarded += excess;
          this.#start += excess;
          if (this.#searched < this.#start) this.#searched = this.#start;
        }
      }
      return undefined;
    }
    const length = at - this.#start;
    const bytes = this.#buffer.slice(this.#start, at);
    this.#start = at + this.#terminator.length;
    this.#searched = this.#start;
    if (this.#start === this.#end) this.#start = this.#end = this.#searched = 0;
    if (this.#discarded > 0 || length > this.#maxBytes) {
      const dropped = this.#discarded + length;
      this.#discarded = 0;
      return { kind: "overflow", bytes: dropped };
    }
    return { kind: "line", bytes };
  }

  #find(): number {
    const t = this.#terminator;
    const b = this.#buffer;
    const last = this.#end - t.length;
    for (let i = Math.max(this.#searched, this.#start); i <= last; i++) {
      if (b[i] !== t[0]) continue;
      let j = 1;
      while (j < t.length && b[i + j] === t[j]) j++;
      if (j === t.length) return i;
    }
    this.#searched = Math.max(this.#start, last + 1);
    return -1;
  }
}
