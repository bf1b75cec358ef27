import type * as arrow from "apache-arrow";
import {
  checkName,
  type ColumnLayout,
  columnLayout,
  columnValues,
  emptyValues,
  schemaJson,
} from "./_columns.ts";
import * as h5 from "./_h5.ts";
import {
  type Hdf5Compression,
  hdf5CompressionProblem,
  type Hdf5Filter,
  hdf5Filter,
} from "./compression.ts";
import {
  createHistogram,
  type Hdf5Histogram,
  histogramGroup,
  updateHistogram,
} from "./_histogram.ts";
import { Hdf5SchemaError, Hdf5WriteError } from "./errors.ts";
import type {
  Hdf5CloseResult,
  Hdf5Layout,
  Hdf5WriteInfo,
  Hdf5Writer,
  Hdf5WriterOptions,
} from "./types.ts";

/** Chunk rows of datasets created before any batch of their source was seen. */
const DEFAULT_CHUNK_ROWS = 8192;
const MIN_CHUNK_ROWS = 1024;
const MAX_CHUNK_BYTES = 1 << 20;

interface SourceState {
  name: string;
  /** `append` layout: datasets by column name, in creation order. */
  columns: Map<string, ColumnLayout>;
  rows: number;
  lost: number;
  /** `append` layout: whether `/<source>` exists in the file. */
  inFile: boolean;
  /** `append` layout: rows per chunk, before the 1 MiB cap; fixed when the group is made. */
  chunkRows: number;
  /** Remote supervisors its batches came from, in the order first seen. */
  origins: string[];
}

/** Implements {@linkcode Hdf5Writer}; create it after `loadHdf5()`. */
export class Hdf5FileWriter implements Hdf5Writer {
  readonly path: string;
  readonly layout: Hdf5Layout;
  readonly #chunkRows: number | undefined;
  readonly #filter: Hdf5Filter | undefined;
  readonly #swmr: boolean;
  readonly #sources = new Map<string, SourceState>();
  readonly #buffer = h5.heapBuffer();
  #fileId = -1n;
  #swmrActive = false;
  #batches = 0;
  #failure: Error | undefined;
  #closeResult: Hdf5CloseResult | undefined;
  /** Bins of each histogram in the file, by group path. */
  readonly #histograms = new Map<string, number>();

  constructor(path: string, options: Hdf5WriterOptions) {
    this.path = path;
    this.layout = options.layout ?? "append";
    this.#chunkRows = options.chunkRows;
    this.#swmr = this.layout === "append" && (options.swmr ?? true);
    checkOptions(path, options);
    this.#filter = hdf5Filter(compressionOf(options));
    if (this.#filter?.plugin) h5.loadFilterPlugins();
    const declared = Object.entries(options.sources ?? {}).map(([source, schema]) => {
      checkName(source, source, "source");
      return { source, schema, layouts: schema.fields.map((field) => columnLayout(source, field)) };
    });
    createExclusively(path);
    try {
      h5.reportingErrors(() => this.#create(options, declared));
    } catch (error) {
      const fileId = this.#fileId;
      if (fileId >= 0n) ignoreErrors(() => h5.reportingErrors(() => h5.closeFile(fileId)));
      ignoreErrors(() => Deno.removeSync(path));
      if (error instanceof Hdf5SchemaError) throw error;
      throw new Hdf5WriteError(path, `Cannot create HDF5 file ${path}: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  #create(
    options: Hdf5WriterOptions,
    declared: { source: string; schema: arrow.Schema; layouts: ColumnLayout[] }[],
  ): void {
    this.#fileId = h5.openFile(this.path, "truncate");
    const openedAt = new Date();
    const attributes: Record<string, string> = {
      run_start: (options.runStart ?? openedAt).toISOString(),
      start_time: openedAt.toISOString(),
      layout: this.layout,
    };
    if (options.softwareVersion !== undefined) {
      attributes.software_version = options.softwareVersion;
    }
    if (options.config !== undefined) attributes.config = options.config;
    for (const [name, value] of Object.entries(attributes)) {
      h5.setAttribute(this.#fileId, "/", name, value);
    }
    h5.setAttribute(this.#fileId, "/", "complete", { uint8: 0 });
    if (this.layout === "batches") h5.createGroup(this.#fileId, "/measurements");
    for (const { source, schema, layouts } of declared) {
      this.#addAppendColumns(this.#source(source), schema, layouts);
    }
    h5.flushFile(this.#fileId);
    if (this.#swmr && declared.length > 0) this.#startSwmr();
  }

  writeBatch(source: string, batch: arrow.RecordBatch, info: Hdf5WriteInfo = {}): void {
    this.#checkWritable();
    checkName(source, source, "source");
    checkLost(source, info.lost);
    const layouts = batch.schema.fields.map((field) => columnLayout(source, field));
    checkUnique(source, layouts);
    const state = this.#source(source);
    if (this.layout === "append") checkSameTypes(state, layouts);
    this.#guard(`write ${batch.numRows} rows of source "${source}"`, () => {
      if (info.lost !== undefined) state.lost = info.lost;
      if (this.layout === "append") {
        this.#append(state, batch, layouts, info);
        if (info.lost !== undefined) this.#writeLost(state);
        if (info.origin !== undefined && !state.origins.includes(info.origin)) {
          if (this.#swmrActive) this.#leaveSwmr();
          state.origins.push(info.origin);
          h5.setAttribute(this.#fileId, `/${state.name}`, "origin", state.origins.join(", "), true);
        }
      } else {
        this.#writeGroup(state, batch, layouts, info);
      }
      this.#batches++;
      h5.flushFile(this.#fileId);
      if (this.#swmr && !this.#swmrActive) this.#startSwmr();
    });
  }

  writeHistogram(source: string, histogram: Hdf5Histogram): void {
    this.#checkWritable();
    checkName(source, source, "source");
    checkName(source, histogram.name, "column");
    if (histogram.edges.length !== histogram.counts.length + 1) {
      throw new RangeError(
        `histogram "${histogram.name}" of source "${source}": ${histogram.edges.length} edges ` +
          `for ${histogram.counts.length} bins`,
      );
    }
    const group = histogramGroup(source, histogram.name);
    const bins = this.#histograms.get(group);
    if (bins !== undefined && bins !== histogram.counts.length) {
      throw new Hdf5SchemaError(
        `histogram "${histogram.name}" of source "${source}" changed from ${bins} to ` +
          `${histogram.counts.length} bins`,
      );
    }
    this.#guard(`write histogram "${histogram.name}" of source "${source}"`, () => {
      if (bins === undefined) {
        if (this.#swmrActive) this.#leaveSwmr();
        createHistogram(this.#fileId, source, histogram);
        this.#histograms.set(group, histogram.counts.length);
      } else {
        updateHistogram(this.#fileId, source, histogram, this.#buffer);
      }
      h5.flushFile(this.#fileId);
      if (this.#swmr && !this.#swmrActive && this.#sources.size > 0) this.#startSwmr();
    });
  }

  setLost(source: string, lost: number): void {
    this.#checkWritable();
    checkName(source, source, "source");
    checkLost(source, lost);
    const state = this.#source(source);
    state.lost = lost;
    if (this.layout !== "append" || !state.inFile) return;
    this.#guard(`record lost records of source "${source}"`, () => {
      this.#writeLost(state);
      h5.flushFile(this.#fileId);
    });
  }

  sizeBytes(): number {
    return Deno.statSync(this.path).size;
  }

  close(): Hdf5CloseResult {
    if (this.#closeResult !== undefined) return this.#closeResult;
    let closeError: unknown;
    try {
      h5.reportingErrors(() => {
        h5.freeHeapBuffer(this.#buffer);
        if (this.#swmrActive) this.#leaveSwmr();
        this.#writeClosingAttributes();
        h5.closeFile(this.#fileId);
        this.#fileId = -1n;
      });
    } catch (error) {
      closeError = error;
      const fileId = this.#fileId;
      if (fileId >= 0n) ignoreErrors(() => h5.reportingErrors(() => h5.closeFile(fileId)));
      this.#fileId = -1n;
    }
    const error = this.#failure ?? closeError;
    this.#closeResult = {
      path: this.path,
      complete: error === undefined,
      rows: Object.fromEntries([...this.#sources.values()].map((s) => [s.name, s.rows])),
      batches: this.#batches,
      ...(error === undefined ? {} : { error: describe(error) }),
    };
    if (this.#failure === undefined && closeError !== undefined) {
      throw new Hdf5WriteError(this.path, `Closing ${this.path} failed: ${describe(closeError)}`, {
        cause: closeError,
      });
    }
    return this.#closeResult;
  }

  #checkWritable(): void {
    if (this.#closeResult !== undefined) {
      throw new Hdf5WriteError(this.path, `HDF5 file ${this.path} is already closed`);
    }
    if (this.#failure !== undefined) {
      throw new Hdf5WriteError(
        this.path,
        `HDF5 file ${this.path} failed earlier and takes no more writes: ${this.#failure.message}`,
        { cause: this.#failure },
      );
    }
  }

  /** Runs file operations; a failure fails the writer and is rethrown as Hdf5WriteError. */
  #guard(what: string, operations: () => void): void {
    try {
      h5.reportingErrors(operations);
    } catch (error) {
      const failure = new Hdf5WriteError(
        this.path,
        `Could not ${what} to HDF5 file ${this.path}: ${describe(error)}`,
        { cause: error },
      );
      this.#failure = failure;
      throw failure;
    }
  }

  #source(name: string): SourceState {
    let state = this.#sources.get(name);
    if (state === undefined) {
      state = {
        name,
        columns: new Map(),
        rows: 0,
        lost: 0,
        inFile: false,
        chunkRows: 0,
        origins: [],
      };
      this.#sources.set(name, state);
    }
    return state;
  }

  #startSwmr(): void {
    h5.startSwmrWrite(this.#fileId);
    this.#swmrActive = true;
  }

  /** HDF5 may not add objects or attributes in SWMR mode: reopen the file normally. */
  #leaveSwmr(): void {
    h5.flushFile(this.#fileId);
    h5.closeFile(this.#fileId);
    this.#fileId = -1n;
    this.#swmrActive = false;
    this.#fileId = h5.openFile(this.path, "readWrite");
  }

  #append(
    state: SourceState,
    batch: arrow.RecordBatch,
    layouts: ColumnLayout[],
    info: Hdf5WriteInfo,
  ): void {
    if (!state.inFile || layouts.some((layout) => !state.columns.has(layout.name))) {
      this.#addAppendColumns(state, batch.schema, layouts, batch.numRows, info.chunkRows);
    }
    const rows = batch.numRows;
    if (rows === 0) return;
    const end = state.rows + rows;
    for (const column of state.columns.values()) {
      const shape = column.rank === 2 ? [end, column.width] : [end];
      h5.resizeDataset(this.#fileId, `/${state.name}/${column.name}`, shape);
    }
    layouts.forEach((layout, index) => {
      const values = columnValues(batch.data.children[index], layout);
      const path = `/${state.name}/${layout.name}`;
      h5.writeRows(
        this.#fileId,
        path,
        state.rows,
        layout.width,
        layout.rank === 2,
        values,
        this.#buffer,
      );
    });
    state.rows = end;
  }

  #addAppendColumns(
    state: SourceState,
    schema: arrow.Schema,
    layouts: ColumnLayout[],
    batchRows = 0,
    chunkRows?: number,
  ): void {
    if (this.#swmrActive) this.#leaveSwmr();
    const fileId = this.#fileId;
    const group = `/${state.name}`;
    if (!state.inFile) {
      // Chunks as long as the batches: each write then fills whole chunks, and HDF5 need not
      // read back and rewrite a partly filled chunk (twice as fast, and no wasted gzip space).
      state.chunkRows = this.#chunkRows ?? chunkRows ??
        (batchRows > 0 ? Math.max(MIN_CHUNK_ROWS, batchRows) : DEFAULT_CHUNK_ROWS);
      h5.createGroup(fileId, group);
      h5.createDataset(fileId, `${group}/_lost`, { dtype: "<q", shape: [1] }, new BigInt64Array(1));
      h5.setAttribute(
        fileId,
        `${group}/_lost`,
        "description",
        "records of this source lost so far",
      );
      state.inFile = true;
      this.#writeLost(state);
    }
    for (const layout of layouts) {
      if (state.columns.has(layout.name)) continue;
      const path = `${group}/${layout.name}`;
      const chunkRows = capChunkRows(state.chunkRows, layout);
      const twoD = layout.rank === 2;
      h5.createDataset(fileId, path, {
        dtype: layout.dtype,
        shape: twoD ? [0, layout.width] : [0],
        maxShape: twoD ? [null, layout.width] : [null],
        chunks: twoD ? [chunkRows, layout.width] : [chunkRows],
        filter: this.#filter,
      }, emptyValues(layout.dtype));
      this.#writeColumnAttributes(path, layout);
      if (state.rows > 0) {
        h5.setAttribute(fileId, path, "first_row", { int64: BigInt(state.rows) });
        h5.resizeDataset(fileId, path, twoD ? [state.rows, layout.width] : [state.rows]);
      }
      state.columns.set(layout.name, layout);
    }
    h5.setAttribute(fileId, group, "arrow_schema", schemaJson(schema), true);
  }

  #writeLost(state: SourceState): void {
    const values = new BigInt64Array([BigInt(state.lost)]);
    h5.writeRows(this.#fileId, `/${state.name}/_lost`, 0, 1, false, values, this.#buffer);
  }

  #writeGroup(
    state: SourceState,
    batch: arrow.RecordBatch,
    layouts: ColumnLayout[],
    info: Hdf5WriteInfo,
  ): void {
    const fileId = this.#fileId;
    const group = `/measurements/batch_${String(this.#batches + 1).padStart(6, "0")}`;
    const rows = batch.numRows;
    h5.createGroup(fileId, group);
    h5.setAttribute(fileId, group, "source", state.name);
    if (info.origin !== undefined) h5.setAttribute(fileId, group, "origin", info.origin);
    const timestampNs = info.timestampNs ??
      BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
    h5.setAttribute(fileId, group, "timestamp_ns", { int64: timestampNs });
    if (info.ringTail !== undefined) {
      h5.setAttribute(fileId, group, "ring_tail", { int64: info.ringTail });
    }
    h5.setAttribute(fileId, group, "lost_records", { int64: BigInt(state.lost) });
    h5.setAttribute(fileId, group, "arrow_schema", schemaJson(batch.schema));
    layouts.forEach((layout, index) => {
      const path = `${group}/${layout.name}`;
      const twoD = layout.rank === 2;
      const compress = this.#filter !== undefined && rows > 0;
      const chunkRows = Math.min(rows, capChunkRows(this.#chunkRows ?? rows, layout));
      h5.createDataset(fileId, path, {
        dtype: layout.dtype,
        shape: twoD ? [rows, layout.width] : [rows],
        ...(compress
          ? { chunks: twoD ? [chunkRows, layout.width] : [chunkRows], filter: this.#filter }
          : {}),
      }, columnValues(batch.data.children[index], layout));
      this.#writeColumnAttributes(path, layout);
    });
    state.rows += rows;
  }

  #writeColumnAttributes(path: string, layout: ColumnLayout): void {
    for (const [name, value] of Object.entries(layout.textAttributes)) {
      h5.setAttribute(this.#fileId, path, name, value);
    }
    if (layout.isBool) h5.setAttribute(this.#fileId, path, "is_bool", { uint8: 1 });
  }

  #writeClosingAttributes(): void {
    const fileId = this.#fileId;
    const lost: Record<string, number> = {};
    for (const state of this.#sources.values()) {
      lost[state.name] = state.lost;
      if (state.inFile) {
        h5.setAttribute(fileId, `/${state.name}`, "lost_records", { int64: BigInt(state.lost) });
      }
    }
    h5.setAttribute(fileId, "/", "lost_records", JSON.stringify(lost));
    h5.setAttribute(fileId, "/", "stop_time", new Date().toISOString());
    if (this.#failure !== undefined) {
      h5.setAttribute(fileId, "/", "error", this.#failure.message);
    } else {
      h5.setAttribute(fileId, "/", "complete", { uint8: 1 }, true);
    }
    h5.flushFile(fileId);
  }
}

/**
 * Rows per chunk for a source whose messages have `messageRows` rows of `schema`: the most
 * whole messages whose chunk of every column stays within 1 MiB (so that writes of whole
 * messages can end on chunk boundaries), or that limit when one message is larger.
 */
export function alignedChunkRows(
  source: string,
  schema: arrow.Schema,
  messageRows: number,
): number {
  const widest = Math.max(
    1,
    ...schema.fields.map((field) => {
      const layout = columnLayout(source, field);
      return layout.width * layout.valueBytes;
    }),
  );
  const cap = Math.max(1, Math.floor(MAX_CHUNK_BYTES / widest));
  if (!(messageRows > 0) || messageRows >= cap) return cap;
  return messageRows * Math.floor(cap / messageRows);
}

function capChunkRows(chunkRows: number, layout: ColumnLayout): number {
  const rowBytes = layout.width * layout.valueBytes;
  return Math.max(1, Math.min(chunkRows, Math.floor(MAX_CHUNK_BYTES / rowBytes)));
}

function checkOptions(path: string, options: Hdf5WriterOptions): void {
  const { layout, chunkRows, gzip, compression } = options;
  const fail = (what: string) => {
    throw new RangeError(`HDF5 writer for ${path}: ${what}`);
  };
  if (layout !== undefined && layout !== "append" && layout !== "batches") {
    fail(`layout must be "append" or "batches", got ${JSON.stringify(layout)}`);
  }
  if (chunkRows !== undefined && !(Number.isInteger(chunkRows) && chunkRows > 0)) {
    fail(`chunkRows must be a positive integer, got ${chunkRows}`);
  }
  if (gzip !== undefined && !(Number.isInteger(gzip) && gzip >= 1 && gzip <= 9)) {
    fail(`gzip must be an integer level 1-9, got ${gzip}`);
  }
  if (gzip !== undefined && compression !== undefined) {
    fail("give either gzip or compression, not both");
  }
  const problem = compression === undefined ? undefined : hdf5CompressionProblem(compression);
  if (problem !== undefined) fail(problem);
}

/** The compression setting of `options`, with the older `gzip` level folded in. */
function compressionOf(options: Hdf5WriterOptions): Hdf5Compression {
  if (options.gzip !== undefined) return { algorithm: "gzip", level: options.gzip };
  return options.compression ?? { algorithm: "none" };
}

function checkLost(source: string, lost: number | undefined): void {
  if (lost !== undefined && !(Number.isSafeInteger(lost) && lost >= 0)) {
    throw new RangeError(`Lost record count of source "${source}" must be a count, got ${lost}`);
  }
}

function checkUnique(source: string, layouts: ColumnLayout[]): void {
  const seen = new Set<string>();
  for (const { name } of layouts) {
    if (seen.has(name)) {
      throw new Hdf5SchemaError(`Column "${name}" appears twice in a batch of source "${source}"`);
    }
    seen.add(name);
  }
}

function checkSameTypes(state: SourceState, layouts: ColumnLayout[]): void {
  for (const layout of layouts) {
    const existing = state.columns.get(layout.name);
    if (existing !== undefined && existing.arrowType !== layout.arrowType) {
      throw new Hdf5SchemaError(
        `Column "${layout.name}" of source "${state.name}" changed type from ` +
          `${existing.arrowType} to ${layout.arrowType}; an HDF5 dataset keeps one type`,
      );
    }
  }
}

/** Creates the file so that an existing one is never truncated; HDF5 then takes it over. */
function createExclusively(path: string): void {
  try {
    Deno.openSync(path, { write: true, createNew: true }).close();
  } catch (error) {
    throw new Hdf5WriteError(path, `Cannot create HDF5 file ${path}: ${describe(error)}`, {
      cause: error,
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof Deno.errors.AlreadyExists) {
    return "it already exists (the writer never overwrites a file)";
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return `permission denied, is the folder read-only? (${error.message})`;
  }
  if (error instanceof Deno.errors.NotFound) {
    return `the folder does not exist (${error.message})`;
  }
  return error instanceof Error ? error.message : String(error);
}

function ignoreErrors(operation: () => void): void {
  try {
    operation();
  } catch {
    // Already reporting an earlier error.
  }
}
