/** Counting gaps, reordered packets and duplicates from a sequence number that may wrap. */

/** What {@link SequenceTracker} has counted. */
export interface SequenceCounts {
  /** Numbers skipped and not (yet) arrived. */
  gaps: number;
  /** Packets that arrived after a later-numbered one (each fills a gap). */
  reordered: number;
  /** Packets whose number was already received. */
  duplicates: number;
  /** Jumps back by more than the window: taken as the sender starting again. */
  resets: number;
}

/**
 * Follows sequence numbers of `bits` bits (they wrap at 2^bits). Numbers within `window`
 * behind the highest one seen are remembered, so a late packet is told apart from a
 * duplicate; a jump back beyond the window is counted as a reset of the sender's count.
 *
 * @example
 * ```ts
 * import { SequenceTracker } from "./sequence.ts";
 * import assert from "node:assert/strict";
 * const seq = new SequenceTracker(32);
 * for (const n of [0, 1, 3, 2, 2, 6]) seq.see(n);
 * assert.deepEqual(seq.counts(), { gaps: 2, reordered: 1, duplicates: 1, resets: 0 });
 * ```
 */
export class SequenceTracker {
  readonly #modulus: number;
  readonly #window: number;
  /** One bit per number in the window: received. */
  readonly #seen: Uint32Array;
  #top = -1;
  /** Numbers from the first one seen to the highest (capped at the window). */
  #span = 0;
  #counts: SequenceCounts = { gaps: 0, reordered: 0, duplicates: 0, resets: 0 };

  /** `bits`: width of the sequence field (at most 53); `window`: numbers remembered. */
  constructor(readonly bits: number, window = 65536) {
    if (!(bits >= 2 && bits <= 53)) throw new RangeError("sequence bits must be 2-53");
    this.#modulus = 2 ** bits;
    this.#window = 2 ** Math.floor(Math.log2(Math.min(window, this.#modulus / 2)));
    this.#seen = new Uint32Array(Math.ceil(this.#window / 32));
  }

  /** The counts so far. */
  counts(): SequenceCounts {
    return { ...this.#counts };
  }

  /** Takes the next received number (any integer; reduced modulo 2^bits). */
  see(value: number): void {
    const n = ((value % this.#modulus) + this.#modulus) % this.#modulus;
    if (this.#top < 0) {
      this.#top = n;
      this.#span = 1;
      this.#mark(n);
      return;
    }
    let ahead = (n - this.#top + this.#modulus) % this.#modulus;
    if (ahead > this.#modulus / 2) ahead -= this.#modulus;
    if (ahead > 0) {
      this.#counts.gaps += ahead - 1;
      if (ahead >= this.#window) this.#seen.fill(0);
      else for (let k = 1; k < ahead; k++) this.#unmark((this.#top + k) % this.#modulus);
      this.#top = n;
      this.#span = Math.min(this.#window, this.#span + ahead);
      this.#mark(n);
    } else if (-ahead < this.#window) {
      if (-ahead >= this.#span) {
        // Before the first number seen: late; those between it and the first are now gaps.
        this.#counts.reordered++;
        this.#counts.gaps += -ahead - this.#span;
        this.#span = -ahead + 1;
        this.#mark(n);
      } else if (this.#marked(n)) {
        this.#counts.duplicates++;
      } else {
        this.#counts.reordered++;
        this.#counts.gaps--;
        this.#mark(n);
      }
    } else {
      this.#counts.resets++;
      this.#seen.fill(0);
      this.#top = n;
      this.#span = 1;
      this.#mark(n);
    }
  }

  #bit(n: number): number {
    return n % this.#window;
  }

  #mark(n: number): void {
    const b = this.#bit(n);
    this.#seen[b >>> 5] |= 1 << (b & 31);
  }

  #unmark(n: number): void {
    const b = this.#bit(n);
    this.#seen[b >>> 5] &= ~(1 << (b & 31));
  }

  #marked(n: number): boolean {
    const b = this.#bit(n);
    return (this.#seen[b >>> 5] & (1 << (b & 31))) !== 0;
  }
}
