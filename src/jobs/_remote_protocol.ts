// Messages between a `remote` job and its publisher Worker (`_remote_publisher.ts`). The
// publisher has its own thread: a ZeroMQ publisher and subscriber in one thread can stall.
import type { CurveOptions, PayloadType, PublisherStats } from "../remote/mod.ts";

/** The publisher Worker's module. */
export const PUBLISHER_MODULE: URL = new URL("./_remote_publisher.ts", import.meta.url);

/** One payload to publish; `payload` is a copy owned by the message (transferred). */
export interface OutgoingPayload {
  topic: string;
  type: PayloadType;
  payload: Uint8Array;
  timestampNs: bigint;
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
  | { kind: "send"; items: OutgoingPayload[] }
  | { kind: "close" };

/** Publisher to job. */
export type PublisherReply =
  | { kind: "opened"; endpoint: string }
  /** A `send` request is done: its payloads were handed to ZeroMQ or dropped at the hwm. */
  | { kind: "sent"; stats: PublisherStats }
  | { kind: "closed"; stats: PublisherStats }
  | { kind: "error"; name: string; message: string };
