// Messages between a `remote` job and its publisher Worker (`_publisher.ts`). The
// publisher has its own thread: a ZeroMQ publisher and subscriber in one thread can stall.
import type { CurveOptions, PayloadType, PublisherStats } from "../../../remote/mod.ts";

/** The publisher Worker's module. */
export const PUBLISHER_MODULE: URL = new URL("./_publisher.ts", import.meta.url);

/** Payloads in a row of one topic and type (and for Arrow, one schema) within a request. */
export interface PackedRun {
  topic: string;
  type: PayloadType;
  /** Payloads in the run. */
  count: number;
  /**
   * Arrow runs: the schema message each payload starts with, left out of `data` (sent once
   * per wire message); absent when the payloads are not Arrow IPC streams.
   */
  schema?: Uint8Array<ArrayBuffer>;
}

/**
 * Payloads of one `send` request, packed so that one postMessage carries many of them with a
 * single transferred buffer: payload `i` (counted across runs) is `data[ends[i-1] .. ends[i])`
 * (from 0 for i = 0), after its run's schema if the run has one.
 */
export interface PackedPayloads {
  runs: PackedRun[];
  /** Send times, microseconds since the Unix epoch (exact in a double until year 2255). */
  timestampsUs: Float64Array<ArrayBuffer>;
  ends: Uint32Array<ArrayBuffer>;
  data: ArrayBuffer;
}

/** Job to publisher. */
export type PublisherRequest =
  | {
    kind: "open";
    endpoint: string;
    bind: boolean;
    origin: string;
    hwm: number;
    onHwm: "block" | "drop";
    heartbeatIntervalMs: number;
    curve?: CurveOptions;
    /** After connecting: wait for the handshake, then this long, before reporting open. */
    connectGraceMs: number;
  }
  | { kind: "send"; packed: PackedPayloads }
  | { kind: "close" };

/** Publisher to job. */
export type PublisherReply =
  | { kind: "opened"; endpoint: string }
  /** A `send` request is done: its payloads were handed to ZeroMQ or dropped at the hwm. */
  | { kind: "sent"; stats: PublisherStats }
  | { kind: "closed"; stats: PublisherStats }
  | { kind: "error"; name: string; message: string };
