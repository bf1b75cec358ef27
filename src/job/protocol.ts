/** Messages between the supervisor and the Worker of a job, and the Worker's entry. */
import type { JobConfig, SupervisorConfig } from "../config/types.ts";
import type { Doorbell, RingBuffer } from "../transport/ring.ts";
import type { OriginTable } from "../transport/origins.ts";

/** A route this job reads: its key, its producer, and its ring or MessagePort. */
export interface InputRoute {
  key: string;
  from: string;
  ring?: RingBuffer;
  port?: MessagePort;
}

/** A route this job writes: its key, its consumer, and the consumer's ring or a MessagePort. */
export interface OutputRoute {
  key: string;
  to: string;
  ring?: RingBuffer;
  bell?: Doorbell;
  port?: MessagePort;
}

/** One message sent over a MessagePort route (`transport = "postmessage"`). */
export interface PortMessage {
  type: number;
  seq: number;
  sentMs: number;
  payload: Uint8Array;
}

/** Supervisor to job: start with this config and these routes. */
export interface StartMessage {
  kind: "start";
  job: JobConfig;
  supervisor: SupervisorConfig;
  inputs: InputRoute[];
  outputs: OutputRoute[];
  /** The consumer's doorbell (consumers only). */
  bell?: Doorbell;
  /**
   * Stop and pause flags, shared so that busy loops see them without a message; laid out as
   * {@link CONTROL_BYTES} describes.
   */
  control: SharedArrayBuffer;
  /** The supervisor's origin table: which supervisor a record injected by a link came from. */
  origins: OriginTable;
  /** How many times this job was restarted before this start. */
  restarts: number;
  /** The whole resolved config as JSON, for files to record what they were written under. */
  configJson: string;
}

/**
 * Size of the control block of {@link StartMessage}. Int32 slot {@link CONTROL_STOP}: non-zero
 * when a stop is asked for; Int32 slot {@link CONTROL_PAUSED}: non-zero while the run is paused
 * (sources only). BigInt64 slots {@link CONTROL_PAUSED_AT_NS} and {@link CONTROL_RESUMED_AT_NS}:
 * the last pause, ns since the epoch; the supervisor sets the flag before the start time and the
 * end time before clearing the flag, so a job that sees the flag clear sees the whole window.
 */
export const CONTROL_BYTES = 24;
/**
 * Int32 slot of the control block: stop requested (1: stop, consumers drain their rings
 * first; {@link STOP_FORCED}: a forced stop).
 */
export const CONTROL_STOP = 0;
/** Value of {@link CONTROL_STOP} in a forced stop: end now, leave the rings, close files. */
export const STOP_FORCED = 2;
/** Int32 slot of the control block: paused. */
export const CONTROL_PAUSED = 1;
/** BigInt64 slot of the control block: when the last pause began (0: from the start). */
export const CONTROL_PAUSED_AT_NS = 1;
/** BigInt64 slot of the control block: when the last pause ended. */
export const CONTROL_RESUMED_AT_NS = 2;

/** Supervisor to job: stop (the control block says so too). */
export interface StopMessage {
  kind: "stop";
}

/** Supervisor to job: apply a setting (e.g. an instrument's output voltage); answered by id. */
export interface SettingMessage {
  kind: "setting";
  id: number;
  name: string;
  value: unknown;
}

/** Anything the supervisor posts to a job. */
/** Supervisor to job: how a setting the job asked for ({@link SettingRequestMessage}) went. */
export interface SettingRequestResultMessage {
  kind: "setting-request-result";
  id: number;
  /** Why it was refused, when it was. */
  error?: string;
}

/** Anything the supervisor posts to a job. */
export type SupervisorMessage =
  | StartMessage
  | StopMessage
  | SettingMessage
  | SettingRequestResultMessage;

/** Latency of messages received during one stats interval, in ms. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Job to supervisor: counters so far (totals since this Worker started). */
export interface StatsMessage {
  kind: "stats";
  msgsIn: number;
  bytesIn: number;
  msgsOut: number;
  bytesOut: number;
  /** Rows received or produced (tables only). */
  rows: number;
  latency: LatencySummary;
  /** Histogram of every latency since this Worker started (see transport/latency.ts). */
  latencyHistogram: number[];
  /** Job-specific figures shown by name, e.g. `files` or `lost_records`. */
  extra: Record<string, number>;
  /** What the job says it is doing, e.g. `connecting (attempt 3, next in 4 s)`. */
  status?: string;
}

/** Job to supervisor: a line for the log. */
export interface LogMessage {
  kind: "log";
  level: "info" | "warn" | "error";
  text: string;
}

/** Job to supervisor: the job finished cleanly (stop honoured, or a source that ran out). */
export interface DoneMessage {
  kind: "done";
}

/** Job to supervisor: the job's run failed with this error. */
export interface FailedMessage {
  kind: "failed";
  error: string;
  /** A restart cannot mend it (e.g. a message larger than its ring): give the job up at once. */
  permanent?: boolean;
}

/** A file a job wrote (or is writing): for the run's manifest. Sent again as it grows. */
export interface FileReport {
  /** Path as the job opened it. */
  path: string;
  /** Rows in the file so far. */
  rows: number;
  /** Bytes in the file so far, as far as the job knows. */
  bytes: number;
}

/** Job to supervisor: a file written, see {@link FileReport}. */
export interface FileMessage extends FileReport {
  kind: "file";
}

/** Job to supervisor: the identity of the instrument behind this job (e.g. its `*IDN?`). */
export interface IdentityMessage {
  kind: "identity";
  text: string;
}

/** Job to supervisor: the answer to a {@link SettingMessage}; `error` when it was refused. */
export interface SettingResultMessage {
  kind: "setting-result";
  id: number;
  error?: string;
}

/** Anything a job posts to the supervisor. */
/** Job to supervisor: apply a setting to another job (a user's sequencer setting a supply). */
export interface SettingRequestMessage {
  kind: "setting-request";
  id: number;
  job: string;
  name: string;
  value: unknown;
}

/** Anything a job posts to the supervisor. */
export type JobMessage =
  | SettingRequestMessage
  | ReadyMessage
  | StatsMessage
  | LogMessage
  | DoneMessage
  | FailedMessage
  | FileMessage
  | IdentityMessage
  | SettingResultMessage;

/**
 * Job to supervisor, first: the Worker listens now. A job module (or what it imports) may use
 * top-level await, and a Worker drops messages that come before its handler is set, so the
 * supervisor sends nothing before this.
 */
export interface ReadyMessage {
  kind: "ready";
}

const HOST_MODULE = new URL("./host.ts", import.meta.url).href;

/**
 * The entry module of the Worker that runs the job of `module` (a URL): it imports the job
 * and the host statically, so both load with the supervisor's read access, not the job's
 * (a job that may read nothing still loads).
 */
export function jobWorkerUrl(module: string): string {
  const code = `import * as job from ${JSON.stringify(module)};\n` +
    `import { hostJobModule } from ${JSON.stringify(HOST_MODULE)};\n` +
    `hostJobModule(job, ${JSON.stringify(module)});\n`;
  return `data:text/javascript,${encodeURIComponent(code)}`;
}
