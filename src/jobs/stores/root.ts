/**
 * `store.root`: CERN ROOT files holding one TTree per input route key (or one tree named by
 * `tree_name`), one branch per column, written with the native writer in `src/formats/root`.
 * Every `flush_interval` the trees are flushed, after which the file on disk is complete and
 * readable (ROOT, uproot, JSROOT) while the run goes on. A new file is started past
 * `rotate_size` or `rotate_interval`, or when a tree's columns change; a new file never
 * overwrites an old one. Each tree's title is a JSON record of the daq version, the start
 * time of the file and the resolved config it was written under. Each file is reported (path,
 * entries, bytes) after every flush and at its close, for the run's manifest. Baskets are
 * compressed off this thread by a RootCompressorPool started for the run (none when
 * compression is "none"); a failing compression Worker fails the job with its error.
 */
import { histogramOfBatch } from "../../transport/histogram.ts";
import { rootHistogram } from "./_histogram_root.ts";
import type { RecordBatch, Schema } from "apache-arrow";
import { nextFileName } from "../../formats/file_name.ts";
import {
  defaultCompressorWorkers,
  lz4Libraries,
  openRootWriter,
  ROOT_CODEC_FILES,
  ROOT_COMPRESSOR_CODE_DIRS,
  type RootColumn,
  rootColumnsFromArrowSchema,
  type RootCompression,
  type RootCompressionAlgorithm,
  RootCompressorPool,
  type RootWriter,
} from "../../formats/root/mod.ts";
import { RootSchemaError } from "../../formats/root/schema.ts";
import { fileURLToPath } from "node:url";
import { RecordType } from "../../transport/payload.ts";
import { VERSION } from "../../version.ts";
import { defineJob, type InputSchema } from "../../job/mod.ts";
import { FILE_STORE_FIELDS, storeDir } from "./_file_store.ts";
import { RootStoreError } from "./errors.ts";

export { RootStoreError } from "./errors.ts";

/** What is wrong with the compression level of a `store.root` job's fields, if anything. */
function compressionLevelProblem(
  fields: { compression: RootCompressionAlgorithm; compression_level?: number },
): string | undefined {
  const level = fields.compression_level;
  if (fields.compression === "none" || level === undefined) return undefined;
  const max = fields.compression === "zstd" ? 22 : 9;
  return level > max ? `expected 1 to ${max} for ${fields.compression}, got ${level}` : undefined;
}

/** The basket compression of a `store.root` job's fields; throws RootStoreError if invalid. */
export function rootStoreCompression(
  fields: { compression: RootCompressionAlgorithm; compression_level?: number },
): RootCompression {
  const problem = compressionLevelProblem(fields);
  if (problem) throw new RootStoreError(`compression_level: ${problem}`);
  const algorithm = fields.compression;
  const level = fields.compression_level;
  return algorithm === "none" || level === undefined ? { algorithm } : { algorithm, level };
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

/** `store.root`: every declared column fits a TTree leaf, and tree names are valid. */
function checkRootStoreInputs(
  treeName: string | undefined,
  inputs: InputSchema[],
): string | undefined {
  const treeColumns = new Map<string, { from: string; columns: string }>();
  for (const input of inputs) {
    const tree = treeName ?? input.key;
    if (/[\/;]/.test(tree)) {
      const what = treeName ? "tree_name" : `tree name (route key "${input.key}")`;
      return `${what} "${tree}" must not contain "/" or ";"`;
    }
    if (!input.schema) continue;
    let columns: string;
    try {
      columns = JSON.stringify(rootColumnsFromArrowSchema(input.schema));
    } catch (e) {
      if (!(e instanceof RootSchemaError)) throw e;
      return `job "${input.from}" sends ${e.message}`;
    }
    const other = treeColumns.get(tree);
    if (other && other.columns !== columns) {
      return `jobs "${other.from}" and "${input.from}" send different columns into tree "${tree}"`;
    }
    treeColumns.set(tree, { from: input.from, columns });
  }
  return undefined;
}

/** `store.root`: CERN ROOT files. */
export default defineJob({
  role: "store",
  summary: "CERN ROOT files: one TTree per route key (or tree_name), rotation by size and time",
  fields: {
    ...FILE_STORE_FIELDS,
    tree_name: { type: "string", doc: "tree for every input; default one tree per route key" },
    compression: {
      type: "string",
      choices: ["none", "zlib", "lz4", "zstd"],
      default: "zstd",
      doc: "basket compression",
    },
    compression_level: {
      type: "number",
      integer: true,
      min: 1,
      max: 22,
      doc: "1-9 for zlib and lz4, 1-22 for zstd; default zlib 1, lz4 4, zstd 1",
    },
    basket_bytes: {
      type: "size",
      default: "128KiB",
      doc: "uncompressed bytes per basket and branch",
    },
    sync: {
      type: "boolean",
      default: true,
      doc:
        "fdatasync the file at every flush (durable, but bound by the disk's synced write speed)",
    },
  },
  permissions(job, supervisor) {
    const dir = storeDir(job, supervisor);
    const code = ROOT_COMPRESSOR_CODE_DIRS.filter((u) => u.protocol === "file:").map((u) =>
      fileURLToPath(u).replace(/\/$/, "")
    );
    return { read: [dir, ...ROOT_CODEC_FILES, ...code], write: [dir], ffi: lz4Libraries() };
  },
  permissionsWhy: {
    read: "its folder; the LZ4 codec's WebAssembly file, loaded when the writer is imported; " +
      "src/formats/root/ and node_modules/ to load its compression Workers' code",
    write: "its folder",
    ffi: "the system's liblz4 only (LZ4 at native speed; without it, the WebAssembly build)",
  },
  check(f) {
    const problem = compressionLevelProblem(f);
    return problem ? { key: "compression_level", problem } : undefined;
  },
  checkInputs: (job, inputs) => checkRootStoreInputs(job.fields.tree_name, inputs),
  async run(ctx) {
    const f = ctx.fields;
    const dir = storeDir({ name: ctx.job.name, fields: f }, ctx.supervisor);
    const prefix = f.prefix ?? ctx.job.name;
    const treeName = f.tree_name;
    const flushMs = f.flush_interval;
    const rotateBytes = f.rotate_size;
    const rotateMs = f.rotate_interval;
    const compression = rootStoreCompression(f);
    const basketBytes = f.basket_bytes;
    await Deno.mkdir(dir, { recursive: true });
    // Baskets are compressed off this thread, by Workers shared by every file of the run.
    const compressor = compression.algorithm === "none"
      ? undefined
      : new RootCompressorPool({ workers: defaultCompressorWorkers(), slotBytes: basketBytes });

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
    // A flush's wait for the compressor and its fdatasyncs run while appends go on; one at a time.
    let flushing: Promise<void> | undefined;
    let flushError: unknown;
    const flush = () => {
      if (flushing) return;
      lastFlush = performance.now();
      if (!file?.dirty) return;
      file.dirty = false;
      totals.flushes++;
      const flushed = file;
      const entries = flushed.entries;
      flushing = flushed.writer.flush().then(() => {
        report();
        ctx.reportFile({ path: flushed.path, rows: entries, bytes: flushed.writer.fileSize });
      }, (e) => void (flushError ??= e))
        .finally(() => (flushing = undefined));
    };
    const close = async () => {
      if (!file) return;
      const closing = file;
      file = undefined;
      await flushing;
      if (closing.dirty) totals.flushes++;
      await closing.writer.close();
      totals.closedBytes += closing.writer.fileSize;
      report();
      ctx.reportFile({
        path: closing.path,
        rows: closing.entries,
        bytes: closing.writer.fileSize,
      });
      ctx.log(
        `closed ${closing.path} (${closing.entries} entries, ${closing.writer.fileSize} bytes)`,
      );
    };
    const open = async (): Promise<OpenFile> => {
      await close();
      const started = new Date();
      const path = nextFileName(dir, prefix, {
        ext: ".root",
        date: f.date_in_name ? started : null,
      });
      // Claim the name exclusively first: the writer itself truncates what it opens.
      Deno.openSync(path, { write: true, createNew: true }).close();
      const writer = openRootWriter(path, {
        compression,
        basketBytes,
        syncOnFlush: f.sync,
        compressor,
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
        target.writer.addTree(
          tree,
          columns,
          rootTreeTitle(ctx.job.name, ctx.configJson, new Date()),
        );
        target.treeColumns.set(tree, layout);
      }
      const ready = target.writer.ready();
      if (ready) await ready;
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
        const histogram = histogramOfBatch(batch);
        if (histogram) {
          const target = file ?? await open();
          target.writer.writeHistogram(rootHistogram(msg.key, histogram));
          target.dirty = true;
          if (histogram.final) flush();
          continue;
        }
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
        else if (e !== failure) ctx.warn(`closing after the failure also failed: ${e}`);
      } finally {
        compressor?.close();
      }
    }
    if (failure === undefined) failure = flushError;
    if (failure !== undefined) throw failure;
  },
});
