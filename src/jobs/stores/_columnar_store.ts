/**
 * What `store.arrow` and `store.parquet` share: one file per input route key (a file holds one
 * schema), rotation by size and time like the other file stores, a flush every
 * `flush_interval`, and the resolved config in each file's key-value metadata.
 */
import type { RecordBatch } from "apache-arrow";
import { nextFileName } from "../../formats/file_name.ts";
import { RecordType } from "../../transport/payload.ts";
import { VERSION } from "../../version.ts";
import type { JobConfig, SupervisorConfig } from "../../config/types.ts";
import { lz4Libraries, ROOT_CODEC_FILES } from "../../formats/root/codec_files.ts";
import type { JobContext } from "../../job/mod.ts";
import { storeDir } from "./_file_store.ts";

/**
 * What a columnar store may touch: its folder, the LZ4 codec's WebAssembly file (read when the
 * writer is imported) and, with `compression = "lz4"`, the system's liblz4.
 */
export function columnarStorePermissions(
  job: Pick<JobConfig, "name"> & { fields: { out_dir?: string; compression: string } },
  supervisor: SupervisorConfig,
): Deno.PermissionOptionsObject {
  const dir = storeDir(job, supervisor);
  const ffi = job.fields.compression === "lz4" ? lz4Libraries() : [];
  return { read: [dir, ...ROOT_CODEC_FILES], write: [dir], ...(ffi.length ? { ffi } : {}) };
}

/** Why a columnar store gets each permission (`daq check`). */
export const COLUMNAR_STORE_PERMISSIONS_WHY: Readonly<Record<string, string>> = {
  read: "its folder; the LZ4 codec's WebAssembly file, loaded when the writer is imported",
  write: "its folder",
  ffi: "with lz4: the system's liblz4 only (LZ4 at native speed; without it, WebAssembly)",
};

/** An open columnar file, as the format writers return it. */
export interface ColumnarFile {
  /** Bytes written to the file. */
  readonly bytes: number;
  /** Bytes held to be written (Arrow's gathered record batch, Parquet's row group). */
  readonly bufferedBytes: number;
  readonly rows: number;
  write(batch: RecordBatch): void;
  /**
   * What every `flush_interval` does: writes what the format holds back until then (Arrow's
   * gathered record batch; not Parquet's row group, which waits for its size) and makes what
   * was written durable.
   */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** How one columnar store makes its files. */
export interface ColumnarFormat {
  /** Extension with its dot. */
  ext: string;
  /** Opens a new file at `path` (which does not exist) with this key-value metadata. */
  open(path: string, metadata: Record<string, string>): ColumnarFile;
}

/** Fields every columnar store has (besides the file store's). */
interface ColumnarFields {
  out_dir?: string;
  prefix?: string;
  date_in_name: boolean;
  flush_interval: number;
  rotate_size: number;
  rotate_interval?: number;
}

interface OpenFile {
  file: ColumnarFile;
  path: string;
  openedAt: number;
  dirty: boolean;
}

/** Runs a columnar store until its inputs end; closes every file, also on failure. */
export async function runColumnarStore(
  ctx: JobContext<ColumnarFields>,
  format: ColumnarFormat,
): Promise<void> {
  const f = ctx.fields;
  const dir = storeDir({ name: ctx.job.name, fields: f }, ctx.supervisor);
  const prefix = f.prefix ?? ctx.job.name;
  await Deno.mkdir(dir, { recursive: true });
  const files = new Map<string, OpenFile>();
  const totals = { files: 0, rows: 0, closedBytes: 0, flushes: 0 };
  const ignoredKeys = new Set<string>();
  let lastFlush = performance.now();

  const report = () => {
    let open = 0;
    for (const { file } of files.values()) open += file.bytes + file.bufferedBytes;
    ctx.setFigure("files", totals.files);
    ctx.setFigure("rows", totals.rows);
    ctx.setFigure("file_bytes", totals.closedBytes + open);
    ctx.setFigure("flushes", totals.flushes);
  };
  const close = async (key: string) => {
    const open = files.get(key);
    if (!open) return;
    files.delete(key);
    await open.file.close();
    totals.closedBytes += open.file.bytes;
    report();
    ctx.reportFile({ path: open.path, rows: open.file.rows, bytes: open.file.bytes });
    ctx.log(`closed ${open.path} (${open.file.rows} rows, ${open.file.bytes} bytes)`);
  };
  const openFor = (key: string): OpenFile => {
    const started = new Date();
    const keyPart = key.replace(/[^A-Za-z0-9_.-]/g, "_");
    const path = nextFileName(dir, `${prefix}_${keyPart}`, {
      ext: format.ext,
      date: f.date_in_name ? started : null,
    });
    const file = format.open(path, {
      daq_version: VERSION,
      daq_job: ctx.job.name,
      daq_route_key: key,
      daq_started: started.toISOString(),
      daq_config: ctx.configJson,
    });
    const open = { file, path, openedAt: performance.now(), dirty: false };
    files.set(key, open);
    totals.files++;
    report();
    ctx.log(`writing ${path}`);
    return open;
  };
  const needsNewFile = (open: OpenFile) =>
    open.file.rows > 0 &&
    (open.file.bytes + open.file.bufferedBytes >= f.rotate_size ||
      (f.rotate_interval !== undefined && performance.now() - open.openedAt >= f.rotate_interval));
  // The fdatasyncs of a flush run off this thread while writes go on; one flush at a time.
  let flushing: Promise<void> | undefined;
  let flushError: unknown;
  const flush = () => {
    // While a sync is still running, the next message or tick tries again.
    if (flushing) return;
    lastFlush = performance.now();
    const dirty = [...files.values()].filter((open) => open.dirty);
    if (dirty.length === 0) return;
    for (const open of dirty) open.dirty = false;
    totals.flushes++;
    const synced = dirty.map((open) => ({
      path: open.path,
      rows: open.file.rows,
      file: open.file,
    }));
    flushing = Promise.all(dirty.map((open) => open.file.sync())).then(
      () => {
        report();
        // For the run's manifest: the rows made durable by this sync, the bytes on disk now.
        for (const s of synced) ctx.reportFile({ path: s.path, rows: s.rows, bytes: s.file.bytes });
      },
      (e) => void (flushError ??= e),
    ).finally(() => (flushing = undefined));
  };
  const timer = setInterval(() => {
    if (performance.now() - lastFlush >= f.flush_interval) flush();
  }, f.flush_interval);

  let failure: unknown;
  try {
    for await (const msg of ctx.receive()) {
      if (msg.type !== RecordType.arrow) {
        if (!ignoredKeys.has(msg.key)) {
          ignoredKeys.add(msg.key);
          ctx.warn(`route "${msg.key}" sends messages that are not Arrow tables: ignored`);
        }
        continue;
      }
      const batch = ctx.batchOf(msg);
      ctx.countRows(batch.numRows);
      let open = files.get(msg.key);
      if (open && needsNewFile(open)) {
        await close(msg.key);
        open = undefined;
      }
      open ??= openFor(msg.key);
      try {
        open.file.write(batch);
      } catch (e) {
        // A batch of other columns: the file keeps its schema, a new file takes the batch.
        if (!(e instanceof Error && /one schema/.test(e.message))) throw e;
        ctx.warn(`route "${msg.key}" sends different columns: starting a new file`);
        await close(msg.key);
        open = openFor(msg.key);
        open.file.write(batch);
      }
      open.dirty = true;
      totals.rows += batch.numRows;
      if (flushError !== undefined) throw flushError;
      if (performance.now() - lastFlush >= f.flush_interval) flush();
    }
  } catch (e) {
    failure = e;
  } finally {
    clearInterval(timer);
    await flushing;
    for (const key of [...files.keys()]) {
      try {
        await close(key);
      } catch (e) {
        if (failure === undefined) failure = e;
        else ctx.warn(`closing after the failure also failed: ${e}`);
      }
    }
  }
  if (failure === undefined) failure = flushError;
  if (failure !== undefined) throw failure;
}
