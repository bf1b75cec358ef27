/**
 * The job types `daq` knows: their config fields, their role in the data flow, the Worker
 * module that runs them and the Deno permissions that Worker gets.
 */
import { Field, Float64, Int64, Schema } from "apache-arrow";
import type { TableSpec } from "../config/_schema.ts";
import type { JobConfig, JobRole, SupervisorConfig } from "../config/types.ts";
import { fileURLToPath } from "node:url";
import { FLUSHER_CODE_DIRS } from "./_hdf5_flusher_protocol.ts";
import { ringFileGrant } from "./_ring_file_path.ts";
import { rootColumnsFromArrowSchema, RootSchemaError } from "../formats/root/schema.ts";
import { ROOT_CODEC_FILES } from "../formats/root/codec_files.ts";
import { checkRemoteFields, REMOTE_FIELDS, remotePermissions } from "./_remote_fields.ts";

/** A job type: how it is configured, run and confined. */
export interface JobType {
  /** How jobs of this type take part in the data flow. */
  role: JobRole;
  /** One line for `daq check` and the docs. */
  summary: string;
  /** The type's own config keys. */
  fields: TableSpec;
  /** Module run inside the job's Worker; it exports `run(ctx: JobContext)`. */
  module: string;
  /**
   * The route keys a job of this type sends, from its fields; default `[route]` for producers.
   * Links that inject messages from other supervisors send one key per subscribed topic.
   */
  sends?(fields: Record<string, unknown>): string[];
  /** The Deno permissions the job's Worker gets: no more than the job needs. */
  permissions(job: JobConfig, supervisor: SupervisorConfig): Deno.PermissionOptionsObject;
  /** For sources that know their columns from their config: the schema of what they send. */
  schema?(job: JobConfig): Schema | undefined;
  /**
   * For consumers: checks at config time what their inputs send (schema undefined when the
   * source does not declare one). Returns the problem, naming the column, or undefined.
   */
  checkInputs?(job: JobConfig, inputs: InputSchema[]): string | undefined;
  /**
   * Checks at config time what the field specs cannot express (e.g. endpoint syntax);
   * returns the key at fault and the problem, or undefined.
   */
  check?(fields: Record<string, unknown>): { key: string; problem: string } | undefined;
}

/** One route into a consumer, with the schema its producer declares (if it does). */
export interface InputSchema {
  /** Route key. */
  key: string;
  /** Producer job. */
  from: string;
  schema: Schema | undefined;
}

/** The schema of rows with an int64 `timestamp_ns` column and float64 `columns`. */
function timestampedFloat64Schema(columns: string[]): Schema {
  return new Schema([
    new Field("timestamp_ns", new Int64(), false),
    ...columns.map((name) => new Field(name, new Float64(), false)),
  ]);
}

/**
 * What every job gets: nothing but the one environment variable that msgpackr reads when
 * it loads (without its native add-on it runs as pure JavaScript).
 */
export const NONE: Deno.PermissionOptionsObject = {
  read: false,
  write: false,
  net: false,
  env: ["MSGPACKR_NATIVE_ACCELERATION_DISABLED"],
  run: false,
  ffi: false,
  sys: false,
  import: false,
};

/** The folder a file store writes to: its `out_dir`, else `<data_dir>/<job name>`. */
export function storeDir(job: JobConfig, supervisor: SupervisorConfig): string {
  return (job.fields.out_dir as string | undefined) ?? `${supervisor.dataDir}/${job.name}`;
}

const fileStoreFields: TableSpec = {
  out_dir: { type: "string", doc: "folder for the files; default <data_dir>/<job name>" },
  prefix: { type: "string", doc: "file name prefix; default the job name" },
  date_in_name: { type: "boolean", default: true, doc: "put the start time in file names" },
  flush_interval: { type: "duration", default: "1s", doc: "how often data is flushed to disk" },
  rotate_size: { type: "size", default: "1GiB", doc: "start a new file past this size" },
  rotate_interval: { type: "duration", doc: "start a new file after this long" },
};

const fileStorePermissions = (
  job: JobConfig,
  sup: SupervisorConfig,
): Deno.PermissionOptionsObject => {
  const dir = storeDir(job, sup);
  return { ...NONE, read: [dir], write: [dir] };
};

/** `store.root`: every declared column fits a TTree leaf, and tree names are valid. */
function checkRootStoreInputs(job: JobConfig, inputs: InputSchema[]): string | undefined {
  const treeName = job.fields.tree_name as string | undefined;
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

/** Every job type, by its `type` key. */
export const JOB_TYPES: Record<string, JobType> = {
  signal: {
    role: "source",
    summary: "simulated instrument: sine, noise, square and pulse channels at rate_hz",
    module: new URL("./signal.ts", import.meta.url).href,
    fields: {
      rate_hz: { type: "number", positive: true, default: 1000, doc: "samples per second" },
      batch_rows: {
        type: "number",
        positive: true,
        integer: true,
        default: 100,
        doc: "rows per batch",
      },
      seed: { type: "number", integer: true, default: 1, doc: "seed of the noise generator" },
      max_batches: { type: "number", integer: true, min: 0, doc: "stop after this many batches" },
      crash_after: {
        type: "number",
        integer: true,
        positive: true,
        doc: "throw after this many batches (to exercise supervision)",
      },
      channels: {
        type: "tables",
        default: [{ name: "sine", shape: "sine" }, { name: "noise", shape: "noise" }],
        fields: {
          name: { type: "string", required: true },
          shape: { type: "string", choices: ["sine", "noise", "square", "pulses"], required: true },
          freq_hz: { type: "number", positive: true, default: 1 },
          amplitude: { type: "number", default: 1 },
          offset: { type: "number", default: 0 },
          unit: { type: "string", default: "V" },
        },
      },
    },
    permissions: () => NONE,
    schema: (job) =>
      timestampedFloat64Schema((job.fields.channels as { name: string }[]).map((c) => c.name)),
  },
  bench: {
    role: "source",
    summary:
      "synthetic load for daq bench: Arrow rows (timestamp_ns, value), msgpack events or raw bytes",
    module: new URL("./bench_source.ts", import.meta.url).href,
    fields: {
      payload_rows: {
        type: "number",
        positive: true,
        integer: true,
        default: 1000,
        doc: "rows per message",
      },
      payload_bytes: { type: "size", doc: "raw byte payloads of this size instead of rows" },
      payload: {
        type: "string",
        choices: ["arrow", "msgpack"],
        default: "arrow",
        doc:
          'message kind: "arrow" (payload_rows rows) or "msgpack" (one event {seq, t_ns, value})',
      },
      rate: {
        type: "number",
        positive: true,
        doc: "messages per second (default: as fast as possible)",
      },
      max_messages: { type: "number", integer: true, min: 0, doc: "stop after this many messages" },
    },
    permissions: () => NONE,
    schema: (job) =>
      job.fields.payload_bytes === undefined && job.fields.payload !== "msgpack"
        ? timestampedFloat64Schema(["value"])
        : undefined,
  },
  remote: {
    role: "link",
    summary: "ZeroMQ link to other supervisors: publishes its inputs, injects subscribed topics",
    module: new URL("./remote.ts", import.meta.url).href,
    fields: REMOTE_FIELDS,
    sends: (f) => f.subscribe as string[],
    check: checkRemoteFields,
    permissions: (job) => ({ ...NONE, ...remotePermissions(job) }),
  },
  "store.null": {
    role: "store",
    summary: "takes messages off its rings unread (transport benchmarks)",
    module: new URL("./store_null.ts", import.meta.url).href,
    fields: {},
    permissions: () => NONE,
  },
  "store.memory": {
    role: "store",
    summary: "keeps the last `keep` batches in memory (0: counts and discards)",
    module: new URL("./store_memory.ts", import.meta.url).href,
    fields: {
      keep: { type: "number", integer: true, min: 0, default: 16, doc: "batches kept" },
    },
    permissions: () => NONE,
  },
  "store.csv": {
    role: "store",
    summary: "CSV files: header row, one row per sample, rotation by size and time",
    module: new URL("./store_csv.ts", import.meta.url).href,
    fields: { ...fileStoreFields },
    permissions: fileStorePermissions,
  },
  "store.root": {
    role: "store",
    summary: "CERN ROOT files: one TTree per route key (or tree_name), rotation by size and time",
    module: new URL("./store_root.ts", import.meta.url).href,
    fields: {
      ...fileStoreFields,
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
        doc: "1-9 for zlib and lz4, 1-22 for zstd; default zlib 1, lz4 4, zstd 5",
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
    // read: the LZ4 codec loads its WebAssembly file when the writer is imported.
    permissions: (job, sup) => {
      const dir = storeDir(job, sup);
      return { ...NONE, read: [dir, ...ROOT_CODEC_FILES], write: [dir] };
    },
    checkInputs: checkRootStoreInputs,
  },
  "store.hdf5": {
    role: "store",
    summary: "HDF5 files via a memory-mapped ring file drained by a background flusher",
    module: new URL("./store_hdf5.ts", import.meta.url).href,
    fields: {
      ...fileStoreFields,
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
        doc: "rows per HDF5 chunk; default the rows of the first batch (at least 1024)",
      },
      gzip: { type: "number", integer: true, min: 0, max: 9, default: 0, doc: "0 = off" },
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
    },
    // ffi: libc open/mmap/futex for the ring file. env: h5wasm (Emscripten) copies the whole
    // environment at start-up (it enumerates process.env), so no list of names is enough.
    // read on src/ and node_modules/: the job starts the flusher as a nested Worker, whose
    // modules load with the job's permissions. /tmp: h5wasm's libc writes HDF5 error stacks
    // to /tmp/tmpfile_XXXXXX (hard-coded); without it a disk-full error reads "Requires read
    // access to /tmp/tmpfile_..." instead of "No space left on device".
    permissions: (job, sup) => {
      const dir = storeDir(job, sup);
      const ring = ringFileGrant(job, sup);
      const code = FLUSHER_CODE_DIRS.filter((u) => u.protocol === "file:").map((u) =>
        fileURLToPath(u).replace(/\/$/, "")
      );
      return {
        ...NONE,
        read: [dir, ring, "/tmp", ...code],
        write: [dir, ring, "/tmp"],
        ffi: true,
        env: true,
      };
    },
  },
};

/** Whether jobs of this role send messages on a route. */
export function produces(role: JobRole): boolean {
  return role === "source" || role === "processor" || role === "link";
}

/** Whether jobs of this role take messages from rings. */
export function consumes(role: JobRole): boolean {
  return role === "processor" || role === "store" || role === "link";
}
