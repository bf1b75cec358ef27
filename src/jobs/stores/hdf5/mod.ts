/**
 * `store.hdf5`: HDF5 files written in two stages so that the acquisition never waits on HDF5.
 *
 * The job's Worker (the front) takes Arrow batches off its input rings and copies each one into
 * a memory-mapped ring file (`ring_path`, by default in /dev/shm). A flusher in its own nested
 * Worker (`_flusher.ts`) reads what is new in the ring file every `flush_interval`, writes
 * it to HDF5 and only then moves the ring's read_tail. With `overrun = "block"` the front waits
 * for the flusher when the ring file is full (lossless); with `"overwrite"` the oldest records
 * are overwritten and counted (`lost_records`, in stats and in the HDF5 files).
 *
 * Other programs may follow the ring file while it is written (`daq tail`,
 * `tools/python/daq_ring.py`); they never move read_tail.
 *
 * One ring file carries one route key and one schema (the key is the schema metadata
 * `daq.source` and the HDF5 source name, `/<key>/<column>` in the file). A job with several
 * input keys keeps one ring file per key (`_ring_file_path.ts` names them), made when the key's
 * first batch arrives; the one flusher follows them all and writes them to the same HDF5 file.
 * When a key's schema changes, the front waits until the flusher has written everything of that
 * key's ring, then re-creates it (fine for a rare change).
 *
 * If the flusher Worker crashes, the front restarts it (counted in `flusher_restarts`); it
 * resumes at each ring's read_tail in a new HDF5 file. If the whole job restarts, what its
 * previous run left in its ring files is written to HDF5 first. A file written across a flusher
 * crash keeps `complete = 0`.
 */
import { histogramOfBatch } from "../../../transport/histogram.ts";
import { hdf5Histogram } from "./_histogram.ts";
import type { Hdf5Histogram } from "../../../formats/hdf5/mod.ts";
import type * as arrow from "apache-arrow";
import { Schema } from "apache-arrow";
import { fileURLToPath } from "node:url";
import {
  claimRingFile,
  createRingFile,
  ENOENT,
  openRingFile,
  type OverrunPolicy,
  removeRingFile,
  type RingFileClaim,
  RingFileError,
  ringFileMaxPayload,
  type RingFileReader,
  RingFileRecordTooLargeError,
  RingFileRefusedError,
  type RingFileWriter,
  RingFullError,
  type RingStatus,
} from "../../../dataplane/mod.ts";
import { RecordType } from "../../../transport/payload.ts";
import { VERSION } from "../../../version.ts";
import {
  HDF5_COMPRESSION_ALGORITHMS,
  type Hdf5Compression,
  type Hdf5CompressionAlgorithm,
  hdf5CompressionProblem,
} from "../../../formats/hdf5/mod.ts";
import {
  defineJob,
  type FieldValues,
  type InputSchema,
  type JobContext,
  PermanentJobError,
} from "../../../job/mod.ts";
import { FILE_STORE_FIELDS, storeDir } from "../_file_store.ts";
import { Hdf5StoreError } from "../errors.ts";
import {
  FLUSHER_CODE_DIRS,
  FLUSHER_MODULE,
  type FlusherReport,
  type FlusherRequest,
  type FlusherSettings,
  ORIGIN_METADATA_KEY,
  SOURCE_METADATA_KEY,
} from "./_flusher_protocol.ts";
import {
  hdf5TempDir,
  keyRingFilePath,
  listRingFiles,
  makeRingFileDir,
  ringFileDir,
  ringFileGrant,
  ringFilePath,
  ringFilePerKey,
} from "./_ring_file_path.ts";

export { Hdf5StoreError } from "../errors.ts";

const FIELDS = {
  ...FILE_STORE_FIELDS,
  layout: {
    type: "string",
    choices: ["append", "batches"],
    default: "append",
    doc: "append: one growing dataset per column (SWMR); batches: one group per batch",
  },
  chunk_rows: {
    type: "number",
    integer: true,
    positive: true,
    doc: "rows per HDF5 chunk; default: as many whole messages as fit 1 MiB of a column",
  },
  compression: {
    type: "string",
    choices: [...HDF5_COMPRESSION_ALGORITHMS],
    default: "none",
    doc: "one HDF5 filter per column dataset: lz4, bitshuffle-lz4 (Debian: hdf5-filter-plugin, " +
      "bitshuffle), zstd (no Debian 12 reader), gzip",
  },
  compression_level: {
    type: "number",
    integer: true,
    min: 1,
    max: 22,
    doc: "gzip 1-9 (default 1), zstd 1-22 (default 1); lz4 and bitshuffle-lz4 take none",
  },
  shuffle: {
    type: "boolean",
    doc:
      "byte shuffle: only false is accepted (one filter per dataset; bitshuffle-lz4 shuffles bits)",
  },
  gzip: {
    type: "number",
    integer: true,
    min: 0,
    max: 9,
    default: 0,
    doc: '0 = off; N is compression = "gzip" with compression_level = N',
  },
  ring_file_size: {
    type: "size",
    default: "100MiB",
    min: 64 * 1024,
    doc: "data region of the ring file (ring_size is the SharedArrayBuffer input ring)",
  },
  ring_path: {
    type: "string",
    doc: "the ring file; default /dev/shm/daq-<supervisor>-<job>.ring; several input " +
      "keys: one <key>.ring per key in the folder <ring_path without .ring>.rings",
  },
  overrun: {
    type: "string",
    choices: ["block", "overwrite"],
    default: "block",
    doc: "ring file full: block (wait for the flusher, lossless) or overwrite (counted)",
  },
  crash_flusher_after: {
    type: "number",
    integer: true,
    positive: true,
    doc: "crash the flusher once after this many rows (to exercise its restart)",
  },
} as const;

/** The dataset compression of a `store.hdf5` job's fields (`gzip = N` as gzip level N). */
export function hdf5StoreCompression(
  fields: { compression: string; compression_level?: number; shuffle?: boolean; gzip: number },
): Hdf5Compression {
  if (fields.gzip > 0 && fields.compression === "none") {
    return { algorithm: "gzip", level: fields.gzip };
  }
  return {
    algorithm: fields.compression as Hdf5CompressionAlgorithm,
    ...(fields.compression_level === undefined ? {} : { level: fields.compression_level }),
    ...(fields.shuffle === undefined ? {} : { shuffle: fields.shuffle }),
  };
}

/**
 * What the inputs of a `store.hdf5` job send that it cannot store: a column name HDF5 cannot
 * hold, or a batch larger than the ring file takes (known at config time when the producer
 * says how large its messages are).
 */
function checkHdf5Inputs(
  ringFileBytes: number,
  inputs: InputSchema[],
): string | { key: string; problem: string } | undefined {
  for (const input of inputs) {
    for (const field of input.schema?.fields ?? []) {
      if (field.name.includes("/") || field.name === "." || field.name === "..") {
        return `job "${input.from}" sends column ${JSON.stringify(field.name)}: an HDF5 name ` +
          `cannot hold "/" or be "." or ".."`;
      }
    }
    const limit = ringFileMaxPayload(ringFileBytes);
    if (input.messageBytes !== undefined && input.messageBytes > limit) {
      const header = Math.floor(Math.floor(ringFileBytes / 8) * 8 / 4) - limit;
      const needKiB = Math.ceil(4 * (input.messageBytes + header) / 1024);
      return {
        key: "ring_file_size",
        problem: `a ring file of ${ringFileBytes} bytes takes records of at most ${limit} ` +
          `bytes (a quarter of it, less a header); job "${input.from}" sends batches of up ` +
          `to ${input.messageBytes} bytes; raise ring_file_size to at least ${needKiB}KiB`,
      };
    }
  }
  return undefined;
}

/** `store.hdf5`: HDF5 files through a ring file and a background flusher. */
export default defineJob({
  role: "store",
  summary: "HDF5 files via a memory-mapped ring file drained by a background flusher",
  fields: FIELDS,
  check(fields) {
    if (fields.gzip > 0 && fields.compression !== "none") {
      return { key: "gzip", problem: 'give either gzip = N or compression = "...", not both' };
    }
    const problem = hdf5CompressionProblem(hdf5StoreCompression(fields));
    if (problem === undefined) return undefined;
    const key = /compression_level/.test(problem)
      ? "compression_level"
      : /shuffle/.test(problem)
      ? "shuffle"
      : "compression";
    return { key, problem };
  },
  // ffi: libc for the ring file (open, mmap, futex, flock, posix_fallocate, statx) and its
  // folder (mkdir, opendir). read on src/ and node_modules/: the job starts the flusher as a
  // nested Worker, whose modules load with the job's permissions. No env: h5wasm sees a stub
  // environment (formats/hdf5/_environment.ts). Not /tmp, one folder in it: h5wasm's libc puts
  // its temporary files (HDF5 error stacks) there instead (hdf5TempDir).
  permissions(job, supervisor) {
    const dir = storeDir(job, supervisor);
    const ring = ringFileGrant(job, supervisor);
    const temp = hdf5TempDir(job, supervisor);
    const code = FLUSHER_CODE_DIRS.filter((u) => u.protocol === "file:").map((u) =>
      fileURLToPath(u).replace(/\/$/, "")
    );
    return { read: [dir, ring, temp, ...code], write: [dir, ring, temp], ffi: true };
  },
  permissionsWhy: {
    read: "its HDF5 folder, its ring file (or folder of them), the folder in /tmp for HDF5's " +
      "temporary files; src/ and node_modules/ to load its flusher Worker's code",
    write: "its HDF5 folder, its ring file (or folder of them), the folder in /tmp for " +
      "HDF5's temporary files (h5wasm's libc would use /tmp itself)",
    env: "msgpackr's switch only; h5wasm gets a stub environment instead of the process's",
    ffi: "libc for the memory-mapped ring file (open, mmap, futex, flock, fallocate, statx); " +
      "FFI cannot be scoped to these calls: with it a job can do what the process can",
  },
  checkInputs: (job, inputs) => checkHdf5Inputs(job.fields.ring_file_size, inputs),
  ownPaths: (job, supervisor) => [{ key: "ring_path", path: ringFileGrant(job, supervisor) }],
  run,
});

type Hdf5Context = JobContext<FieldValues<typeof FIELDS>>;

/** Flusher crashes in a row, without a flush in between, before the job gives up. */
const FLUSHER_RESTART_LIMIT = 5;
/** How long one blocked write into the ring file waits before the front looks around. */
const BLOCK_SLICE_MS = 50;

/** The flusher Worker seen from the front: requests, replies, restarts after crashes. */
class Flusher {
  restarts = 0;
  rows = 0;
  flushes = 0;
  files = 0;
  /** Files of earlier flusher Workers (each starts a new file). */
  #filesBefore = 0;
  /** Set when the flusher failed for good; the job must fail. */
  error: Hdf5StoreError | undefined;
  #worker: Worker | undefined;
  #ctx: JobContext;
  #settings: FlusherSettings;
  /** Ring files followed: path -> records of their source lost in earlier ring files. */
  #rings = new Map<string, number>();
  /** The request awaited now (drain or finish), resent to a restarted Worker. */
  #awaited:
    | {
      request: Extract<FlusherRequest, { kind: "drain" | "finish" }>;
      resolve: (r: FlusherReport) => void;
    }
    | undefined;
  #crashesInRow = 0;
  readonly #histograms = new Map<string, Extract<FlusherRequest, { kind: "histogram" }>>();

  constructor(ctx: JobContext, settings: FlusherSettings) {
    this.#ctx = ctx;
    this.#settings = settings;
    this.#start();
  }

  #start(): void {
    const worker = new Worker(FLUSHER_MODULE, {
      type: "module",
      name: `${this.#ctx.job.name}-flusher`,
    });
    this.#worker = worker;
    worker.onmessage = (e: MessageEvent<FlusherReport>) => {
      if (this.#worker === worker) this.#onReport(e.data);
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      if (this.#worker === worker) this.#onCrash(e.message);
    };
    this.#post({ kind: "init", settings: this.#settings });
    for (const [path, lostBefore] of this.#rings) this.#post({ kind: "open", path, lostBefore });
    for (const req of this.#histograms.values()) this.#post(req);
    if (this.#awaited) this.#post(this.#awaited.request);
  }

  #post(req: FlusherRequest): void {
    this.#worker?.postMessage(req);
  }

  #onCrash(message: string): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#filesBefore += this.files;
    this.files = 0;
    this.#crashesInRow++;
    // The test hook crashes the flusher once per job, not every restarted one.
    this.#settings = { ...this.#settings, crashAfterRows: undefined };
    if (this.#crashesInRow > FLUSHER_RESTART_LIMIT) {
      return this.#fail(`flusher crashed ${this.#crashesInRow} times in a row: ${message}`);
    }
    this.restarts++;
    this.#ctx.warn(
      `flusher crashed: ${message}; restart ${this.restarts} (resumes at the ring's read_tail ` +
        `in a new HDF5 file; the file it was writing keeps complete = 0)`,
    );
    this.#start();
  }

  #fail(error: string): void {
    this.error = new Hdf5StoreError(`HDF5 flusher failed: ${error}`);
    this.#worker?.terminate();
    this.#worker = undefined;
    const awaited = this.#awaited;
    this.#awaited = undefined;
    awaited?.resolve({ kind: "failed", error });
  }

  #onReport(msg: FlusherReport): void {
    switch (msg.kind) {
      case "progress":
        this.#crashesInRow = 0;
        this.rows = msg.rows;
        this.flushes = msg.flushes;
        this.files = msg.files;
        break;
      case "log":
        if (msg.level === "warn") this.#ctx.warn(msg.text);
        else this.#ctx.log(msg.text);
        break;
      case "failed":
        this.#fail(msg.error);
        break;
      case "drained":
      case "finished": {
        const awaited = this.#awaited;
        if (awaited?.request.kind === (msg.kind === "drained" ? "drain" : "finish")) {
          this.#awaited = undefined;
          awaited.resolve(msg);
        }
        break;
      }
    }
  }

  /** Total files started, across restarts. */
  get totalFiles(): number {
    return this.#filesBefore + this.files;
  }

  /** Follow this ring file (too) from its read_tail. */
  open(path: string, lostBefore: number): void {
    this.#rings.set(path, lostBefore);
    this.#post({ kind: "open", path, lostBefore });
  }

  /**
   * Writes a histogram of `source` (its newest snapshot replaces the one before; a restarted
   * flusher gets the newest again).
   */
  histogram(source: string, histogram: Hdf5Histogram): void {
    const req = { kind: "histogram", source, histogram } as const;
    this.#histograms.set(`${source}\u0000${histogram.name}`, req);
    this.#post(req);
  }

  /** Ask for a flush before the interval is up (the ring is filling). */
  flushSoon(): void {
    this.#post({ kind: "flush" });
  }

  #request(
    request: Extract<FlusherRequest, { kind: "drain" | "finish" }>,
  ): Promise<FlusherReport> {
    if (this.error) return Promise.resolve({ kind: "failed", error: this.error.message });
    return new Promise((resolve) => {
      this.#awaited = { request, resolve };
      this.#post(request);
    });
  }

  /** Writes what is left in ring file `path` (its writer is closed) and lets it go. */
  async drain(path: string): Promise<{ ringLost: number; source: string | undefined }> {
    const r = await this.#request({ kind: "drain", path });
    this.#rings.delete(path);
    if (r.kind === "failed") throw this.error;
    return r as { ringLost: number; source: string | undefined };
  }

  /** Writes what is left in every ring and closes the HDF5 file; resolves to the closed files. */
  async finish(): Promise<Extract<FlusherReport, { kind: "finished" }>["results"]> {
    const r = await this.#request({ kind: "finish" });
    this.#rings.clear();
    if (r.kind === "failed") throw this.error;
    return (r as Extract<FlusherReport, { kind: "finished" }>).results;
  }

  terminate(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
  }
}

/**
 * Looks at what is at the ring path before the job replaces it: nothing, or a ring file of this
 * user that no live writer holds (maybe with records a previous run did not get to write),
 * claimed (locked) until released. Anything else is an error naming the path: the job does not
 * delete a file it did not make, nor take a ring another run is writing, nor read a symbolic
 * link or another user's file into HDF5.
 */
function existingRing(path: string): RingFileClaim | undefined {
  // Through libc, not Deno.statSync: Deno refuses to stat paths under /dev without --allow-all.
  try {
    return claimRingFile(path);
  } catch (e) {
    if (e instanceof RingFileError && e.errno === ENOENT) return undefined;
    if (e instanceof RingFileRefusedError) throw new Hdf5StoreError(e.message);
    throw new Hdf5StoreError(
      `${path} exists but is not a usable daq ring file (${(e as Error).message}); ` +
        `remove it or set ring_path to another file`,
    );
  }
}

/**
 * Where each record of the current ring starts, to count the records that the writer has
 * overwritten (or is about to: they lie before `oldest`) before the flusher took them. The
 * flusher adds those to the header's lost_records only when it next reads; this shows them at
 * once. A flush in progress may still hold copies of the newest of them.
 */
class RecordStarts {
  #starts: number[] = [];
  #head = 0;
  /** Sequence number of `#starts[0]`. */
  #base = 0;

  reset(): void {
    this.#starts = [];
    this.#head = 0;
    this.#base = 0;
  }

  push(start: number): void {
    this.#starts.push(start);
  }

  overwrittenUnread(status: RingStatus): number {
    const starts = this.#starts;
    while (this.#head < starts.length && starts[this.#head] < status.oldest) this.#head++;
    if (this.#head > 4096 && this.#head * 2 > starts.length) {
      starts.splice(0, this.#head);
      this.#base += this.#head;
      this.#head = 0;
    }
    const firstKept = this.#base + this.#head;
    return Math.max(0, firstKept - status.readTailSeq);
  }
}

function fieldsKey(schema: arrow.Schema): string {
  return schema.fields.map((f) => `${f.name}:${f.type}`).join(",");
}

/** The ring file of one route key, seen from the front. */
interface KeyRing {
  key: string;
  path: string;
  /** Fields of the schema the ring was made for (a change re-creates the ring). */
  fields: string;
  /** The supervisor its records came from, if a remote link injected them (a change, too). */
  origin: string | undefined;
  writer: RingFileWriter;
  monitor: RingFileReader;
  /** Start positions of the records written, by sequence number. */
  starts: RecordStarts;
  lastFillCheck: number;
}

/** Runs a `store.hdf5` job. */
async function run(ctx: Hdf5Context): Promise<void> {
  const f = ctx.fields;
  const job = { name: ctx.job.name, inputs: ctx.job.inputs, fields: f };
  const dir = storeDir(job, ctx.supervisor);
  const perKey = ringFilePerKey(job);
  const ringDir = perKey ? ringFileDir(job, ctx.supervisor) : undefined;
  const capacityBytes = f.ring_file_size;
  const policy: OverrunPolicy = f.overrun;
  const flushMs = f.flush_interval;
  await Deno.mkdir(dir, { recursive: true });

  /** Ring files a previous run left (maybe with records it did not get to write). */
  const leftovers: { path: string; claim: RingFileClaim }[] = [];
  const releaseLeftovers = () => leftovers.forEach((l) => l.claim.release());
  try {
    if (ringDir === undefined) {
      const path = ringFilePath(job, ctx.supervisor);
      const claim = existingRing(path);
      if (claim) leftovers.push({ path, claim });
    } else {
      makeRingFileDir(ringDir);
      for (const name of listRingFiles(ringDir) ?? []) {
        const path = `${ringDir}/${name}`;
        const claim = existingRing(path);
        if (claim) leftovers.push({ path, claim });
      }
    }
  } catch (e) {
    releaseLeftovers();
    throw e;
  }

  const tempDir = hdf5TempDir(ctx.job, ctx.supervisor);
  makeRingFileDir(tempDir);
  const flusher = new Flusher(ctx, {
    dir,
    tempDir,
    prefix: f.prefix ?? ctx.job.name,
    dateInName: f.date_in_name,
    layout: f.layout,
    chunkRows: f.chunk_rows,
    compression: hdf5StoreCompression(f),
    rotateBytes: f.rotate_size,
    rotateSeconds: f.rotate_interval === undefined ? undefined : f.rotate_interval / 1000,
    flushMs,
    config: ctx.configJson,
    softwareVersion: `daq ${VERSION}`,
    runStartMs: Date.now(),
    crashAfterRows: ctx.restarts === 0 ? f.crash_flusher_after : undefined,
  });

  /** Records lost in ring files already drained, by source. */
  const lostBySource = new Map<string, number>();
  let lostDrained = 0;
  /** The open ring files, by route key. */
  const rings = new Map<string, KeyRing>();
  /** Every ring file this run made, with its stream id (removed after a clean end). */
  const made = new Map<string, bigint>();
  let schemaChanges = 0;
  let blockedMs = 0;

  const figures = () => {
    let lost = lostDrained;
    let fill = 0;
    for (const ring of rings.values()) {
      let status: RingStatus;
      try {
        status = ring.monitor.status();
      } catch {
        continue; // the ring file was truncated: its writer fails the job at its next write
      }
      lost += status.lostRecords + ring.starts.overwrittenUnread(status);
      fill = Math.max(fill, (status.writeHead - status.readTail) / status.capacityBytes);
    }
    ctx.setFigure("lost_records", lost);
    ctx.setFigure("ring_file_fill", fill);
    ctx.setFigure("hdf5_rows", flusher.rows);
    ctx.setFigure("files", flusher.totalFiles);
    ctx.setFigure("flushes", flusher.flushes);
    ctx.setFigure("flusher_restarts", flusher.restarts);
    ctx.setFigure("ring_blocked_ms", Math.round(blockedMs));
  };
  const timer = setInterval(figures, ctx.supervisor.statsIntervalMs);

  /** Has the flusher write what is left in ring file `path` and let it go. */
  const drainPath = async (path: string) => {
    const { ringLost, source } = await flusher.drain(path);
    lostDrained += ringLost;
    if (source !== undefined) lostBySource.set(source, (lostBySource.get(source) ?? 0) + ringLost);
  };

  const drainRing = async (ring: KeyRing) => {
    ring.writer.close();
    rings.delete(ring.key);
    try {
      await drainPath(ring.path);
    } finally {
      ring.monitor.close();
    }
  };

  const newRing = async (
    key: string,
    schema: arrow.Schema,
    origin: string | undefined,
  ): Promise<KeyRing> => {
    const old = rings.get(key);
    if (old) {
      await drainRing(old);
      if (++schemaChanges === 2) {
        ctx.warn(
          `the schema (or origin) of "${key}" changed again: each change waits for the flusher to write ` +
            `everything of the ring file before it is re-created`,
        );
      }
    }
    const path = keyRingFilePath(job, ctx.supervisor, key);
    const metadata = new Map(schema.metadata);
    metadata.set(SOURCE_METADATA_KEY, key);
    if (origin !== undefined) metadata.set(ORIGIN_METADATA_KEY, origin);
    const writer = createRingFile(path, {
      schema: new Schema(schema.fields, metadata),
      capacityBytes,
      policy,
      blockTimeoutMs: BLOCK_SLICE_MS,
      sizeCheckEvery: 1,
    });
    made.set(path, writer.streamId);
    const ring: KeyRing = {
      key,
      path,
      fields: fieldsKey(schema),
      origin,
      writer,
      monitor: openRingFile(path),
      starts: new RecordStarts(),
      lastFillCheck: 0,
    };
    rings.set(key, ring);
    flusher.open(path, lostBySource.get(key) ?? 0);
    ctx.log(`ring file ${path} (${capacityBytes} bytes, overrun = ${policy}) for "${key}"`);
    return ring;
  };

  const write = async (ring: KeyRing, batch: arrow.RecordBatch) => {
    for (;;) {
      if (flusher.error) throw flusher.error;
      try {
        const start = ring.writer.writeHead;
        ring.writer.write(batch);
        ring.starts.push(start);
        break;
      } catch (e) {
        if (e instanceof RingFileRecordTooLargeError) {
          // Every retry would fail the same way: raise ring_file_size.
          throw new PermanentJobError(`${e.message}; raise ring_file_size`);
        }
        if (!(e instanceof RingFullError)) throw e;
        // Full ring, block policy: the flusher is behind. Ask it to hurry, let messages in.
        blockedMs += BLOCK_SLICE_MS;
        flusher.flushSoon();
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    const now = performance.now();
    if (now - ring.lastFillCheck > 20) {
      ring.lastFillCheck = now;
      const s = ring.monitor.status();
      if (s.writeHead - s.readTail > s.capacityBytes / 2) flusher.flushSoon();
    }
  };

  let failure: unknown;
  try {
    for (const { path, claim } of leftovers) {
      const status = claim.status;
      if (status.uncommittedBytes > 0) {
        // records_written is exact only once the writer closed the ring (it is updated a few
        // times a lap): a killed writer's leftover is told in bytes.
        const what = status.writerClosed
          ? `${status.recordsWritten - status.readTailSeq} records`
          : `${status.uncommittedBytes} bytes of records (its writer was stopped without closing it)`;
        ctx.warn(
          `${path} holds ${what} that a previous run did not write to HDF5: writing them first`,
        );
        flusher.open(path, 0);
        await drainPath(path);
      }
      // Everything in it is in HDF5 now; a key that comes back gets a new ring file.
      claim.release();
      if (perKey) removeRingFile(path, status.streamId);
    }
    let last: KeyRing | undefined;
    for await (const msg of ctx.receive()) {
      if (msg.type !== RecordType.arrow) continue;
      const batch = ctx.batchOf(msg);
      ctx.countRows(batch.numRows);
      const histogram = histogramOfBatch(batch);
      if (histogram) {
        flusher.histogram(msg.key, hdf5Histogram(histogram));
        continue;
      }
      let ring = last?.key === msg.key ? last : rings.get(msg.key);
      if (!ring || ring.fields !== fieldsKey(batch.schema) || ring.origin !== msg.origin) {
        ring = await newRing(msg.key, batch.schema, msg.origin);
      }
      last = ring;
      await write(ring, batch);
    }
  } catch (e) {
    failure = e;
  }
  releaseLeftovers();
  clearInterval(timer);
  try {
    figures();
    if (!flusher.error) {
      for (const ring of [...rings.values()]) await drainRing(ring);
      const results = await flusher.finish();
      for (const r of results) {
        let bytes = 0;
        try {
          bytes = Deno.statSync(r.path).size;
        } catch {
          // reported without its size; the manifest hashes what is on disk
        }
        const rows = Object.values(r.rows).reduce((n, v) => n + v, 0);
        ctx.reportFile({ path: r.path, rows, bytes });
      }
      const incomplete = results.filter((r) => !r.complete);
      if (incomplete.length) {
        throw new Hdf5StoreError(
          `HDF5 files left incomplete: ${
            incomplete.map((r) => `${r.path} (${r.error})`).join(", ")
          }`,
        );
      }
      if (failure === undefined) {
        for (const [path, streamId] of made) {
          if (!removeRingFile(path, streamId)) {
            ctx.warn(`left ${path} in place: it is no longer the ring file this run made`);
          }
        }
        if (ringDir !== undefined) removeIfEmpty(ringDir);
      }
    }
  } catch (e) {
    failure ??= e;
  } finally {
    for (const ring of rings.values()) {
      ring.writer.close();
      ring.monitor.close();
    }
    rings.clear();
    flusher.terminate();
    removeIfEmpty(tempDir);
    figures();
  }
  if (failure !== undefined) throw failure;
  if (flusher.error) throw flusher.error;
}

/** Removes folder `path` unless something else was put in it. */
function removeIfEmpty(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (e) {
    if (
      !(e instanceof Deno.errors.NotFound) && !(e instanceof Error && /not empty/i.test(e.message))
    ) {
      throw e;
    }
  }
}
