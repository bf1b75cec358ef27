/**
 * The single writer of a ring file: frames records into the data region, keeps `oldest` and
 * `reserve_head` ahead of what it overwrites, and publishes each record by advancing
 * `write_head`.
 */
import type * as arrow from "apache-arrow";
import * as ipc from "../arrow/ipc.ts";
import * as libc from "./_libc.ts";
import * as L from "./_layout.ts";
import {
  checkSize,
  closeMapping,
  createMapping,
  type RingMapping,
  syncMappingToFile,
} from "./_mapping.ts";
import { RingFileError, RingFileRecordTooLargeError, RingFullError } from "./errors.ts";

/** What the writer does when the ring is full: overwrite the oldest records, or wait. */
export type OverrunPolicy = "overwrite" | "block";

/** Options of {@link createRingFile}. */
export interface CreateRingOptions {
  /** Size of the data region in bytes (rounded down to a multiple of 8). Default 100 MiB. */
  capacityBytes?: number;
  /** Schema of the Arrow record batches the ring carries; stored once in the file. */
  schema: arrow.Schema;
  /** Overrun policy; default `overwrite`. */
  policy?: OverrunPolicy;
  /** With `block`: how long one write may wait for read_tail to advance. Default 1000 ms. */
  blockTimeoutMs?: number;
  /** Id of this stream; default random. Readers see a new id when the ring is re-created. */
  streamId?: bigint;
  /**
   * Clock for record timestamps when `commit()` is given none: `precise` (default;
   * `performance.timeOrigin + performance.now()`, sub-microsecond steps, about 90 ns a call) or
   * `coarse` (`Date.now()`, millisecond steps, about 45 ns a call).
   */
  recordClock?: "precise" | "coarse";
  /**
   * Look at the file's size (one lseek, about 0.3 us) before every n-th record, and before any
   * record once 64 KiB were written since the last look; default 64. A file truncated under the
   * mapping is then a {@link RingFileError} instead of SIGBUS at the first write past its new
   * end. 1 checks before every record (what `store.hdf5` does: its batches are large).
   */
  sizeCheckEvery?: number;
}

/** Default data region size: 100 MiB. */
export const DEFAULT_CAPACITY_BYTES = 100 * 1024 * 1024;

/** Column views into the ring for one batch, in schema order (booleans as bit-packed bytes). */
export type ColumnViews = Array<
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Float32Array
  | Float64Array
>;

const TWO_32 = 4294967296;
/** The writer looks at the file's size after at most this many bytes written. */
const SIZE_CHECK_BYTES = 64 << 10;

function preciseNowNs(): number {
  return (performance.timeOrigin + performance.now()) * 1e6;
}

function coarseNowNs(): number {
  return Date.now() * 1e6;
}

/**
 * Writes records into a ring file. One writer per ring; not safe to share between threads.
 *
 * Raw records: {@link RingFileWriter.writeBytes}, or {@link RingFileWriter.reserve} then
 * {@link RingFileWriter.commit} to fill the payload in place. Arrow batches:
 * {@link RingFileWriter.write}, or {@link RingFileWriter.reserveBatch} then `commit()` to fill
 * the columns in place.
 */
export class RingFileWriter {
  /** Path of the ring file. */
  readonly path: string;
  /** Bytes of the data region. */
  readonly capacity: number;
  /** Schema of the batches. */
  readonly schema: arrow.Schema;
  /** Overrun policy fixed at creation. */
  readonly policy: OverrunPolicy;
  /** Largest payload one record can carry (a quarter of the capacity minus the header). */
  readonly maxPayloadBytes: number;
  /** Id of this stream, in the header; a re-created ring gets a new one. */
  readonly streamId: bigint;

  #m: RingMapping;
  #blockTimeoutMs: number;
  #head = 0;
  #seq = 0;
  #oldest = 0;
  #reserved = 0;
  #tail = 0;
  #chunk: number;
  #pending = -1; // data offset of the reserved record, -1 when none
  #pendingLength = 0;
  #pendingType = 0;
  #pendingEnd = 0;
  #fixedWidth: boolean;
  #closed = false;
  #nowNs: () => number;
  /** Bytes and records reserved since the file's size was last checked. */
  #uncheckedBytes = 0;
  #uncheckedRecords = 0;
  #sizeCheckEvery: number;

  /** @internal Use {@link createRingFile}. */
  constructor(
    m: RingMapping,
    schema: arrow.Schema,
    policy: OverrunPolicy,
    blockTimeoutMs: number,
    recordClock: "precise" | "coarse",
    sizeCheckEvery = 64,
  ) {
    this.path = m.path;
    this.capacity = m.capacity;
    this.schema = schema;
    this.policy = policy;
    this.maxPayloadBytes = ringFileMaxPayload(m.capacity);
    this.#m = m;
    this.streamId = new DataView(m.file.buffer).getBigUint64(L.H_STREAM_ID, true);
    this.#blockTimeoutMs = blockTimeoutMs;
    this.#chunk = Math.max(L.RECORD_ALIGN, L.alignUp(Math.floor(m.capacity / 16), 8));
    this.#fixedWidth = ipc.isFixedWidthSchema(schema);
    this.#nowNs = recordClock === "coarse" ? coarseNowNs : preciseNowNs;
    this.#sizeCheckEvery = Math.max(1, Math.floor(sizeCheckEvery));
  }

  /** Records written so far (the next record's sequence number). */
  get recordsWritten(): number {
    return this.#seq;
  }

  /** Total bytes written so far (the write_head). */
  get writeHead(): number {
    return this.#head;
  }

  /**
   * Reserves a record with a `length`-byte payload and returns a view of the payload inside
   * the ring; fill it, then call {@link commit}. Readers see nothing until `commit()`.
   * With the `block` policy this waits (blocking the thread) for room, up to the block timeout.
   */
  reserve(length: number, type: number = L.RING_FILE_RAW_BYTES): Uint8Array {
    if (!Number.isInteger(type) || type < 1 || type > 0xffff) {
      throw new RingFileError(this.path, `record type ${type} is not in 1..65535 (0 is padding)`);
    }
    const at = this.#reserve(length, type);
    return this.#m.data.subarray(at, at + length);
  }

  /**
   * Publishes the reserved record. `timestampNs` defaults to the current wall clock (see
   * {@link CreateRingOptions.recordClock}).
   */
  commit(timestampNs?: bigint): void {
    const at = this.#pending;
    if (at < 0) throw new RingFileError(this.path, "commit() without reserve()");
    const w = this.#m.data32;
    const i = at / 4 - L.RECORD_HEADER_BYTES / 4;
    const seq = this.#seq;
    const pos = this.#pendingEnd - L.recordBytes(this.#pendingLength);
    w[i] = this.#pendingLength;
    w[i + 1] = this.#pendingType;
    w[i + 2] = seq % TWO_32;
    w[i + 3] = Math.floor(seq / TWO_32);
    if (timestampNs === undefined) {
      const ns = this.#nowNs();
      const hi = Math.floor(ns / TWO_32);
      w[i + 4] = ns - hi * TWO_32;
      w[i + 5] = hi;
    } else {
      w[i + 4] = Number(timestampNs & 0xffffffffn);
      w[i + 5] = Number((timestampNs >> 32n) & 0xffffffffn);
    }
    w[i + 6] = pos % TWO_32;
    w[i + 7] = Math.floor(pos / TWO_32);
    this.#head = this.#pendingEnd;
    this.#seq = seq + 1;
    this.#pending = -1;
    const m = this.#m;
    Atomics.store(m.h64, L.I64_WRITE_HEAD, BigInt(this.#head));
    if (Atomics.load(m.h32, L.I32_HEAD_WAITERS) > 0) {
      Atomics.add(m.h32, L.I32_HEAD_FUTEX, 1);
      libc.futexWake(m.headFutex);
    }
  }

  /** Writes one raw-bytes record (type 2). */
  writeBytes(payload: Uint8Array, timestampNs?: bigint): void {
    const at = this.#reserve(payload.length, L.RING_FILE_RAW_BYTES);
    this.#m.data.set(payload, at);
    this.commit(timestampNs);
  }

  /**
   * Writes one Arrow record batch (type 1) whose schema matches the ring's. Fixed-width
   * columns are copied once, straight into the ring; other types go through apache-arrow's
   * IPC writer first.
   */
  write(batch: arrow.RecordBatch, timestampNs?: bigint): void {
    this.#checkSchema(batch.schema);
    const columns = this.#fixedWidth ? ipc.fixedWidthColumns(batch) : null;
    if (columns === null) {
      const message = ipc.encodeBatchWithArrow(batch);
      const at = this.#reserve(message.length, L.RING_FILE_ARROW_BATCH);
      this.#m.data.set(message, at);
      this.commit(timestampNs);
      return;
    }
    const length = ipc.messageBytes(columns);
    const at = this.#reserve(length, L.RING_FILE_ARROW_BATCH);
    const bodyAt = ipc.writeBatchMetadata(this.#m.dataView, at, batch.numRows, columns);
    ipc.writeBatchBody(this.#m.data, bodyAt, columns);
    this.commit(timestampNs);
  }

  /**
   * Reserves an Arrow batch of `rowCount` rows without nulls and returns one typed array per
   * column, placed inside the ring, for the producer to fill; then call {@link commit}.
   * Only for schemas of fixed-width types (ints, floats, bool, timestamp, date, time, duration).
   */
  reserveBatch(rowCount: number): ColumnViews {
    if (!this.#fixedWidth) {
      throw new RingFileError(
        this.path,
        "reserveBatch() needs a schema of fixed-width types; use write(batch)",
      );
    }
    const fields = this.schema.fields;
    const columns = fields.map((f) => {
      const width = ipc.fixedByteWidth(f.type);
      return {
        validityBytes: 0,
        valueBytes: width === 0 ? Math.ceil(rowCount / 8) : rowCount * width,
        nullCount: 0,
      };
    });
    const length = ipc.messageBytes(columns);
    const at = this.#reserve(length, L.RING_FILE_ARROW_BATCH);
    let body = ipc.writeBatchMetadata(this.#m.dataView, at, rowCount, columns);
    const buffer = this.#m.data.buffer;
    const base = this.#m.data.byteOffset;
    const views: ColumnViews = [];
    for (let i = 0; i < fields.length; i++) {
      const width = ipc.fixedByteWidth(fields[i].type);
      const bytes = columns[i].valueBytes;
      if (width === 0) {
        const view = new Uint8Array(buffer, base + body, bytes);
        view.fill(0);
        views.push(view);
      } else {
        const ArrayType = fields[i].type.ArrayType as unknown as {
          new (b: ArrayBufferLike, o: number, n: number): ColumnViews[number];
          BYTES_PER_ELEMENT: number;
        };
        views.push(new ArrayType(buffer, base + body, bytes / ArrayType.BYTES_PER_ELEMENT));
      }
      this.#m.data.fill(0, body + bytes, body + L.alignUp(bytes, 8));
      body += L.alignUp(bytes, 8);
    }
    return views;
  }

  /** Copies `columns` (schema order) into a new batch of `rowCount` rows and commits it. */
  writeColumns(
    rowCount: number,
    columns: ReadonlyArray<ArrayLike<number> | ArrayLike<bigint>>,
    timestampNs?: bigint,
  ): void {
    const views = this.reserveBatch(rowCount);
    for (let i = 0; i < views.length; i++) {
      (views[i] as { set(a: ArrayLike<unknown>): void }).set(columns[i]);
    }
    this.commit(timestampNs);
  }

  /** Flushes the mapping to the file (msync); only needed for durability, not for readers. */
  flush(): void {
    syncMappingToFile(this.#m);
  }

  /**
   * Marks the ring closed for readers, wakes them, unmaps, and releases the file's lock. Safe to
   * call twice. A file that another program truncated is only unmapped.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const m = this.#m;
    try {
      checkSize(m, "writer");
    } catch {
      closeMapping(m);
      return;
    }
    Atomics.store(m.h64, L.I64_RECORDS_WRITTEN, BigInt(this.#seq));
    Atomics.or(m.h32, L.I32_FLAGS, L.FLAG_WRITER_CLOSED);
    Atomics.add(m.h32, L.I32_HEAD_FUTEX, 1);
    libc.futexWake(m.headFutex);
    closeMapping(m);
  }

  #checkSchema(schema: arrow.Schema): void {
    if (schema === this.schema) return;
    const a = schema.fields;
    const b = this.schema.fields;
    const same = a.length === b.length &&
      a.every((f, i) => f.name === b[i].name && f.type.toString() === b[i].type.toString());
    if (!same) {
      const names = (s: arrow.Schema) => s.fields.map((f) => `${f.name}: ${f.type}`).join(", ");
      throw new RingFileError(
        this.path,
        `batch schema {${names(schema)}} does not match the ring's {${names(this.schema)}}`,
      );
    }
  }

  /** Claims room for a record; returns the payload's offset in the data region. */
  #reserve(length: number, type: number): number {
    if (this.#closed) throw new RingFileError(this.path, "write after close()");
    if (length > this.maxPayloadBytes) {
      throw new RingFileRecordTooLargeError(
        this.path,
        `a ${length}-byte record does not fit: at most ${this.maxPayloadBytes} bytes ` +
          `(a quarter of the ${this.capacity}-byte capacity, minus the record header)`,
      );
    }
    const cap = this.capacity;
    const total = L.recordBytes(length);
    // A file truncated under the mapping kills the process with SIGBUS at the first write past
    // its new end: look at its size before writing.
    this.#uncheckedBytes += total;
    if (
      this.#uncheckedBytes >= SIZE_CHECK_BYTES ||
      ++this.#uncheckedRecords >= this.#sizeCheckEvery
    ) {
      checkSize(this.#m, "writer");
      this.#uncheckedBytes = 0;
      this.#uncheckedRecords = 0;
    }
    const head = this.#head;
    const offset = head % cap;
    const pad = cap - offset < total ? cap - offset : 0;
    const end = head + pad + total;
    if (end > this.#reserved) this.#makeRoom(end);
    if (pad >= L.RECORD_HEADER_BYTES) this.#writePadding(offset, head, pad);
    this.#pending = (head + pad) % cap + L.RECORD_HEADER_BYTES;
    this.#pendingLength = length;
    this.#pendingType = type;
    this.#pendingEnd = end;
    return this.#pending;
  }

  #writePadding(offset: number, pos: number, bytes: number): void {
    const w = this.#m.data32;
    const i = offset / 4;
    w[i] = bytes - L.RECORD_HEADER_BYTES;
    w[i + 1] = L.RING_FILE_PADDING;
    w[i + 2] = this.#seq % TWO_32;
    w[i + 3] = Math.floor(this.#seq / TWO_32);
    w[i + 4] = 0;
    w[i + 5] = 0;
    w[i + 6] = pos % TWO_32;
    w[i + 7] = Math.floor(pos / TWO_32);
  }

  /**
   * Before writing bytes up to `end`: wait for the consumer (block policy), move `oldest` past
   * every record that the write will touch, then raise `reserve_head` (in chunks, so that this
   * happens about 16 times a lap rather than per record).
   */
  #makeRoom(end: number): void {
    const cap = this.capacity;
    const m = this.#m;
    if (this.policy === "block" && end - cap > this.#tail) this.#waitForTail(end);
    let limit = end + this.#chunk;
    if (this.policy === "block") limit = Math.min(limit, this.#tail + cap);
    const mustPass = limit - cap;
    if (mustPass > this.#oldest) {
      let oldest = this.#oldest;
      while (oldest < mustPass && oldest < this.#head) oldest += this.#recordSizeAt(oldest);
      this.#oldest = oldest;
      Atomics.store(m.h64, L.I64_OLDEST, BigInt(oldest));
      limit = Math.min(limit, oldest + cap);
    }
    this.#reserved = limit;
    Atomics.store(m.h64, L.I64_RESERVE_HEAD, BigInt(limit));
    Atomics.store(m.h64, L.I64_RECORDS_WRITTEN, BigInt(this.#seq));
  }

  #recordSizeAt(pos: number): number {
    const offset = pos % this.capacity;
    const rest = this.capacity - offset;
    if (rest < L.RECORD_HEADER_BYTES) return rest;
    return L.recordBytes(this.#m.data32[offset / 4]);
  }

  #waitForTail(end: number): void {
    const m = this.#m;
    const cap = this.capacity;
    const deadline = performance.now() + this.#blockTimeoutMs;
    for (;;) {
      checkSize(m, "writer");
      this.#tail = Number(Atomics.load(m.h64, L.I64_READ_TAIL));
      if (end - cap <= this.#tail) return;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new RingFullError(this.path, end - this.#head, this.#blockTimeoutMs);
      }
      const v = Atomics.load(m.h32, L.I32_TAIL_FUTEX);
      Atomics.add(m.h32, L.I32_TAIL_WAITERS, 1);
      try {
        this.#tail = Number(Atomics.load(m.h64, L.I64_READ_TAIL));
        if (end - cap <= this.#tail) return;
        libc.futexWaitSync(m.tailFutex, v, Math.min(remaining, 100));
      } finally {
        Atomics.sub(m.h32, L.I32_TAIL_WAITERS, 1);
      }
    }
  }
}

/**
 * The largest record payload a ring file of `capacityBytes` takes: a quarter of its data region
 * (rounded down to 8 bytes), less the record header. For config checks and the writer alike.
 */
export function ringFileMaxPayload(capacityBytes: number): number {
  return Math.floor(Math.floor(capacityBytes / 8) * 8 / 4) - L.RECORD_HEADER_BYTES;
}

/** Creates (or re-creates) a ring file at `path`, maps it, and returns its writer. */
export function createRingFile(path: string, options: CreateRingOptions): RingFileWriter {
  const capacity = Math.floor((options.capacityBytes ?? DEFAULT_CAPACITY_BYTES) / 8) * 8;
  if (capacity < 4096) {
    throw new RingFileError(
      path,
      `capacity ${options.capacityBytes} is below the 4096-byte minimum`,
    );
  }
  const policy = options.policy ?? "overwrite";
  if (policy !== "overwrite" && policy !== "block") {
    throw new RingFileError(
      path,
      `unknown overrun policy "${policy}", expected overwrite or block`,
    );
  }
  const streamId = options.streamId ??
    new BigUint64Array(crypto.getRandomValues(new Uint32Array(2)).buffer)[0];
  const m = createMapping(path, {
    capacity,
    schemaMessage: ipc.encodeSchemaMessage(options.schema),
    policy: policy === "block" ? L.POLICY_BLOCK : L.POLICY_OVERWRITE,
    streamId,
  });
  return new RingFileWriter(
    m,
    options.schema,
    policy,
    options.blockTimeoutMs ?? 1000,
    options.recordClock ?? "precise",
    options.sizeCheckEvery,
  );
}
