/**
 * The background flusher of `store.hdf5`, run in a Worker that the job starts (it inherits the
 * job's permissions). It follows every ring file the job opened (one per route key): every
 * `flushMs` it reads what is new in each since its read_tail, writes it to HDF5 (each ring's
 * source to its own group, all in one file), and only then moves read_tail past it: a crash of
 * this Worker loses nothing that is still in a ring file.
 *
 * The job talks to it with `FlusherRequest`s and gets `FlusherReport`s back
 * (`_flusher_protocol.ts`).
 */
import {
  alignedChunkRows,
  type Hdf5CloseResult,
  openRotatingHdf5Writer,
  setHdf5TempDir,
} from "../../../formats/hdf5/mod.ts";
import type { RotatingHdf5Writer } from "../../../formats/hdf5/mod.ts";
import type * as arrow from "apache-arrow";
import {
  openRingConsumer,
  RING_FILE_ARROW_BATCH,
  type RingFileConsumer,
  RingFileError,
  type RingFileRecord,
} from "../../../dataplane/mod.ts";
import { type BatchGatherer, openBatchGatherer } from "../../../arrow/mod.ts";
import {
  type FlusherReport,
  type FlusherRequest,
  type FlusherSettings,
  ORIGIN_METADATA_KEY,
  SOURCE_METADATA_KEY,
} from "./_flusher_protocol.ts";

/** About how many bytes of records go into one HDF5 write (append layout). */
const WRITE_BYTES = 16 << 20;

interface Ring {
  path: string;
  consumer: RingFileConsumer;
  source: string;
  /** The supervisor a remote link took its records from (ring schema metadata). */
  origin: string | undefined;
  /** Records of this source lost in earlier ring files. */
  lostBefore: number;
  /** Lost records already in the header when this flusher opened the ring. */
  lostAtOpen: number;
  /** Lost records this flusher has seen (gaps before the records it read). */
  lostSeen: number;
  /**
   * Joins the ring's batches into writes of about WRITE_BYTES that end on chunk boundaries
   * (append layout, fixed-width columns; made at the first batch, whose rows set the chunks).
   */
  gatherer: BatchGatherer | undefined;
  /** Rows per chunk of this source's datasets (append layout; 0 until the first batch). */
  chunkRows: number;
  /** Rows of this source in the file it last wrote to (where its next write starts). */
  rowsInFile: number;
  /** That file. */
  file: string;
}

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<FlusherRequest>) => void) | null;
  postMessage(msg: FlusherReport): void;
};
const report = (msg: FlusherReport) => scope.postMessage(msg);

let settings: FlusherSettings | undefined;
/** The rings followed, by path. */
const rings = new Map<string, Ring>();
let writer: RotatingHdf5Writer | undefined;
let rows = 0;
let flushes = 0;
let files = 0;
let crashed = false;
const closedFiles: Hdf5CloseResult[] = [];
let lastFlush = 0;
let flushQueued = false;
/** Requests run one at a time, in order, on this chain. */
let queue: Promise<void> = Promise.resolve();
let failed = false;

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function openRing(path: string, lostBefore: number): void {
  rings.get(path)?.consumer.close();
  // Records are copied out of the ring (about 2 us per 16 KiB batch, against about 50 us to
  // write it to HDF5), not used in place: the copy is taken right after the reader has checked
  // the file's size, whereas views would be read while HDF5 writes go on, long after, and a
  // ring truncated meanwhile would kill the process with SIGBUS.
  const consumer = openRingConsumer(path);
  const source = consumer.schema.metadata.get(SOURCE_METADATA_KEY) ?? "data";
  rings.set(path, {
    path,
    consumer,
    source,
    origin: consumer.schema.metadata.get(ORIGIN_METADATA_KEY),
    lostBefore,
    lostAtOpen: consumer.status().lostRecords,
    lostSeen: 0,
    gatherer: undefined,
    chunkRows: 0,
    rowsInFile: 0,
    file: "",
  });
}

async function ensureWriter(): Promise<RotatingHdf5Writer> {
  if (writer) return writer;
  const s = settings!;
  writer = await openRotatingHdf5Writer({
    dir: s.dir,
    prefix: s.prefix,
    dateInName: s.dateInName,
    layout: s.layout,
    chunkRows: s.chunkRows,
    compression: s.compression,
    maxBytes: s.rotateBytes,
    maxSeconds: s.rotateSeconds,
    config: s.config,
    softwareVersion: s.softwareVersion,
    runStart: new Date(s.runStartMs),
    onFileClosed: (result) => {
      closedFiles.push(result);
      report({
        kind: "log",
        level: result.complete ? "info" : "warn",
        text: `closed ${result.path} (${Object.values(result.rows).reduce((a, b) => a + b, 0)} ` +
          `rows, complete=${result.complete ? 1 : 0}${result.error ? `: ${result.error}` : ""})`,
      });
    },
  });
  files = 1;
  report({ kind: "log", level: "info", text: `writing ${writer.path}` });
  return writer;
}

/** Writes everything new in every ring to HDF5, then reports progress. */
async function flush(): Promise<void> {
  lastFlush = performance.now();
  flushQueued = false;
  if (failed) return;
  for (const r of rings.values()) await flushRing(r);
  reportProgress();
}

function reportProgress(): void {
  report({ kind: "progress", rows, flushes, files, path: writer?.path ?? "" });
}

/**
 * Sets ring `r`'s chunks from its first batch (the writer's `chunk_rows`, else whole messages
 * of `first`'s rows up to 1 MiB a chunk) and its gatherer: writes of whole chunks, about
 * WRITE_BYTES each. HDF5 rewrites a chunk that a write ends inside (reading it back, and with a
 * filter decompressing and compressing it again): that halved the compressed writes.
 */
function openGatherer(r: Ring, first: arrow.RecordBatch): void {
  const chunkRows = settings!.chunkRows ?? alignedChunkRows(r.source, first.schema, first.numRows);
  r.chunkRows = chunkRows;
  r.gatherer = openBatchGatherer(first.schema, Number.MAX_SAFE_INTEGER, WRITE_BYTES, chunkRows);
}

/** Writes everything new in ring `r` to HDF5, moving its read_tail after each write. */
async function flushRing(r: Ring): Promise<void> {
  const s = settings!;
  if (s.crashAfterRows !== undefined && !crashed && rows >= s.crashAfterRows) {
    crashed = true;
    throw new Error(`crash_flusher_after = ${s.crashAfterRows}: crashing on purpose`);
  }
  // Records are joined into writes of about WRITE_BYTES (append layout: fewer HDF5 flushes),
  // and read_tail moves after each write, so that a blocked writer gets room early.
  /** The newest record read whose rows are written or held (read_tail goes past it). */
  let last: RingFileRecord | undefined;
  let wrote = 0;
  const write = async (batch: arrow.RecordBatch, records: number) => {
    const w = await ensureWriter();
    const before = w.path;
    w.writeBatch(r.source, batch, {
      lost: r.lostBefore + r.lostAtOpen + r.lostSeen,
      origin: r.origin,
      timestampNs: last!.timestampNs,
      ringTail: BigInt(last!.end),
      chunkRows: r.chunkRows || undefined,
    });
    rows += batch.numRows;
    r.rowsInFile = w.path === r.file ? r.rowsInFile + batch.numRows : batch.numRows;
    r.file = w.path;
    if (w.path !== before) {
      files++;
      report({ kind: "log", level: "info", text: `writing ${w.path}` });
    }
    wrote += records;
  };
  let held = 0;
  /** Writes the held rows, then moves read_tail past `last`. */
  const writeHeld = async () => {
    if (last === undefined) return;
    if (held > 0) await write(r.gatherer!.take(), held);
    held = 0;
    r.consumer.commit(last);
    last = undefined;
  };
  for (let rec = r.consumer.next(); rec !== null; rec = r.consumer.next()) {
    r.lostSeen += rec.lostBefore;
    if (rec.type !== RING_FILE_ARROW_BATCH) {
      last = rec;
      continue;
    }
    const batch = rec.batch;
    const n = batch.numRows;
    if (r.chunkRows === 0 && s.layout === "append") openGatherer(r, batch);
    const gatherer = r.gatherer;
    if (gatherer === undefined || !gatherer.accepts(batch) || n > gatherer.capacity) {
      await writeHeld();
      last = rec;
      await write(batch, 1);
      await writeHeld();
      continue;
    }
    // Rows that fit before a chunk boundary (each write ends on one when messages are alike).
    const room = () => gatherer.capacity - r.rowsInFile % r.chunkRows;
    if (gatherer.rows + n > room()) await writeHeld();
    gatherer.add(batch);
    held++;
    last = rec;
    if (gatherer.rows >= room()) await writeHeld();
  }
  await writeHeld();
  // Losses noticed after the last record (the writer lapped us) still reach the file.
  if (wrote === 0 && r.lostSeen > 0 && writer) {
    writer.setLost(r.source, r.lostBefore + r.lostAtOpen + r.lostSeen);
  }
  r.consumer.commit();
  flushes++;
}

/** Writes what is left in a ring whose writer is closed or gone, then lets the ring go. */
async function drain(path: string): Promise<void> {
  const r = rings.get(path);
  if (!r) return report({ kind: "drained", path, ringLost: 0, source: undefined });
  await flushRing(r);
  reportProgress();
  const lost = r.consumer.status().lostRecords;
  r.consumer.close();
  rings.delete(path);
  report({ kind: "drained", path, ringLost: lost, source: r.source });
}

function closeWriter(): void {
  if (!writer) return;
  writer.close();
  writer = undefined;
}

function fail(error: unknown): void {
  failed = true;
  const text = errorText(error);
  try {
    closeWriter(); // leaves complete = 0 and the error in the file after a failed write
  } catch (closeError) {
    report({
      kind: "log",
      level: "warn",
      text: `closing after the failure: ${errorText(closeError)}`,
    });
  }
  report({ kind: "failed", error: text });
}

/** Errors that say the HDF5 file or the ring file cannot be used: restarting does not help. */
function isPermanent(error: unknown): boolean {
  const name = error instanceof Error ? error.name : "";
  return error instanceof RingFileError || name === "Hdf5WriteError" ||
    name === "Hdf5SchemaError" || name === "NotCapable" || name === "PermissionDenied";
}

/** Runs `step` in order after the earlier requests; permanent errors are reported, others crash. */
function enqueue(step: () => void | Promise<void>): void {
  queue = queue.then(async () => {
    if (failed) return;
    try {
      await step();
    } catch (error) {
      if (isPermanent(error)) return fail(error);
      // Anything else is a bug or a crash: end this Worker so that the job restarts it.
      setTimeout(() => {
        throw error;
      });
    }
  });
}

scope.onmessage = (e: MessageEvent<FlusherRequest>) => {
  const req = e.data;
  switch (req.kind) {
    case "init":
      settings = req.settings;
      setHdf5TempDir(settings.tempDir); // not /tmp: the job may write only its own paths
      lastFlush = performance.now();
      setInterval(() => {
        if (rings.size === 0 || flushQueued || performance.now() - lastFlush < settings!.flushMs) {
          return;
        }
        flushQueued = true;
        enqueue(flush);
      }, Math.min(settings.flushMs, 100));
      break;
    case "open":
      enqueue(() => openRing(req.path, req.lostBefore));
      break;
    case "histogram":
      enqueue(async () => (await ensureWriter()).writeHistogram(req.source, req.histogram));
      break;
    case "flush":
      enqueue(flush);
      break;
    case "drain":
      enqueue(() => drain(req.path));
      break;
    case "finish":
      enqueue(async () => {
        for (const path of [...rings.keys()]) await drain(path);
        closeWriter();
        report({ kind: "finished", results: closedFiles });
      });
      break;
  }
};
