/**
 * A framed byte ring over a SharedArrayBuffer, one producer and one consumer, for passing
 * messages between Workers.
 *
 * Layout of the buffer: a 128-byte control block, then `capacity` bytes of records. Positions
 * are byte counts modulo 2^32 (capacity is a power of two, so they wrap cleanly). Each record
 * is 8-byte aligned: a 24-byte header (u32 payload length, u32 type, f64 sequence number,
 * f64 send time in ms since the epoch) then the payload. A record that does not fit before
 * the end of the buffer is preceded by a padding record that fills it.
 *
 * A consumer may take several rings; producers ring its {@link Doorbell} after each write so
 * that an idle consumer sleeps in `Atomics.waitAsync` instead of spinning.
 */
import { type OverflowPolicy, ringMessageLimit } from "../config/types.ts";

/** Bytes of each record's header. */
export const RECORD_HEADER_BYTES = 24;
/** Bytes of the control block in front of the records. */
export const CONTROL_BYTES = 128;
/** Record type of padding records; never handed to readers. */
export const PAD = 0xffff;

// Int32 slots of the control block.
const HEAD = 0;
const TAIL = 1;
// While the producer waits for space: the bytes it needs (0 when it is not waiting).
const PRODUCER_WAITING = 2;
const CAPACITY = 3;
const POLICY = 4;
// Non-zero: a record larger than the ring can hold is dropped and counted, not an error.
const DROP_OVERSIZE = 5;
// Float64 slots (byte offset / 8), each written by one side only.
const F_NEXT_SEQ = 4; // producer: sequence number of the next record
const F_WRITTEN = 5; // producer: records written
const F_WRITTEN_BYTES = 6; // producer: payload bytes written
const F_DROPPED_NEWEST = 7; // producer: records refused because the ring was full
const F_DROPPED_OLDEST = 8; // producer: unread records overwritten
const F_READ = 9; // consumer: records read
const F_READ_BYTES = 10; // consumer: payload bytes read
const F_GAPS = 11; // consumer: records missing by sequence number
const F_LAST_SEQ = 12; // consumer: sequence number of the last record read (-1: none)
const F_BLOCKED_MS = 13; // producer: time spent waiting for space
const F_DUPLICATES = 14; // consumer: records seen again (sequence number not above the last)

const POLICY_CODES: Record<OverflowPolicy, number> = {
  "block": 0,
  "drop-newest": 1,
  "drop-oldest": 2,
};

/** A record payload larger than the ring can ever hold. */
export class RecordTooLargeError extends Error {
  override name = "RecordTooLargeError";
}

/** The shared memory of one ring, as passed to Workers. */
export interface RingBuffer {
  /** Control block and records. */
  sab: SharedArrayBuffer;
}

/** Counters of one ring, readable at any time from any thread. */
export interface RingCounters {
  written: number;
  writtenBytes: number;
  droppedNewest: number;
  droppedOldest: number;
  read: number;
  readBytes: number;
  gaps: number;
  duplicates: number;
  blockedMs: number;
  /** Bytes used by unread records. */
  usedBytes: number;
  capacity: number;
}

/** Options of {@link createRing}. */
export interface RingOptions {
  /**
   * Drop (and count as dropped-newest) a record larger than the ring can hold instead of
   * failing the producer: for lossy side rings such as live-view taps, never for data routes.
   */
  dropOversize?: boolean;
}

/** Creates a ring of at least `capacityBytes` (rounded up to a power of two) with `policy`. */
export function createRing(
  capacityBytes: number,
  policy: OverflowPolicy = "block",
  options: RingOptions = {},
): RingBuffer {
  const capacity = 2 ** Math.ceil(Math.log2(Math.max(capacityBytes, 1024)));
  if (capacity > 2 ** 30) throw new RangeError(`ring of ${capacityBytes} bytes: at most 1 GiB`);
  const sab = new SharedArrayBuffer(CONTROL_BYTES + capacity);
  const i32 = new Int32Array(sab, 0, CONTROL_BYTES / 4);
  i32[CAPACITY] = capacity;
  i32[POLICY] = POLICY_CODES[policy];
  i32[DROP_OVERSIZE] = options.dropOversize ? 1 : 0;
  new Float64Array(sab, 0, CONTROL_BYTES / 8)[F_LAST_SEQ] = -1;
  return { sab };
}

/**
 * Changes the overflow policy of a live ring, e.g. to `drop-newest` when its consumer has
 * been given up on, so that its producers do not wait forever. Takes effect at the next
 * full-ring write; a `drop-oldest` ring cannot change (its reader copies records out).
 */
export function setRingPolicy(
  ring: RingBuffer,
  policy: Exclude<OverflowPolicy, "drop-oldest">,
): void {
  const i32 = new Int32Array(ring.sab, 0, CONTROL_BYTES / 4);
  if (i32[POLICY] !== POLICY_CODES["drop-oldest"]) Atomics.store(i32, POLICY, POLICY_CODES[policy]);
  if (Atomics.load(i32, PRODUCER_WAITING) !== 0) Atomics.notify(i32, TAIL);
}

/** Reads the counters of a ring without disturbing it. */
export function ringCounters(ring: RingBuffer): RingCounters {
  const i32 = new Int32Array(ring.sab, 0, CONTROL_BYTES / 4);
  const f64 = new Float64Array(ring.sab, 0, CONTROL_BYTES / 8);
  return {
    written: f64[F_WRITTEN],
    writtenBytes: f64[F_WRITTEN_BYTES],
    droppedNewest: f64[F_DROPPED_NEWEST],
    droppedOldest: f64[F_DROPPED_OLDEST],
    read: f64[F_READ],
    readBytes: f64[F_READ_BYTES],
    gaps: f64[F_GAPS],
    duplicates: f64[F_DUPLICATES],
    blockedMs: f64[F_BLOCKED_MS],
    usedBytes: (Atomics.load(i32, HEAD) - Atomics.load(i32, TAIL)) >>> 0,
    capacity: i32[CAPACITY],
  };
}

/**
 * Wakes a consumer that sleeps on several rings. Slot 0 counts rings, slot 1 says the
 * consumer is asleep (so producers skip the notify while it is busy).
 */
export interface Doorbell {
  sab: SharedArrayBuffer;
}

/** Creates the doorbell of one consumer. */
export function createDoorbell(): Doorbell {
  return { sab: new SharedArrayBuffer(8) };
}

/**
 * Rings `bell` if its consumer sleeps. Only the first producer to see it asleep notifies (it
 * clears the flag), so a burst of writes costs one wake-up, not one system call each.
 */
export function ringDoorbell(bell: Int32Array): void {
  if (Atomics.load(bell, 1) !== 0 && Atomics.compareExchange(bell, 1, 1, 0) === 1) {
    Atomics.add(bell, 0, 1);
    Atomics.notify(bell, 0);
  }
}

/**
 * Sleeps until a producer rings `bell` or `timeoutMs` passes. `hasData` is checked after the
 * consumer has said it sleeps, so that no wake-up is missed.
 */
export async function waitDoorbell(
  bell: Int32Array,
  hasData: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const seen = Atomics.load(bell, 0);
  Atomics.store(bell, 1, 1);
  try {
    if (hasData()) return;
    await waitAsyncFor(bell, 0, seen, timeoutMs);
  } finally {
    Atomics.store(bell, 1, 0);
  }
}

/**
 * `Atomics.waitAsync` that keeps the event loop alive while it waits (a bare `waitAsync`
 * does not, so a program whose only pending work is the wait would end).
 */
async function waitAsyncFor(
  i32: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
): Promise<void> {
  const r = Atomics.waitAsync(i32, index, value, timeoutMs);
  if (!r.async) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([r.value, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

/** Outcome of a write: written, or dropped by the ring's policy (counted). */
export type WriteResult = "written" | "dropped";

/** Records a reader takes before it frees their space together (see RingReader.read). */
const RELEASE_RECORDS = 64;

// Settled outcomes, so that a write that did not wait allocates no promise.
const WRITTEN: Promise<WriteResult> = Promise.resolve("written");
const DROPPED: Promise<WriteResult> = Promise.resolve("dropped");

/** The producer side of a ring. Not thread-safe: one writer per ring. */
export class RingWriter {
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #u32: Uint32Array;
  readonly #d64: Float64Array;
  readonly #u8: Uint8Array;
  readonly #bell: Int32Array | undefined;
  readonly #capacity: number;
  readonly #mask: number;

  /** Opens the producer side of `ring`; `bell` is the consumer's doorbell, if it has one. */
  constructor(ring: RingBuffer, bell?: Doorbell) {
    this.#i32 = new Int32Array(ring.sab, 0, CONTROL_BYTES / 4);
    this.#f64 = new Float64Array(ring.sab, 0, CONTROL_BYTES / 8);
    this.#capacity = this.#i32[CAPACITY];
    this.#mask = this.#capacity - 1;
    this.#u32 = new Uint32Array(ring.sab, CONTROL_BYTES, this.#capacity / 4);
    this.#d64 = new Float64Array(ring.sab, CONTROL_BYTES, this.#capacity / 8);
    this.#u8 = new Uint8Array(ring.sab, CONTROL_BYTES, this.#capacity);
    this.#bell = bell ? new Int32Array(bell.sab) : undefined;
  }

  /** The largest payload this ring takes. */
  get maxPayload(): number {
    return ringMessageLimit(this.#capacity);
  }

  /**
   * Writes one record: `fill` gets a view of `length` bytes inside the ring to write the
   * payload into. With the `block` policy it waits for space (until `signal` aborts, when it
   * gives up and counts the record as dropped); otherwise it applies the ring's drop policy.
   */
  write(
    type: number,
    length: number,
    fill: (dst: Uint8Array) => void,
    sentMs: number = performance.timeOrigin + performance.now(),
    signal?: AbortSignal,
  ): Promise<WriteResult> {
    let r: WriteResult | "full";
    try {
      r = this.tryWrite(type, length, fill, sentMs);
    } catch (e) {
      return Promise.reject(e);
    }
    if (r === "written") return WRITTEN;
    if (r === "dropped") return DROPPED;
    return this.#writeWhenFree(type, length, fill, sentMs, signal);
  }

  async #writeWhenFree(
    type: number,
    length: number,
    fill: (dst: Uint8Array) => void,
    sentMs: number,
    signal?: AbortSignal,
  ): Promise<WriteResult> {
    const start = performance.now();
    try {
      const size = RECORD_HEADER_BYTES + ((length + 7) & ~7);
      const toEnd = this.#capacity - (Atomics.load(this.#i32, HEAD) & this.#mask);
      const needed = size + (toEnd < size ? toEnd : 0);
      while (!signal?.aborted) {
        const tail = Atomics.load(this.#i32, TAIL);
        Atomics.store(this.#i32, PRODUCER_WAITING, needed);
        const again = this.tryWrite(type, length, fill, sentMs);
        if (again !== "full") return again;
        await waitAsyncFor(this.#i32, TAIL, tail, 50);
      }
    } finally {
      Atomics.store(this.#i32, PRODUCER_WAITING, 0);
      this.#f64[F_BLOCKED_MS] += performance.now() - start;
    }
    this.#f64[F_DROPPED_NEWEST]++;
    this.#f64[F_NEXT_SEQ]++;
    return "dropped";
  }

  /** Writes `payload` as one record; see {@link RingWriter.write}. */
  writeBytes(
    type: number,
    payload: Uint8Array,
    sentMs?: number,
    signal?: AbortSignal,
  ): Promise<WriteResult> {
    return this.write(type, payload.length, (dst) => dst.set(payload), sentMs, signal);
  }

  /**
   * Writes one record if there is room now. Returns `"full"` when a `block` ring has no room
   * (nothing written, nothing counted).
   */
  tryWrite(
    type: number,
    length: number,
    fill: (dst: Uint8Array) => void,
    sentMs: number = performance.timeOrigin + performance.now(),
  ): WriteResult | "full" {
    const size = RECORD_HEADER_BYTES + ((length + 7) & ~7);
    if (size > this.#capacity / 2) {
      if (this.#i32[DROP_OVERSIZE] !== 0) {
        this.#f64[F_DROPPED_NEWEST]++;
        this.#f64[F_NEXT_SEQ]++;
        return "dropped";
      }
      throw new RecordTooLargeError(
        `record of ${length} bytes does not fit a ring of ${this.#capacity} bytes (at most ${this.maxPayload}); raise ring_size`,
      );
    }
    const head = Atomics.load(this.#i32, HEAD) >>> 0;
    const off = head & this.#mask;
    const toEnd = this.#capacity - off;
    const pad = toEnd < size ? toEnd : 0;
    for (;;) {
      const tail = Atomics.load(this.#i32, TAIL) >>> 0;
      const free = this.#capacity - ((head - tail) >>> 0);
      if (pad + size <= free) break;
      const policy = Atomics.load(this.#i32, POLICY);
      if (policy === 0) return "full";
      if (policy === 1) {
        this.#f64[F_DROPPED_NEWEST]++;
        this.#f64[F_NEXT_SEQ]++;
        return "dropped";
      }
      this.#dropOldest(tail);
    }
    let at = off;
    if (pad) {
      this.#u32[(off >> 2) + 1] = PAD;
      at = 0;
    }
    const seq = this.#f64[F_NEXT_SEQ];
    this.#u32[at >> 2] = length;
    this.#u32[(at >> 2) + 1] = type;
    this.#d64[(at >> 3) + 1] = seq;
    this.#d64[(at >> 3) + 2] = sentMs;
    fill(this.#u8.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length));
    this.#f64[F_NEXT_SEQ] = seq + 1;
    this.#f64[F_WRITTEN]++;
    this.#f64[F_WRITTEN_BYTES] += length;
    Atomics.store(this.#i32, HEAD, (head + pad + size) | 0);
    if (this.#bell) ringDoorbell(this.#bell);
    return "written";
  }

  /** Frees the oldest unread record; the consumer may race us for it, hence the CAS. */
  #dropOldest(tail: number): void {
    const off = tail & this.#mask;
    const type = this.#u32[(off >> 2) + 1];
    const size = type === PAD
      ? this.#capacity - off
      : RECORD_HEADER_BYTES + ((this.#u32[off >> 2] + 7) & ~7);
    if (
      Atomics.compareExchange(this.#i32, TAIL, tail | 0, (tail + size) | 0) === (tail | 0) &&
      type !== PAD
    ) {
      this.#f64[F_DROPPED_OLDEST]++;
    }
  }
}

/** One record as read from a ring. */
export interface RingRecord {
  type: number;
  seq: number;
  /** Send time, ms since the epoch (high resolution). */
  sentMs: number;
  /**
   * The payload: a view into the ring, valid until {@link RingReader.release} (a copy on
   * `drop-oldest` rings, where the producer may reclaim the space at any time).
   */
  payload: Uint8Array;
}

/**
 * The records of `ring` that no reader was done with, oldest first, without taking them: what
 * a stop that could not wait for the consumer leaves behind. Only for a ring whose producer and
 * consumer have both ended (the payloads are views on the ring).
 */
export function* unreadRecords(ring: RingBuffer): Generator<RingRecord> {
  const i32 = new Int32Array(ring.sab, 0, CONTROL_BYTES / 4);
  const f64 = new Float64Array(ring.sab, 0, CONTROL_BYTES / 8);
  const capacity = i32[CAPACITY];
  const mask = capacity - 1;
  const u32 = new Uint32Array(ring.sab, CONTROL_BYTES, capacity / 4);
  const d64 = new Float64Array(ring.sab, CONTROL_BYTES, capacity / 8);
  const u8 = new Uint8Array(ring.sab, CONTROL_BYTES, capacity);
  const lastDone = f64[F_LAST_SEQ];
  const head = Atomics.load(i32, HEAD) >>> 0;
  for (let tail = Atomics.load(i32, TAIL) >>> 0; tail !== head;) {
    const off = tail & mask;
    const type = u32[(off >> 2) + 1];
    if (type === PAD) {
      tail = (tail + capacity - off) >>> 0;
      continue;
    }
    const length = u32[off >> 2];
    const seq = d64[(off >> 3) + 1];
    const sentMs = d64[(off >> 3) + 2];
    const start = off + RECORD_HEADER_BYTES;
    if (seq > lastDone) yield { type, seq, sentMs, payload: u8.subarray(start, start + length) };
    tail = (tail + RECORD_HEADER_BYTES + ((length + 7) & ~7)) >>> 0;
  }
}

/** The consumer side of a ring. Not thread-safe: one reader per ring. */
export class RingReader {
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #u32: Uint32Array;
  readonly #d64: Float64Array;
  readonly #u8: Uint8Array;
  readonly #capacity: number;
  readonly #mask: number;
  readonly #copy: boolean;
  /** Position after the last record read and not yet released (-1: none). */
  #pendingTail = -1;
  #pendingRecords = 0;
  #pendingBytes = 0;
  /** The record last taken and not yet counted as done with (-1: none). */
  #currentSeq = -1;
  #currentLength = 0;
  /** Records up to this sequence number were done with by an earlier reader of the ring. */
  readonly #doneBefore: number;
  #resuming: boolean;
  /** A dropping ring (drop-newest, drop-oldest): space is freed at once, every record. */
  readonly #dropping: boolean;

  /** Opens the consumer side of `ring`. */
  constructor(ring: RingBuffer) {
    this.#i32 = new Int32Array(ring.sab, 0, CONTROL_BYTES / 4);
    this.#f64 = new Float64Array(ring.sab, 0, CONTROL_BYTES / 8);
    this.#capacity = this.#i32[CAPACITY];
    this.#mask = this.#capacity - 1;
    this.#copy = this.#i32[POLICY] === POLICY_CODES["drop-oldest"];
    this.#dropping = this.#i32[POLICY] !== POLICY_CODES["block"];
    this.#u32 = new Uint32Array(ring.sab, CONTROL_BYTES, this.#capacity / 4);
    this.#d64 = new Float64Array(ring.sab, CONTROL_BYTES, this.#capacity / 8);
    this.#u8 = new Uint8Array(ring.sab, CONTROL_BYTES, this.#capacity);
    this.#doneBefore = this.#f64[F_LAST_SEQ];
    this.#resuming = this.#doneBefore >= 0;
  }

  /** Whether an unread record is waiting. */
  hasData(): boolean {
    const at = this.#pendingTail === -1 ? Atomics.load(this.#i32, TAIL) : this.#pendingTail;
    return Atomics.load(this.#i32, HEAD) !== at;
  }

  /**
   * Takes the next record, or `undefined` when the ring is empty. Taking a record means the
   * one taken before it is done with: it is counted then, and its space freed with others
   * (every 64 records or an eighth of the ring, at once on dropping rings, or at
   * {@link RingReader.release}), so that the producer is woken once for many records.
   *
   * A reader opened on a ring that an earlier reader left (a restarted job) skips the records
   * that reader was done with, so only the one it was handling comes again.
   */
  read(): RingRecord | undefined {
    this.done();
    if (
      this.#pendingRecords >= RELEASE_RECORDS || this.#pendingBytes >= this.#capacity >> 3 ||
      (this.#pendingTail !== -1 && this.#dropping)
    ) this.release();
    for (;;) {
      const tail =
        (this.#pendingTail === -1 ? Atomics.load(this.#i32, TAIL) : this.#pendingTail) >>>
        0;
      const head = Atomics.load(this.#i32, HEAD) >>> 0;
      if (head === tail) return undefined;
      const off = tail & this.#mask;
      const type = this.#u32[(off >> 2) + 1];
      if (type === PAD) {
        const next = (tail + this.#capacity - off) | 0;
        if (this.#copy) Atomics.compareExchange(this.#i32, TAIL, tail | 0, next);
        else this.#pendingTail = next;
        continue;
      }
      const length = this.#u32[off >> 2];
      const seq = this.#d64[(off >> 3) + 1];
      const sentMs = this.#d64[(off >> 3) + 2];
      const start = off + RECORD_HEADER_BYTES;
      const size = RECORD_HEADER_BYTES + ((length + 7) & ~7);
      if (this.#resuming) {
        if (seq <= this.#doneBefore) {
          // Done with by the reader before this one: skip it, uncounted (it was counted).
          if (this.#copy) Atomics.compareExchange(this.#i32, TAIL, tail | 0, (tail + size) | 0);
          else this.#pendingTail = (tail + size) | 0;
          continue;
        }
        this.#resuming = false;
      }
      let payload = this.#u8.subarray(start, start + length);
      if (this.#copy) {
        payload = payload.slice();
        // The producer may have reclaimed the record while we copied: then skip it.
        if (Atomics.compareExchange(this.#i32, TAIL, tail | 0, (tail + size) | 0) !== (tail | 0)) {
          continue;
        }
      } else {
        this.#pendingTail = (tail + size) | 0;
        this.#pendingRecords++;
        this.#pendingBytes += size;
      }
      this.#currentSeq = seq;
      this.#currentLength = length;
      return { type, seq, sentMs, payload };
    }
  }

  /** Counts the record last taken as done with (also implied by the next `read`). */
  done(): void {
    if (this.#currentSeq === -1) return;
    this.#account(this.#currentSeq, this.#currentLength);
    this.#currentSeq = -1;
  }

  /** Frees the space of every record taken so far: call it only when done with all of them. */
  release(): void {
    this.done();
    if (this.#pendingTail === -1) return;
    const tail = this.#pendingTail;
    Atomics.store(this.#i32, TAIL, tail);
    this.#pendingTail = -1;
    this.#pendingRecords = 0;
    this.#pendingBytes = 0;
    // A waiting producer is woken once a quarter of the ring (or what it needs) is free, not
    // at every release: each wake-up costs both threads far more than a record.
    const needed = Atomics.load(this.#i32, PRODUCER_WAITING);
    if (needed === 0) return;
    const free = this.#capacity - ((Atomics.load(this.#i32, HEAD) - tail) >>> 0);
    if (
      free >= Math.max(needed, this.#capacity >> 2) &&
      Atomics.compareExchange(this.#i32, PRODUCER_WAITING, needed, 0) === needed
    ) {
      Atomics.notify(this.#i32, TAIL);
    }
  }

  #account(seq: number, length: number): void {
    const last = this.#f64[F_LAST_SEQ];
    if (seq > last + 1) this.#f64[F_GAPS] += seq - last - 1;
    if (seq <= last) this.#f64[F_DUPLICATES]++;
    else this.#f64[F_LAST_SEQ] = seq;
    this.#f64[F_READ]++;
    this.#f64[F_READ_BYTES] += length;
  }
}
