/**
 * Writes Arrow record batches of one schema as an Arrow IPC file (Feather v2).
 *
 * @module
 */

import * as arrow from "apache-arrow";
import { BufferRegion } from "apache-arrow/ipc/metadata/message";
import { encoderOf, registerArrowCodecs } from "./_codecs.ts";
import { type BatchGatherer, openBatchGatherer } from "../../arrow/mod.ts";
import { ArrowFileWriteError } from "./errors.ts";

/** Body compression of an Arrow IPC file. */
export type ArrowCompressionAlgorithm = "none" | "lz4" | "zstd";

/** Options of {@linkcode openArrowFileWriter}. */
export interface ArrowFileWriterOptions {
  /** Body compression: each buffer an LZ4 frame or a zstd frame. Default: `"none"`. */
  compression?: ArrowCompressionAlgorithm;
  /** zstd level 1-22 (default 1); other algorithms take none. */
  compressionLevel?: number;
  /** Key-value metadata added to the schema (e.g. the config the file was written under). */
  metadata?: Record<string, string>;
  /**
   * Most rows of one record batch gathered from smaller ones. Batches of fixed-width columns
   * without nulls are copied together until the next would not fit, then written as one record
   * batch (also at `sync()` and `close()`); a batch of half this or more is written as it is.
   * 1 writes every batch as it comes. Default: 65536.
   */
  batchRows?: number;
  /** Most bytes of column values of one gathered record batch (as `batchRows`). Default: 4 MiB. */
  batchBytes?: number;
}

/** Default {@linkcode ArrowFileWriterOptions.batchRows}. */
export const DEFAULT_BATCH_ROWS = 65536;
/** Default {@linkcode ArrowFileWriterOptions.batchBytes}. */
export const DEFAULT_BATCH_BYTES = 4 << 20;

/** An open Arrow IPC file taking batches of the schema of its first batch. */
export interface ArrowFileWriter {
  /** The file. */
  readonly path: string;
  /** Bytes written so far. */
  readonly bytes: number;
  /** Record batches written so far. */
  readonly batches: number;
  /** Rows taken so far (written, or held for the next record batch). */
  readonly rows: number;
  /** Bytes of column values held for the next record batch. */
  readonly bufferedBytes: number;
  /**
   * Takes one batch (copying what it holds: `batch` may be reused once this returns); throws
   * ArrowFileWriteError when its schema differs from the first.
   */
  write(batch: arrow.RecordBatch): void;
  /**
   * Writes the rows held for the next record batch and makes everything written durable
   * (fdatasync). The file is readable by stream readers up to here; file readers need the
   * footer that `close()` writes.
   */
  sync(): Promise<void>;
  /** Writes the held rows, the footer, and closes the file. Safe to call twice. */
  close(): Promise<void>;
}

/** Internals of apache-arrow's file writer that this module relies on (apache-arrow 21). */
interface FileWriterInternals {
  /** Written chunks wait here until read. */
  _sink: { _values: Uint8Array[] };
  _writeSchema(schema: arrow.Schema): unknown;
  _writeMessage(message: arrow.Message): unknown;
  _writeMagic(): { _writePadding(bytes: number): unknown };
  _compressBodyBuffers(buffers: ArrayBufferView[]): CompressedBody;
}

interface CompressedBody {
  byteLength: number;
  bufferRegions: BufferRegion[];
  buffers: Uint8Array[];
}

/**
 * Arrow's body compression: every buffer as its uncompressed length (int64, or -1 when it is
 * stored as it is) and then the compressed bytes, each group padded to 8 bytes. apache-arrow
 * 21 writes the compressed length there instead, which other readers reject.
 */
function compressBody(buffers: ArrayBufferView[], encode: (b: Uint8Array) => Uint8Array) {
  let offset = 0;
  const out: Uint8Array[] = [];
  const bufferRegions: BufferRegion[] = [];
  for (const buffer of buffers) {
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    if (bytes.length === 0) {
      out.push(new Uint8Array(0), new Uint8Array(0));
      bufferRegions.push(new BufferRegion(offset, 0));
      continue;
    }
    const packed = encode(bytes);
    const shrank = packed.length < bytes.length;
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigInt64(0, BigInt(shrank ? bytes.length : -1), true);
    const body = shrank ? packed : bytes;
    out.push(prefix, body);
    offset = (offset + 7) & ~7;
    bufferRegions.push(new BufferRegion(offset, 8 + body.length));
    offset += 8 + body.length;
  }
  return { byteLength: (offset + 7) & ~7, bufferRegions, buffers: out };
}

/** Chunks of at least this many bytes are written without being copied into a joined write. */
const DIRECT_WRITE_BYTES = 64 << 10;

const CODES: Record<Exclude<ArrowCompressionAlgorithm, "none">, arrow.CompressionType> = {
  lz4: arrow.CompressionType.LZ4_FRAME,
  zstd: arrow.CompressionType.ZSTD,
};

/** Why `options` cannot be used, naming the option, or `undefined`. */
export function arrowOptionsProblem(options: ArrowFileWriterOptions): string | undefined {
  const { compression = "none", compressionLevel } = options;
  if (!["none", "lz4", "zstd"].includes(compression)) {
    return `compression must be none, lz4 or zstd, got ${JSON.stringify(compression)}`;
  }
  if (compressionLevel !== undefined) {
    if (compression !== "zstd") return `compression "${compression}" takes no compression_level`;
    if (!(Number.isInteger(compressionLevel) && compressionLevel >= 1 && compressionLevel <= 22)) {
      return `compression_level of "zstd" must be an integer 1-22, got ${compressionLevel}`;
    }
  }
  for (
    const [name, value] of [["batch_rows", options.batchRows], ["batch_size", options.batchBytes]]
  ) {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) {
      return `${name} must be a whole number of at least 1, got ${value}`;
    }
  }
  return undefined;
}

/**
 * Creates the Arrow IPC file `path` (which must not exist) and returns a writer for it.
 * The writer streams: what `write()` takes is on disk (in the page cache) when it returns.
 */
export function openArrowFileWriter(
  path: string,
  options: ArrowFileWriterOptions = {},
): ArrowFileWriter {
  const problem = arrowOptionsProblem(options);
  if (problem !== undefined) throw new RangeError(`Arrow file ${path}: ${problem}`);
  const compression = options.compression ?? "none";
  if (compression !== "none") registerArrowCodecs(options.compressionLevel ?? 1);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { write: true, createNew: true });
  } catch (error) {
    throw new ArrowFileWriteError(path, `Cannot create Arrow file ${path}: ${message(error)}`, {
      cause: error,
    });
  }
  const writer = new arrow.RecordBatchFileWriter({
    compressionType: compression === "none" ? null : CODES[compression],
  });
  const internals = writer as unknown as FileWriterInternals;
  const queue = internals._sink;
  if (!Array.isArray(queue?._values) || typeof internals._writeMessage !== "function") {
    file.close();
    throw new ArrowFileWriteError(path, "apache-arrow's writer changed: no chunk queue");
  }
  // apache-arrow's file writer puts the schema in the footer only. Arrow C++ (and the spec's
  // "file = magic + stream + footer") also writes it after the magic, which keeps a file
  // that was never closed readable as a stream from offset 8.
  internals._writeSchema = function (this: FileWriterInternals, schema: arrow.Schema) {
    this._writeMagic()._writePadding(2);
    return this._writeMessage(arrow.Message.from(schema));
  };
  if (compression !== "none") {
    const encode = encoderOf(CODES[compression]);
    internals._compressBodyBuffers = (buffers) => compressBody(buffers, encode);
  }
  let schema: arrow.Schema | undefined;
  let gatherer: BatchGatherer | undefined;
  let bytes = 0;
  let batches = 0;
  let rows = 0;
  let closed = false;

  const put = (data: Uint8Array) => {
    let at = 0;
    while (at < data.length) at += file.writeSync(data.subarray(at));
    bytes += data.length;
  };
  // apache-arrow queues the metadata, every buffer and every padding as chunks of their own:
  // large ones are written as they are, the small ones between them joined into one write.
  const drain = () => {
    const chunks = queue._values.splice(0);
    let small: Uint8Array[] = [];
    let smallBytes = 0;
    const putSmall = () => {
      if (smallBytes === 0) return;
      if (small.length === 1) put(small[0]);
      else {
        const joined = new Uint8Array(smallBytes);
        let at = 0;
        for (const chunk of small) {
          joined.set(chunk, at);
          at += chunk.byteLength;
        }
        put(joined);
      }
      small = [];
      smallBytes = 0;
    };
    try {
      for (const chunk of chunks) {
        if (chunk.byteLength >= DIRECT_WRITE_BYTES) {
          putSmall();
          put(chunk);
        } else if (chunk.byteLength > 0) {
          small.push(chunk);
          smallBytes += chunk.byteLength;
        }
      }
      putSmall();
    } catch (error) {
      throw new ArrowFileWriteError(path, `Could not write Arrow file ${path}: ${message(error)}`, {
        cause: error,
      });
    }
  };

  const writeBatch = (batch: arrow.RecordBatch) => {
    writer.write(batch);
    drain();
    batches++;
  };
  const writeHeld = () => {
    if (gatherer !== undefined && gatherer.rows > 0) writeBatch(gatherer.take());
  };

  return {
    path,
    get bytes() {
      return bytes;
    },
    get batches() {
      return batches;
    },
    get rows() {
      return rows;
    },
    get bufferedBytes() {
      return gatherer?.bytes ?? 0;
    },
    write(batch) {
      if (closed) throw new ArrowFileWriteError(path, `Arrow file ${path} is already closed`);
      if (schema === undefined) {
        const metadata = new Map(batch.schema.metadata);
        for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
        schema = new arrow.Schema(batch.schema.fields, metadata);
        gatherer = openBatchGatherer(
          schema,
          options.batchRows ?? DEFAULT_BATCH_ROWS,
          options.batchBytes ?? DEFAULT_BATCH_BYTES,
        );
      } else if (!sameFields(schema, batch.schema)) {
        throw new ArrowFileWriteError(
          path,
          `Arrow file ${path} holds one schema; a batch with other columns needs a new file`,
        );
      }
      const n = batch.numRows;
      rows += n;
      if (gatherer === undefined || !gatherer.accepts(batch)) {
        writeHeld();
        writeBatch(new arrow.RecordBatch(schema, batch.data));
        return;
      }
      if (gatherer.rows + n > gatherer.capacity) writeHeld();
      if (gatherer.rows === 0 && 2 * n >= gatherer.capacity) {
        writeBatch(new arrow.RecordBatch(schema, batch.data));
        return;
      }
      gatherer.add(batch);
      if (gatherer.rows === gatherer.capacity) writeHeld();
    },
    async sync() {
      if (closed) return;
      writeHeld();
      await file.syncData();
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        writeHeld();
        writer.finish();
        drain();
        await file.syncData();
      } finally {
        file.close();
      }
    },
  };
}

function sameFields(a: arrow.Schema, b: arrow.Schema): boolean {
  return a.fields.length === b.fields.length &&
    a.fields.every((field, i) =>
      field.name === b.fields[i].name && arrow.util.compareTypes(field.type, b.fields[i].type)
    );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
