/** What a job's `run` gets: {@link JobContext}, and what it receives and sends through it. */
import type { RecordBatch } from "apache-arrow";
import type { NumericArray } from "../arrow/types.ts";
import type { JobConfig, SupervisorConfig } from "../config/types.ts";
import type { ColumnInput } from "./columns.ts";
import type { FileReport } from "./protocol.ts";

/** One message taken from an input ring. */
export interface ReceivedMessage {
  /** Route key. */
  key: string;
  /** Producer job. */
  from: string;
  /** Record type ({@link RecordType}). */
  type: number;
  seq: number;
  /** Send time, ms since the epoch. */
  sentMs: number;
  /** Payload; a view into the ring valid until the next message is taken. */
  payload: Uint8Array;
  /**
   * The id of the supervisor it came from when a remote link injected it (`from` is then the
   * link job); undefined for messages produced here.
   */
  origin: string | undefined;
}

/** One received table, as named columns (see {@link JobContext.batches}). */
export interface ReceivedBatch {
  /** Route key. */
  key: string;
  /** Producer job. */
  from: string;
  /** The supervisor a remote link brought it from, or undefined. */
  origin: string | undefined;
  seq: number;
  /** Send time, ms since the epoch. */
  sentMs: number;
  /** Rows in the batch. */
  rows: number;
  /**
   * Every numeric column by name (booleans as 0/1 bytes): views into the ring, valid until the
   * next batch is taken; `.slice()` what you keep.
   */
  columns: Record<string, NumericArray>;
  /** The same rows as an Arrow record batch (all columns, with their metadata). */
  batch: RecordBatch;
}

/** Options of {@link JobContext.send} and the other sends. */
export interface SendOptions {
  /** Rows in the message, for stats. */
  rows?: number;
  /** Send time, ms since the epoch (default now); latency is measured from it. */
  sentMs?: number;
  /** Only the routes of this key (jobs that send several keys, e.g. remote links). */
  key?: string;
  /** The supervisor the message came from (remote links); consumers see it as `origin`. */
  origin?: string;
}

/** What a job's `run` gets: its fields, its routes, and ways to report. */
export interface JobContext<F = Record<string, unknown>> {
  /** The job's own fields, validated, with defaults filled in (durations in ms, sizes in bytes). */
  fields: F;
  /** The whole resolved job (name, inputs, route keys, module, permissions). */
  job: JobConfig;
  supervisor: SupervisorConfig;
  /** Times this job was restarted before this run. */
  restarts: number;
  /** The whole resolved config as JSON, to be recorded in output files. */
  configJson: string;
  /** Aborted when the supervisor asks the job to stop. */
  signal: AbortSignal;
  /** Whether a stop was asked for (cheap enough for hot loops). */
  stopping(): boolean;

  /**
   * Sends one table of named columns on every output route: typed arrays, or plain arrays of
   * numbers (float64, or the declared type when the job declares `columns`). All columns have
   * the same length. The values are copied into the rings before it resolves.
   */
  sendColumns(columns: Readonly<Record<string, ColumnInput>>, options?: SendOptions): Promise<void>;
  /** Sends one row (slow instruments): `{ timestamp_ns: BigInt(Date.now()) * 1_000_000n, t: 21.5 }`. */
  sendRow(row: Readonly<Record<string, number | bigint>>, options?: SendOptions): Promise<void>;
  /** Sends an Arrow record batch on every output route (or those of `options.key`). */
  sendBatch(batch: RecordBatch, options?: SendOptions): Promise<void>;
  /** Sends a small message (msgpack) on every output route (or those of `options.key`). */
  sendMessage(value: unknown, options?: SendOptions): Promise<void>;
  /**
   * Sends one record on every output route (or those of `options.key`): `fill` writes
   * `length` payload bytes straight into each consumer's ring (zero-copy). Resolves when every
   * ring took it or dropped it by policy. `options` is read before `send` returns (it may be
   * reused), `fill` may be called until it resolves.
   */
  send(
    type: number,
    length: number,
    fill: (dst: Uint8Array) => void,
    options?: SendOptions,
  ): Promise<void>;

  /**
   * The tables of all input rings as named columns, until a stop was asked for and the rings
   * are empty. Rows are counted for stats; messages that are not tables are skipped and
   * counted (figure `non_table_msgs`).
   */
  batches(): AsyncIterable<ReceivedBatch>;
  /**
   * The raw messages of all input rings, until a stop was asked for and the rings are empty.
   * Each message's payload is valid until the next one is taken.
   */
  receive(): AsyncIterable<ReceivedMessage>;
  /** Decodes a received Arrow message (views on its payload: copy to keep). */
  batchOf(msg: ReceivedMessage): RecordBatch;
  /** Counts received rows, for stats (`batches()` does it itself). */
  countRows(n: number): void;

  /** Sets a job-specific figure shown in stats. */
  setFigure(name: string, value: number): void;
  /**
   * Says what the job is doing, in words, for the status table and stats (`status`), e.g.
   * `connecting (attempt 3, next in 4 s)`.
   */
  setStatus(text: string): void;
  log(text: string): void;
  warn(text: string): void;
  /** Lets timers and messages run; busy loops call it now and then. */
  breathe(): Promise<void>;
  /** Waits `ms`, or less if a stop is asked for. */
  sleep(ms: number): Promise<void>;
  /**
   * Whether the run is paused (sources only). While it is, what a source sends is skipped
   * (counted as `paused_skipped_msgs`), and rows of Arrow batches whose `timestamp_ns` falls in
   * the pause are cut out (`paused_skipped_rows`); a source may also check this and wait.
   */
  paused(): boolean;
  /** Reports a file this job wrote, for the run's manifest; again whenever it grows or closes. */
  reportFile(file: FileReport): void;
  /** Reports the identity of the instrument behind this job (e.g. its `*IDN?` answer). */
  setIdentity(text: string): void;
  /**
   * Takes settings sent to this job (`POST /api/jobs/NAME/settings`, a `[[sequence]]` step's
   * `set`): `handler` applies one, and throws (or rejects) to refuse it with a message. A
   * setting that comes before a handler is set waits up to {@link SETTING_WAIT_MS} for one.
   */
  onSetting(handler: SettingHandler): void;
  /**
   * Sends a setting to another job (e.g. `requestSetting("psu", "voltage", 2.5)` from a user's
   * sequencer), as the HTTP API and run sequences do; rejects with the reason it was refused.
   */
  requestSetting(job: string, name: string, value: unknown): Promise<void>;
}

/** Applies one setting; throws or rejects to refuse it (the message goes to the operator). */
export type SettingHandler = (name: string, value: unknown) => void | Promise<void>;

/** How long a setting waits for its job to call `onSetting` before it is refused. */
export const SETTING_WAIT_MS = 5000;
