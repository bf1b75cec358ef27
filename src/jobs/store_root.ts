/**
 * `store.root`: CERN ROOT files holding one TTree per input route key (or one tree named by
 * `tree_name`), one branch per column, written with the native writer in `src/formats/root`.
 * Every `flush_interval` the trees are flushed, after which the file on disk is complete and
 * readable (ROOT, uproot, JSROOT) while the run goes on. A new file is started past
 * `rotate_size` or `rotate_interval`, or when a tree's columns change; a new file never
 * overwrites an old one. Each tree's title is a JSON record of the daq version, the start
 * time of the file and the resolved config it was written under.
 */
import type { RecordBatch, Schema } from "apache-arrow";
import { nextFileName } from "../formats/file_name.ts";
import {
  openRootWriter,
  type RootColumn,
  rootColumnsFromArrowSchema,
  type RootCompression,
  type RootCompressionAlgorithm,
  type RootWriter,
} from "../formats/root/mod.ts";
import { RecordType } from "../transport/payload.ts";
import { VERSION } from "../version.ts";
import { hostJob, type JobContext } from "./host.ts";
import { storeDir } from "./registry.ts";

/** A `store.root` setting that cannot work; the message names the key. */
export class RootStoreError extends Error {
  override name = "RootStoreError";
}

/** The basket compression of a `store.root` job's fields; throws RootStoreError if invalid. */
export function rootStoreCompression(fields: Record<string, unknown>): RootCompression {
  const algorithm = fields.compression as RootCompressionAlgorithm;
  const level = fields.compression_level as number | undefined;
  if (algorithm === "none" || level === undefined) return { algorithm };
  const max = algorithm === "zstd" ? 22 : 9;
  if (level > max) {
    throw new RootStoreError(
      `compression_level: ${algorithm} takes levels 1-${max}, got ${level}`,
    );
  }
  return { algorithm, level };
}

/** The title given to every tree: JSON with the daq version, file start time and config. */
export function rootTreeTitle(jobName: string, configJson: string, started: Date): string {
  return `{"daq":${JSON.stringify(VERSION)},"store":"store.root","job":${
    JSON.stringify(jobName)
  },"started":${JSON.stringify(started.toISOString())},"config":${configJson}}`;
}

/** One open file: its writer and the column layout of each tree in it. */
interface OpenFile {
  writer: RootWriter;
  path: string;
  openedAt: number;
  treeColumns: Map<string, string>;
  entries: number;
  dirty: boolean;
}

/** Runs the `store.root` job. */
export async function run(ctx: JobContext): Promise<void> {
  const f = ctx.job.fields;
  const dir = storeDir(ctx.job, ctx.supervisor);
  const prefix = (f.prefix as string | undefined) ?? ctx.job.name;
  const treeName = f.tree_name as string | undefined;
  const flushMs = f.flush_interval as number;
  const rotateBytes = f.rotate_size as number;
  const rotateMs = f.rotate_interval as number | undefined;
  const compression = rootStoreCompression(f);
  const basketBytes = f.basket_bytes as number;
  await Deno.mkdir(dir, { recursive: true });

  let file: OpenFile | undefined;
  const totals = { files: 0, entries: 0, closedBytes: 0, flushes: 0 };
  let lastFlush = performance.now();
  const ignoredKeys = new Set<string>();

  const report = () => {
    ctx.setFigure("files", totals.files);
    ctx.setFigure("entries", totals.entries);
    ctx.setFigure("file_bytes", totals.closedBytes + (file?.writer.fileSize ?? 0));
    ctx.setFigure("flushes", totals.flushes);
  };
  // The fdatasyncs of a flush run off this thread while appends go on; one flush at a time.
  let flushing: Promise<void> | undefined;
  let flushError: unknown;
  const flush = () => {
    if (flushing) return;
    lastFlush = performance.now();
    if (!file?.dirty) return;
    file.dirty = false;
    totals.flushes++;
    flushing = file.writer.flushAsync().then(report, (e) => void (flushError ??= e))
      .finally(() => (flushing = undefined));
  };
  const close = async () => {
    if (!file) return;
    const closing = file;
    file = undefined;
    await flushing;
    if (closing.dirty) totals.flushes++;
    closing.writer.close();
    totals.closedBytes += closing.writer.fileSize;
    report();
    ctx.log(
      `closed ${closing.path} (${closing.entries} entries, ${closing.writer.fileSize} bytes)`,
    );
  };
  const open = async (): Promise<OpenFile> => {
    await close();
    const started = new Date();
    const path = nextFileName(dir, prefix, { ext: ".root", date: f.date_in_name ? started : null });
    // Claim the name exclusively first: the writer itself truncates what it opens.
    Deno.openSync(path, { write: true, createNew: true }).close();
    const writer = openRootWriter(path, {
      compression,
      basketBytes,
      syncOnFlush: f.sync as boolean,
    });
    file = {
      writer,
      path,
      openedAt: performance.now(),
      treeColumns: new Map(),
      entries: 0,
      dirty: false,
    };
    totals.files++;
    report();
    ctx.log(`writing ${path}`);
    return file;
  };
  const needsNewFile = (current: OpenFile | undefined, tree: string, columns: string) => {
    if (!current) return true;
    const known = current.treeColumns.get(tree);
    if (known !== undefined && known !== columns) {
      ctx.warn(`tree '${tree}' gets different columns: starting a new file`);
      return true;
    }
    if (current.entries === 0) return false;
    const bytes = current.writer.fileSize + current.writer.bufferedBytes;
    return bytes >= rotateBytes ||
      (rotateMs !== undefined && performance.now() - current.openedAt >= rotateMs);
  };
  // Decoded batches share one Schema object while the stream's schema stays the same.
  let lastSchema: Schema | undefined;
  let lastColumns: { columns: RootColumn[]; layout: string } | undefined;
  const columnsOf = (schema: Schema) => {
    if (schema !== lastSchema || !lastColumns) {
      // Throws RootSchemaError naming the column before any file is touched.
      const columns = rootColumnsFromArrowSchema(schema);
      lastColumns = { columns, layout: JSON.stringify(columns) };
      lastSchema = schema;
    }
    return lastColumns;
  };
  const append = async (tree: string, batch: RecordBatch) => {
    const { columns, layout } = columnsOf(batch.schema);
    const target = needsNewFile(file, tree, layout) ? await open() : file!;
    if (!target.treeColumns.has(tree)) {
      target.writer.addTree(tree, columns, rootTreeTitle(ctx.job.name, ctx.configJson, new Date()));
      target.treeColumns.set(tree, layout);
    }
    target.writer.append(tree, batch);
    target.entries += batch.numRows;
    target.dirty = true;
    totals.entries += batch.numRows;
  };

  const timer = setInterval(() => {
    if (performance.now() - lastFlush >= flushMs) flush();
  }, flushMs);
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
      await append(treeName ?? msg.key, batch);
      if (flushError !== undefined) throw flushError;
      if (performance.now() - lastFlush >= flushMs) flush();
    }
  } catch (e) {
    failure = e;
  } finally {
    clearInterval(timer);
    try {
      await close();
    } catch (e) {
      if (failure === undefined) failure = e;
      else ctx.warn(`closing after the failure also failed: ${e}`);
    }
  }
  if (failure === undefined) failure = flushError;
  if (failure !== undefined) throw failure;
}

if (import.meta.main) hostJob(run);
