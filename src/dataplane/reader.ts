/**
 * Readers of a ring file. A {@link RingFileReader} follows the ring from its own cursor and
 * never moves read_tail; a {@link RingFileConsumer} (the flusher) starts at read_tail and moves
 * it forward with `commit()`.
 *
 * Records are copied out of the ring in spans (many records per copy), then the span is checked
 * against `reserve_head`: if the writer may have started overwriting it, the copy is dropped and
 * the reader resynchronises at `oldest`, counting the records it missed from the sequence gap.
 * With `zeroCopy`, records are views into the ring: for a consumer of a `block` ring these are
 * safe until it commits past them; otherwise check `intact(record)` after using one.
 */
import type * as arrow from "apache-arrow";
import * as ipc from "../arrow/ipc.ts";
import { validateArrowBatch, validateArrowSchema } from "../arrow/validate.ts";
import * as libc from "./_libc.ts";
import * as L from "./_layout.ts";
import {
  checkSize,
  claimExisting,
  closeMapping,
  openMapping,
  type RingMapping,
} from "./_mapping.ts";
import { RingFileError } from "./errors.ts";
import type { OverrunPolicy } from "./writer.ts";

const TWO_32 = 4294967296;
const ARENA_BYTES = 1 << 20;

/** One record read from the ring. */
export class RingFileRecord {
  /** Sequence number: 0 for the first record the writer wrote, then +1 per record. */
  readonly seq: number;
  /** Record type: 1 Arrow record batch, 2 raw bytes, others user-defined. */
  readonly type: number;
  /** The payload: an IPC RecordBatch message (type 1) or raw bytes. */
  readonly payload: Uint8Array;
  /** Absolute position of the record in the stream (bytes written before it). */
  readonly position: number;
  /** Absolute position just after the record. */
  readonly end: number;
  /** Records lost (overwritten before this reader got them) right before this one. */
  readonly lostBefore: number;
  /** @internal Records lost by this reader up to and including this record's gap. */
  readonly lostTotal: number;
  #tsLow: number;
  #tsHigh: number;
  #decode: (r: RingFileRecord) => arrow.RecordBatch;
  #batch: arrow.RecordBatch | undefined;

  /** @internal Built by readers. */
  constructor(
    seq: number,
    type: number,
    tsLow: number,
    tsHigh: number,
    payload: Uint8Array,
    position: number,
    end: number,
    lostBefore: number,
    lostTotal: number,
    decode: (r: RingFileRecord) => arrow.RecordBatch,
  ) {
    this.seq = seq;
    this.type = type;
    this.payload = payload;
    this.position = position;
    this.end = end;
    this.lostBefore = lostBefore;
    this.lostTotal = lostTotal;
    this.#tsLow = tsLow;
    this.#tsHigh = tsHigh;
    this.#decode = decode;
  }

  /** Writer's timestamp of the record, ns since the Unix epoch. */
  get timestampNs(): bigint {
    return BigInt.asIntN(64, (BigInt(this.#tsHigh) << 32n) | BigInt(this.#tsLow));
  }

  /** The Arrow record batch of a type-1 record (columns are views on `payload`). */
  get batch(): arrow.RecordBatch {
    this.#batch ??= this.#decode(this);
    return this.#batch;
  }
}

/** Where a reader starts. */
export type StartAt = "oldest" | "latest" | "read_tail";

/** Options of {@link openRingFile}. */
export interface OpenRingOptions {
  /** `latest` (default): only records written from now on; `oldest`: everything still in the
   * ring; `read_tail`: from the consumer's committed position. */
  startAt?: StartAt;
  /** Most bytes copied out of the ring in one span (default 256 KiB). */
  spanBytes?: number;
  /**
   * Hand out records whose payloads are views into the ring instead of copies. The writer may
   * overwrite a view at any time after it is handed out: check
   * {@link RingFileReader.intact} after using one (seqlock style) and discard what you computed
   * from it if that says false.
   */
  zeroCopy?: boolean;
}

/** Options of {@link openRingConsumer}. */
export interface OpenConsumerOptions {
  /**
   * Hand out views into the ring instead of copies. With a `block` ring a view stays valid
   * until `commit()` moves read_tail past its record; with an `overwrite` ring, check
   * {@link RingFileReader.intact} after use, as for followers.
   */
  zeroCopy?: boolean;
  /** Most bytes read in one span (default 256 KiB). */
  spanBytes?: number;
}

/**
 * How {@link RingFileReader.waitForData} waits once caught up. The default (`adaptive`, no spin)
 * polls with 1 ms timers while the writer is busy, so that the writer never pays for the
 * reader, and sleeps on the header's futex word after 20 ms without data, so that an idle ring
 * costs no wake-ups; the writer then wakes it with one syscall on its next commit.
 */
export interface WaitOptions {
  /** Busy-wait this long first (default 0). Costs a core; lowers latency to microseconds. */
  spinMs?: number;
  /** While busy-waiting, look at write_head this often (default 0.005 ms). */
  checkEveryMs?: number;
  /** `adaptive` (default), `poll` (timers only) or `futex` (sleep on the futex at once: lowest
   * latency, but each wake costs the writer a syscall). */
  sleep?: "adaptive" | "poll" | "futex";
  /** Timer period while polling (default 1 ms). */
  pollMs?: number;
  /** With `adaptive`: poll this long before sleeping on the futex (default 20 ms). */
  idleMs?: number;
}

/** A snapshot of a ring file's header. */
export interface RingStatus {
  capacityBytes: number;
  writeHead: number;
  readTail: number;
  readTailSeq: number;
  reserveHead: number;
  oldest: number;
  recordsWritten: number;
  lostRecords: number;
  streamId: bigint;
  createdNs: bigint;
  policy: OverrunPolicy;
  writerPid: number;
  writerClosed: boolean;
  /** Bytes written but not yet committed by the consumer (can exceed capacity when lapped). */
  uncommittedBytes: number;
}

/** Reads a ring file's header (after checking that the file still holds it). */
function status(m: RingMapping): RingStatus {
  checkSize(m, "reader");
  const h = new DataView(m.file.buffer, 0, L.HEADER_BYTES);
  const load = (i: number) => Number(Atomics.load(m.h64, i));
  const writeHead = load(L.I64_WRITE_HEAD);
  const readTail = load(L.I64_READ_TAIL);
  return {
    capacityBytes: m.capacity,
    writeHead,
    readTail,
    readTailSeq: load(L.I64_READ_TAIL_SEQ),
    reserveHead: load(L.I64_RESERVE_HEAD),
    oldest: load(L.I64_OLDEST),
    recordsWritten: load(L.I64_RECORDS_WRITTEN),
    lostRecords: load(L.I64_LOST_RECORDS),
    streamId: h.getBigUint64(L.H_STREAM_ID, true),
    createdNs: h.getBigInt64(L.H_CREATED_NS, true),
    policy: h.getUint32(L.H_POLICY, true) === L.POLICY_BLOCK ? "block" : "overwrite",
    writerPid: h.getUint32(L.H_WRITER_PID, true),
    writerClosed: (Atomics.load(m.h32, L.I32_FLAGS) & L.FLAG_WRITER_CLOSED) !== 0,
    uncommittedBytes: writeHead - readTail,
  };
}

/**
 * Checks that a batch's body buffers follow one another without overlapping (as every Arrow
 * writer lays them out): a forged offset must not make one column's values read another's.
 */
function checkBuffersApart(payload: Uint8Array): void {
  let end = 0;
  for (const b of ipc.readBatchLayout(payload).buffers) {
    if (b.length === 0) continue;
    if (b.offset < end) {
      throw new Error(`body buffer at ${b.offset} overlaps the one before it (ends at ${end})`);
    }
    end = b.offset + b.length;
  }
}

/** `pos` read from the header as `what`: a record boundary (a multiple of 8) or corrupt. */
function checkPosition(reader: RingFileReader, pos: number, what: string): number {
  if (Number.isSafeInteger(pos) && pos >= 0 && pos % L.RECORD_ALIGN === 0) return pos;
  throw new RingFileError(
    reader.path,
    `corrupt ring: ${what} ${pos} is not a record boundary (a multiple of 8)`,
  );
}

/** Follows a ring file from its own cursor. Never moves read_tail. */
export class RingFileReader {
  /** Path of the ring file. */
  readonly path: string;
  /** Schema of the Arrow batches in the ring. */
  readonly schema: arrow.Schema;
  /** The stored schema as an IPC message (prefix of every batch's IPC stream). */
  readonly schemaMessage: Uint8Array;
  /** Stream id from the header; a re-created ring has a new one. */
  readonly streamId: bigint;

  /** @internal */
  protected m: RingMapping;
  /** @internal Position of the next unread byte; always a record boundary. */
  protected pos: number;
  /** @internal Sequence number expected next, -1 when not known yet. */
  protected nextSeq: number;
  /** @internal `copy`: copy spans out, then check; `views`: parse in place, then check;
   * `protected`: views without checks (consumer of a block ring). */
  protected mode: "copy" | "views" | "protected";
  #spanBytes: number;
  #queue: RingFileRecord[] = [];
  #queueIndex = 0;
  #arena = new Uint8Array(0);
  #arenaUsed = 0;
  #lost = 0;
  #overruns = 0;
  #resynced = false;
  #closed = false;
  #decode: (r: RingFileRecord) => arrow.RecordBatch;
  /** Small spans read since the file's size was last checked. */
  #uncheckedSpans = 0;

  /** @internal Use {@link openRingFile}. */
  constructor(m: RingMapping, startAt: StartAt, spanBytes: number, zeroCopy: boolean) {
    this.path = m.path;
    this.mode = zeroCopy ? "views" : "copy";
    this.m = m;
    checkSize(m, "reader");
    this.schemaMessage = m.schemaMessage.slice();
    let schemaCheck: ReturnType<typeof validateArrowSchema>;
    try {
      schemaCheck = validateArrowSchema(this.schemaMessage);
      this.schema = ipc.decodeSchemaMessage(this.schemaMessage);
    } catch (e) {
      throw new RingFileError(
        m.path,
        `corrupt ring: the stored schema is not an Arrow IPC schema message (${
          (e as Error).message
        })`,
      );
    }
    this.streamId = new DataView(m.file.buffer).getBigUint64(L.H_STREAM_ID, true);
    this.#spanBytes = Math.max(4096, spanBytes);
    const schema = this.schema;
    const schemaMessage = this.schemaMessage;
    const path = this.path;
    this.#decode = (r) => {
      if (r.type !== L.RING_FILE_ARROW_BATCH) {
        throw new RingFileError(path, `record ${r.seq} has type ${r.type}, not an Arrow batch (1)`);
      }
      try {
        // Lengths, offsets and row counts within the payload before anything decodes it: a
        // forged record must not become rows read from the bytes next to it.
        validateArrowBatch(schemaCheck, r.payload);
        checkBuffersApart(r.payload);
        return ipc.decodeBatch(schema, schemaMessage, r.payload);
      } catch (e) {
        throw new RingFileError(
          path,
          `corrupt ring: record ${r.seq} at position ${r.position} is not a valid Arrow record ` +
            `batch of the ring's schema (${(e as Error).message})`,
        );
      }
    };
    const load = (i: number) => Number(Atomics.load(m.h64, i));
    if (startAt === "read_tail") {
      this.pos = load(L.I64_READ_TAIL);
      this.nextSeq = load(L.I64_READ_TAIL_SEQ);
    } else if (startAt === "oldest") {
      [this.pos, this.nextSeq] = this.#oldestWithSeq();
    } else {
      this.pos = load(L.I64_WRITE_HEAD);
      // Unknown until the first record arrives; a reader lapped before that cannot count
      // what it lost (it still counts the overrun).
      this.nextSeq = this.pos === 0 ? 0 : -1;
    }
    checkPosition(this, this.pos, startAt);
  }

  /** The oldest record's position and sequence number, read consistently. */
  #oldestWithSeq(): [number, number] {
    const m = this.m;
    const cap = m.capacity;
    for (;;) {
      const reserve = Number(Atomics.load(m.h64, L.I64_RESERVE_HEAD));
      const oldest = Number(Atomics.load(m.h64, L.I64_OLDEST));
      const head = Number(Atomics.load(m.h64, L.I64_WRITE_HEAD));
      if (oldest < reserve - cap) {
        this.#corrupt(`oldest ${oldest} is more than a lap behind reserve_head ${reserve}`);
      }
      let p = oldest;
      if (cap - (p % cap) < L.RECORD_HEADER_BYTES) p += cap - (p % cap);
      if (p >= head) return [oldest, head === 0 ? 0 : -1];
      const i = (p % cap) / 4;
      // Padding records carry the next record's sequence number too.
      const seq = m.data32[i + 2] + m.data32[i + 3] * TWO_32;
      if (!this.#overrun(p)) return [oldest, seq];
    }
  }

  /** Records this reader has lost to overruns (counted from sequence gaps). */
  get lostRecords(): number {
    return this.#lost;
  }

  /** Times this reader was lapped by the writer and had to resynchronise. */
  get overruns(): number {
    return this.#overruns;
  }

  /** Position of the next record this reader will read. */
  get position(): number {
    return this.#queueIndex < this.#queue.length
      ? this.#queue[this.#queueIndex].position
      : this.pos;
  }

  /** True once the writer has closed the ring and this reader has read everything. */
  get done(): boolean {
    return this.#queueIndex >= this.#queue.length && this.#writerClosed() &&
      Number(Atomics.load(this.m.h64, L.I64_WRITE_HEAD)) <= this.pos;
  }

  /**
   * Whether `record`'s bytes are still as they were when it was read: always true for copies;
   * for zero-copy views, false once the writer may have started overwriting them.
   */
  intact(record: RingFileRecord): boolean {
    if (this.mode !== "copy") this.checkFile();
    return this.mode === "copy" ||
      Number(Atomics.load(this.m.h64, L.I64_RESERVE_HEAD)) - this.m.capacity <= record.position;
  }

  /**
   * Throws a {@link RingFileError} when the ring file has become smaller than this reader's
   * mapping (another program truncated it): touching the missing pages would kill the whole
   * process with SIGBUS. The reader checks by itself before it reads a span and while it waits;
   * call this before using zero-copy payloads handed out a while ago.
   */
  checkFile(): void {
    checkSize(this.m, "reader");
    this.#uncheckedSpans = 0;
  }

  /** A snapshot of the header. */
  status(): RingStatus {
    return status(this.m);
  }

  /** The next record, or null when none is available right now. Never blocks. */
  next(): RingFileRecord | null {
    while (this.#queueIndex >= this.#queue.length) {
      this.#queue = [];
      this.#queueIndex = 0;
      if (!this.#fill()) return null;
    }
    const r = this.#queue[this.#queueIndex++];
    this.delivered(r);
    return r;
  }

  /**
   * Waits until a record may be available, the writer closes, or `timeoutMs` passes; true when
   * there is something to read. See {@link WaitOptions} for how it waits.
   */
  async waitForData(timeoutMs: number, options: WaitOptions = {}): Promise<boolean> {
    if (this.#available()) return true;
    const spinMs = options.spinMs ?? 0;
    const checkEveryMs = options.checkEveryMs ?? 0.005;
    const sleep = options.sleep ?? "adaptive";
    const pollMs = options.pollMs ?? 1;
    const start = performance.now();
    const deadline = start + timeoutMs;
    // Spin without touching the header for checkEveryMs between looks: every look pulls the
    // header's cache line away from the writer.
    for (
      let now = start, next = start + checkEveryMs;
      now < start + spinMs;
      now = performance.now()
    ) {
      if (now >= next) {
        if (this.#available()) return true;
        next = now + checkEveryMs;
      }
    }
    const pollUntil = sleep === "futex"
      ? start
      : sleep === "poll"
      ? deadline
      : Math.min(deadline, start + (options.idleMs ?? 20));
    while (performance.now() < pollUntil) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      if (this.#available()) return true;
    }
    const m = this.m;
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return false;
      const v = Atomics.load(m.h32, L.I32_HEAD_FUTEX);
      Atomics.add(m.h32, L.I32_HEAD_WAITERS, 1);
      try {
        if (this.#available()) return true;
        await libc.futexWaitAsync(m.headFutex, v, Math.min(remaining, 200));
      } finally {
        Atomics.sub(m.h32, L.I32_HEAD_WAITERS, 1);
      }
      if (this.#available()) return true;
    }
  }

  /**
   * Yields records as they come until the writer closes the ring (or `signal` aborts). Waits
   * with {@link waitForData} when caught up.
   */
  async *records(
    options: { signal?: AbortSignal; wait?: WaitOptions } = {},
  ): AsyncGenerator<RingFileRecord> {
    while (!options.signal?.aborted) {
      const r = this.next();
      if (r !== null) {
        yield r;
        continue;
      }
      if (this.done) return;
      await this.waitForData(100, options.wait);
    }
  }

  /** Same as {@link records}. */
  [Symbol.asyncIterator](): AsyncGenerator<RingFileRecord> {
    return this.records();
  }

  /** Unmaps the file. Records already returned stay valid unless they were zero-copy views. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeMapping(this.m);
  }

  /** @internal Called for each record handed out. */
  protected delivered(_r: RingFileRecord): void {}

  /** @internal Records lost so far (consumers add them to the header on commit). */
  protected get lostSoFar(): number {
    return this.#lost;
  }

  #writerClosed(): boolean {
    checkSize(this.m, "reader");
    return (Atomics.load(this.m.h32, L.I32_FLAGS) & L.FLAG_WRITER_CLOSED) !== 0;
  }

  #available(): boolean {
    this.checkFile();
    return this.#queueIndex < this.#queue.length ||
      Number(Atomics.load(this.m.h64, L.I64_WRITE_HEAD)) > this.pos || this.#writerClosed();
  }

  /** Whether the writer may have started overwriting position `pos`. */
  #overrun(pos: number): boolean {
    return Number(Atomics.load(this.m.h64, L.I64_RESERVE_HEAD)) - this.m.capacity > pos;
  }

  #resync(): void {
    this.#overruns++;
    this.#resynced = true;
    const m = this.m;
    const reserve = Number(Atomics.load(m.h64, L.I64_RESERVE_HEAD));
    const oldest = Number(Atomics.load(m.h64, L.I64_OLDEST));
    // The writer stores oldest before reserve_head, so this holds for any reserve_head read
    // first; a header where it does not would make the reader resync for ever.
    if (oldest < reserve - m.capacity) {
      this.#corrupt(`oldest ${oldest} is more than a lap behind reserve_head ${reserve}`);
    }
    if (oldest > this.pos) this.pos = checkPosition(this, oldest, "oldest");
  }

  /** Reads the next span of records into the queue; false when there is nothing new. */
  #fill(): boolean {
    const m = this.m;
    const cap = m.capacity;
    for (;;) {
      const head = Number(Atomics.load(m.h64, L.I64_WRITE_HEAD));
      const pos = this.pos;
      if (head <= pos) return false;
      const checked = this.mode !== "protected";
      if (checked && this.#overrun(pos)) {
        this.#resync();
        continue;
      }
      // Before touching the data region: is the file still as large as the mapping? Every span
      // of 4 KiB or more, every 64 smaller ones.
      if (head - pos >= 4096 || ++this.#uncheckedSpans >= 64) this.checkFile();
      const offset = pos % cap;
      const lapEnd = pos - offset + cap;
      let spanEnd = Math.min(head, lapEnd);
      if (spanEnd - pos > this.#spanBytes) {
        let first = L.RECORD_HEADER_BYTES;
        if (cap - offset >= L.RECORD_HEADER_BYTES) first = L.recordBytes(m.data32[offset / 4]);
        spanEnd = Math.min(spanEnd, pos + Math.max(this.#spanBytes, first));
      }
      if (this.mode === "copy") {
        const bytes = this.#copyOut(offset, spanEnd - pos);
        if (this.#overrun(pos)) {
          this.#resync();
          continue;
        }
        const problem = this.#parse(bytes, pos, spanEnd, spanEnd === head);
        if (problem) this.#corrupt(problem);
        return true;
      }
      // Views: parse the live bytes, then check that none of them was being overwritten.
      const queued = this.#queue.length;
      const before = [this.nextSeq, this.#lost, this.#resynced] as const;
      const problem = this.#parse(
        m.data.subarray(offset, offset + (spanEnd - pos)),
        pos,
        spanEnd,
        spanEnd === head,
      );
      if (checked && this.#overrun(pos)) {
        this.#queue.length = queued;
        [this.nextSeq, this.#lost, this.#resynced] = before;
        this.pos = pos;
        this.#resync();
        continue;
      }
      if (problem) this.#corrupt(problem);
      return true;
    }
  }

  /**
   * Copies `length` bytes of the data region into the current arena (a new one when it is
   * full). Arenas are never reused, so records handed out earlier stay valid; carving spans
   * from large arenas costs far less than one allocation per span.
   */
  #copyOut(offset: number, length: number): Uint8Array {
    if (this.#arena.length - this.#arenaUsed < length) {
      this.#arena = new Uint8Array(Math.max(ARENA_BYTES, length));
      this.#arenaUsed = 0;
    }
    const out = this.#arena.subarray(this.#arenaUsed, this.#arenaUsed + length);
    out.set(this.m.data.subarray(offset, offset + length));
    this.#arenaUsed += L.alignUp(length, 8);
    return out;
  }

  /**
   * Parses the records in `bytes` (the ring from position `start` to `spanEnd`) into the queue
   * and moves `pos` past them; returns a description of the first inconsistency, if any.
   * `atHead`: the span ends at write_head, which a writer only ever puts after a whole record.
   */
  #parse(
    bytes: Uint8Array,
    start: number,
    spanEnd: number,
    atHead: boolean,
  ): string | undefined {
    const cap = this.m.capacity;
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    let p = start;
    let lost = this.#lost;
    let nextSeq = this.nextSeq;
    let resynced = this.#resynced;
    let problem: string | undefined;
    while (p < spanEnd) {
      const rest = cap - (p % cap);
      if (rest < L.RECORD_HEADER_BYTES) {
        p += rest;
        continue;
      }
      if (spanEnd - p < L.RECORD_HEADER_BYTES) {
        if (atHead) problem = `write_head ${spanEnd} lies inside the record header at ${p}`;
        break;
      }
      const o = p - start;
      const i = o >>> 2;
      const length = words[i];
      const total = L.recordBytes(length);
      if (total > rest) {
        problem = `at position ${p}: a ${total}-byte record crosses the end of the ring`;
        break;
      }
      if (p + total > spanEnd) {
        if (atHead) problem = `write_head ${spanEnd} lies inside the ${total}-byte record at ${p}`;
        break;
      }
      const position = words[i + 6] + words[i + 7] * TWO_32;
      if (position !== p) {
        problem = `at position ${p}: record header says position ${position}`;
        break;
      }
      const type = words[i + 1] & 0xffff;
      if (type !== L.RING_FILE_PADDING) {
        const seq = words[i + 2] + words[i + 3] * TWO_32;
        let gap = 0;
        if (nextSeq >= 0 && seq !== nextSeq) {
          if (seq < nextSeq || !resynced) {
            problem = `at position ${p}: sequence ${seq}, expected ${nextSeq}`;
            break;
          }
          gap = seq - nextSeq;
          lost += gap;
        }
        nextSeq = seq + 1;
        resynced = false;
        this.#queue.push(
          new RingFileRecord(
            seq,
            type,
            words[i + 4],
            words[i + 5],
            bytes.subarray(o + L.RECORD_HEADER_BYTES, o + L.RECORD_HEADER_BYTES + length),
            p,
            p + total,
            gap,
            lost,
            this.#decode,
          ),
        );
      }
      p += total;
    }
    this.pos = p;
    this.nextSeq = nextSeq;
    this.#lost = lost;
    this.#resynced = resynced;
    return problem;
  }

  #corrupt(what: string): never {
    throw new RingFileError(this.path, `corrupt ring: ${what}`);
  }
}

/**
 * The flusher's reader: starts at read_tail and, on {@link RingFileConsumer.commit}, moves
 * read_tail (and read_tail_seq) past what it has handed out and adds the records it lost to the
 * header's lost_records. Only one consumer per ring.
 */
export class RingFileConsumer extends RingFileReader {
  #deliveredEnd: number;
  #deliveredNextSeq: number;
  #deliveredLost = 0;
  #committedLost = 0;

  /** @internal Use {@link openRingConsumer}. */
  constructor(m: RingMapping, zeroCopy: boolean, spanBytes: number) {
    super(m, "read_tail", spanBytes, zeroCopy);
    const policy = new DataView(m.file.buffer).getUint32(L.H_POLICY, true);
    if (zeroCopy && policy === L.POLICY_BLOCK) this.mode = "protected";
    this.#deliveredEnd = this.pos;
    this.#deliveredNextSeq = this.nextSeq;
  }

  /** @internal */
  protected override delivered(r: RingFileRecord): void {
    this.#deliveredEnd = r.end;
    this.#deliveredNextSeq = r.seq + 1;
    this.#deliveredLost = r.lostTotal;
  }

  /**
   * Commits everything handed out so far (or up to and including `upTo`): moves read_tail past
   * it, so a `block` writer may reuse the space, and adds lost records to the header.
   */
  commit(upTo?: RingFileRecord): void {
    const end = upTo ? upTo.end : this.#deliveredEnd;
    const nextSeq = upTo ? upTo.seq + 1 : this.#deliveredNextSeq;
    const lost = upTo ? upTo.lostTotal : this.#deliveredLost;
    const m = this.m;
    if (lost > this.#committedLost) {
      Atomics.add(m.h64, L.I64_LOST_RECORDS, BigInt(lost - this.#committedLost));
      this.#committedLost = lost;
    }
    Atomics.store(m.h64, L.I64_READ_TAIL_SEQ, BigInt(nextSeq));
    Atomics.store(m.h64, L.I64_READ_TAIL, BigInt(end));
    Atomics.add(m.h32, L.I32_TAIL_FUTEX, 1);
    if (Atomics.load(m.h32, L.I32_TAIL_WAITERS) > 0) libc.futexWake(m.tailFutex);
  }
}

/** Opens a ring file to follow it from its own cursor (never moves read_tail). */
export function openRingFile(path: string, options: OpenRingOptions = {}): RingFileReader {
  const m = openMapping(path);
  try {
    return new RingFileReader(
      m,
      options.startAt ?? "latest",
      options.spanBytes ?? 256 << 10,
      options.zeroCopy ?? false,
    );
  } catch (e) {
    closeMapping(m);
    throw e;
  }
}

/** Opens a ring file as its (single) consumer, starting at read_tail. */
export function openRingConsumer(
  path: string,
  options: OpenConsumerOptions = {},
): RingFileConsumer {
  const m = openMapping(path, true);
  try {
    return new RingFileConsumer(m, options.zeroCopy ?? false, options.spanBytes ?? 256 << 10);
  } catch (e) {
    closeMapping(m);
    throw e;
  }
}

/** Reads the header of the ring file at `path` without keeping it open. */
export function ringStatus(path: string): RingStatus {
  const m = openMapping(path);
  try {
    return status(m);
  } finally {
    closeMapping(m);
  }
}

/**
 * A ring file that a previous writer left, claimed by a new writer of this user: its header,
 * and its lock, held (so that no other daq takes it) until {@link RingFileClaim.release}.
 */
export interface RingFileClaim {
  /** The ring's header when it was claimed. */
  status: RingStatus;
  /** Lets the lock go (before creating a new ring at the same path). */
  release(): void;
}

/**
 * Claims the ring file a previous writer left at `path` (to write what it still holds, then
 * replace it); undefined when there is none. Throws {@link RingFileRefusedError} when it is a
 * symbolic link, not a regular file, another user's file, or held by a live writer, and
 * {@link RingFileError} when it is not a valid ring file: such a file is never read as this
 * run's data.
 */
export function claimRingFile(path: string): RingFileClaim | undefined {
  const fd = claimExisting(path);
  if (fd === undefined) return undefined;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    libc.closeFile(fd);
  };
  try {
    const m = openMapping(path, true);
    try {
      return { status: status(m), release };
    } finally {
      closeMapping(m);
    }
  } catch (e) {
    release();
    throw e;
  }
}
