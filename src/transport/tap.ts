/**
 * A tap: a third party that looks at the records of a ring without taking them. It reads
 * between the consumer's tail and the producer's head, copies what it wants, and checks
 * afterwards that the consumer had not freed the record meanwhile (a seqlock-style check), so
 * the producer and the consumer never wait for it and never see it. What the tap could not
 * look at in time (freed before it got there, or passed over to keep up) is counted as its
 * own drops, apart from the ring's counters.
 */
import { CONTROL_BYTES, PAD, RECORD_HEADER_BYTES, type RingBuffer } from "./ring.ts";

// Int32 slots of the control block, as laid out by ring.ts.
const HEAD = 0;
const TAIL = 1;
const CAPACITY = 3;

/** One record seen by a tap: a copy, the tap's to keep. */
export interface TappedRecord {
  type: number;
  seq: number;
  /** Send time, ms since the epoch. */
  sentMs: number;
  payload: Uint8Array;
}

/** What a tap has seen and missed so far. */
export interface TapCounters {
  /** Records copied out. */
  seen: number;
  /** Records the tap never saw (freed before it got to them, or passed over), by sequence number. */
  drops: number;
}

/** Reads a ring's records without taking them; see the module doc. */
export class RingTap {
  readonly #i32: Int32Array;
  readonly #u32: Uint32Array;
  readonly #d64: Float64Array;
  readonly #u8: Uint8Array;
  readonly #capacity: number;
  readonly #mask: number;
  /** Position of the next record to look at (-1: start at the tail). */
  #cursor = -1;
  /** Sequence number of the last record seen (-1: none). */
  #lastSeq = -1;
  readonly counters: TapCounters = { seen: 0, drops: 0 };

  /** Opens a tap on `ring`; it starts with the records unread at that moment. */
  constructor(ring: RingBuffer) {
    this.#i32 = new Int32Array(ring.sab, 0, CONTROL_BYTES / 4);
    this.#capacity = this.#i32[CAPACITY];
    this.#mask = this.#capacity - 1;
    this.#u32 = new Uint32Array(ring.sab, CONTROL_BYTES, this.#capacity / 4);
    this.#d64 = new Float64Array(ring.sab, CONTROL_BYTES, this.#capacity / 8);
    this.#u8 = new Uint8Array(ring.sab, CONTROL_BYTES, this.#capacity);
  }

  /**
   * Copies out the records written since the last call, at most `maxBytes` of payload (at
   * least one record). When more is waiting than that, the oldest are passed over, so that a
   * slow viewer sees the newest data; every record it never sees counts in `counters.drops`.
   */
  take(maxBytes: number): TappedRecord[] {
    const head = Atomics.load(this.#i32, HEAD) >>> 0;
    let pos = this.#start(head);
    const spans: { pos: number; size: number; length: number }[] = [];
    let walked = 0;
    while (pos !== head) {
      const off = pos & this.#mask;
      const type = this.#u32[(off >> 2) + 1];
      const size = type === PAD
        ? this.#capacity - off
        : RECORD_HEADER_BYTES + ((this.#u32[off >> 2] + 7) & ~7);
      if (!this.#valid(pos) || size > this.#capacity || size <= 0) {
        pos = this.#restart();
        spans.length = 0;
        if (++walked > 1_000_000) break;
        continue;
      }
      if (type !== PAD) spans.push({ pos, size, length: this.#u32[off >> 2] });
      pos = (pos + size) >>> 0;
      if (++walked > 1_000_000) break;
    }
    this.#cursor = pos;
    let first = spans.length;
    let bytes = 0;
    while (first > 0 && (first === spans.length || bytes + spans[first - 1].length <= maxBytes)) {
      bytes += spans[--first].length;
    }
    const out: TappedRecord[] = [];
    for (let i = first; i < spans.length; i++) {
      const { pos, length } = spans[i];
      const off = pos & this.#mask;
      const seq = this.#d64[(off >> 3) + 1];
      // Seen before the walk restarted at the tail.
      if (seq <= this.#lastSeq) continue;
      const rec: TappedRecord = {
        type: this.#u32[(off >> 2) + 1],
        seq,
        sentMs: this.#d64[(off >> 3) + 2],
        payload: this.#u8.slice(off + RECORD_HEADER_BYTES, off + RECORD_HEADER_BYTES + length),
      };
      // Freed by the consumer while we copied: the producer may have written over it.
      if (!this.#valid(pos)) continue;
      this.#account(rec.seq);
      out.push(rec);
    }
    return out;
  }

  /** Where to start: the cursor if the record there is still unfreed, else the tail. */
  #start(head: number): number {
    if (this.#cursor !== -1 && this.#valid(this.#cursor)) {
      const ahead = (head - this.#cursor) >>> 0;
      if (ahead <= this.#capacity) return this.#cursor;
    }
    return this.#restart();
  }

  #restart(): number {
    return Atomics.load(this.#i32, TAIL) >>> 0;
  }

  /** Whether the record at `pos` has not been freed by the consumer (or the producer). */
  #valid(pos: number): boolean {
    const tail = Atomics.load(this.#i32, TAIL) >>> 0;
    return ((pos - tail) >>> 0) < this.#capacity;
  }

  #account(seq: number): void {
    if (this.#lastSeq !== -1 && seq > this.#lastSeq + 1) {
      this.counters.drops += seq - this.#lastSeq - 1;
    }
    if (seq > this.#lastSeq) this.#lastSeq = seq;
    this.counters.seen++;
  }
}
