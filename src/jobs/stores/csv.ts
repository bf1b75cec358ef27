/**
 * `store.csv`: one row per sample under a header row, after `#` comment lines that record
 * the software version, start time and resolved config. Flushed every `flush_interval`;
 * a new file is started past `rotate_size` or `rotate_interval`, or when the columns change.
 * A new file never overwrites an old one. Each file is reported (path, rows, bytes) at every
 * flush, for the run's manifest.
 */
import type { RecordBatch } from "apache-arrow";
import { nextFileName } from "../../formats/file_name.ts";
import { RecordType } from "../../transport/payload.ts";
import { histogramOfBatch, type HistogramSnapshot } from "../../transport/histogram.ts";
import { histogramCsv } from "./_histogram_csv.ts";
import { histogramName } from "./_histogram_names.ts";
import { VERSION } from "../../version.ts";
import { defineJob } from "../../job/mod.ts";
import { FILE_STORE_FIELDS, fileStorePermissions, storeDir } from "./_file_store.ts";

/** Formats the rows of `batch` as CSV lines (no header). */
export function csvRows(batch: RecordBatch): string {
  const cols = batch.schema.fields.map((f) =>
    batch.getChild(f.name)!.toArray() as ArrayLike<unknown>
  );
  const lines: string[] = new Array(batch.numRows);
  for (let r = 0; r < batch.numRows; r++) {
    let line = "";
    for (let c = 0; c < cols.length; c++) line += (c ? "," : "") + csvValue(cols[c][r]);
    lines[r] = line;
  }
  return lines.join("\n") + "\n";
}

function csvValue(v: unknown): string {
  if (typeof v === "string") return csvField(v);
  if (v === null || v === undefined) return "";
  return String(v);
}

/**
 * A text field as RFC 4180 wants it: quoted, with quotes doubled, when it holds a comma, a
 * quote or a line break (or starts or ends with a space, which readers may trim).
 */
export function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** `store.csv`: CSV files. */
export default defineJob({
  role: "store",
  summary: "CSV files: header row, one row per sample, rotation by size and time",
  fields: FILE_STORE_FIELDS,
  permissions: fileStorePermissions,
  async run(ctx) {
    const f = ctx.fields;
    const dir = storeDir({ name: ctx.job.name, fields: f }, ctx.supervisor);
    const prefix = f.prefix ?? ctx.job.name;
    const flushMs = f.flush_interval;
    const rotateBytes = f.rotate_size;
    const rotateMs = f.rotate_interval;
    await Deno.mkdir(dir, { recursive: true });

    let file: Deno.FsFile | undefined;
    let path = "";
    let header = "";
    let openedAt = 0;
    let written = 0;
    let files = 0;
    let pending: string[] = [];
    let pendingBytes = 0;
    let pendingRows = 0;
    let fileRows = 0;
    let lastFlush = performance.now();
    const encoder = new TextEncoder();

    const flush = () => {
      if (!file || pending.length === 0) return;
      const bytes = encoder.encode(pending.join(""));
      let off = 0;
      while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
      written += bytes.length;
      fileRows += pendingRows;
      pending = [];
      pendingBytes = 0;
      pendingRows = 0;
      lastFlush = performance.now();
      ctx.reportFile({ path, rows: fileRows, bytes: written });
    };
    const close = () => {
      flush();
      file?.close();
      if (file) ctx.log(`closed ${path} (${written} bytes)`);
      file = undefined;
    };
    const open = (columns: string) => {
      close();
      const date = f.date_in_name ? new Date() : null;
      path = nextFileName(dir, prefix, { ext: ".csv", date });
      file = Deno.openSync(path, { write: true, createNew: true });
      files++;
      ctx.setFigure("files", files);
      openedAt = performance.now();
      written = 0;
      fileRows = 0;
      header = columns;
      pending.push(
        `# daq ${VERSION} store.csv "${ctx.job.name}", started ${new Date().toISOString()}\n`,
        `# config: ${ctx.configJson}\n`,
        `${columns}\n`,
      );
      ctx.log(`writing ${path}`);
    };

    const histogramFiles = new Set<string>();
    // The newest snapshot of each histogram replaces the file whole (written aside, renamed).
    const writeHistogramFile = (dir: string, prefix: string, key: string, h: HistogramSnapshot) => {
      const path = `${dir}/${prefix}_${histogramName(key, h)}.hist.csv`;
      Deno.writeTextFileSync(`${path}.tmp`, histogramCsv(ctx.job.name, VERSION, key, h));
      Deno.renameSync(`${path}.tmp`, path);
      if (!histogramFiles.has(path)) {
        histogramFiles.add(path);
        ctx.log(`writing histogram ${path}`);
        ctx.setFigure("histogram_files", histogramFiles.size);
      }
    };
    const timer = setInterval(() => {
      if (performance.now() - lastFlush >= flushMs) flush();
    }, flushMs);
    try {
      for await (const msg of ctx.receive()) {
        if (msg.type !== RecordType.arrow) continue;
        const batch = ctx.batchOf(msg);
        ctx.countRows(batch.numRows);
        const histogram = histogramOfBatch(batch);
        if (histogram) {
          writeHistogramFile(dir, prefix, msg.key, histogram);
          continue;
        }
        const columns = batch.schema.fields.map((fl) => csvField(fl.name)).join(",");
        const now = performance.now();
        if (
          !file || columns !== header || written + pendingBytes >= rotateBytes ||
          (rotateMs !== undefined && now - openedAt >= rotateMs)
        ) open(columns);
        const text = csvRows(batch);
        pending.push(text);
        pendingBytes += text.length;
        pendingRows += batch.numRows;
        if (now - lastFlush >= flushMs || pendingBytes > 4 << 20) flush();
      }
    } finally {
      clearInterval(timer);
      close();
    }
  },
});
