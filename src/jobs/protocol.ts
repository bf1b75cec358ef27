/** Messages between the supervisor and the Worker of a job. */
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
  /** Slot 0 non-zero: stop requested. Shared so that busy loops see it without a message. */
  control: SharedArrayBuffer;
  /** The supervisor's origin table: which supervisor a record injected by a link came from. */
  origins: OriginTable;
  /** How many times this job was restarted before this start. */
  restarts: number;
  /** The whole resolved config as JSON, for files to record what they were written under. */
  configJson: string;
}

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
}

/** Anything a job posts to the supervisor. */
export type JobMessage = StatsMessage | LogMessage | DoneMessage | FailedMessage;
