/**
 * Publishing side of a link: a ZeroMQ PUB socket that writes wire messages
 * (docs/wire-format.md), batching small payloads and sending heartbeats.
 *
 * @module
 */
import * as zmq from "zeromq";
import { applyCurve, type CurveOptions } from "./curve.ts";
import { RemoteOptionsError } from "./errors.ts";
import { bindEndpoint, connectEndpoint } from "./_endpoint.ts";
import { backoff, isAgain } from "./_poll.ts";
import type { ZapRegistration } from "./_zap.ts";
import {
  encodeHeartbeat,
  encodeMessage,
  encodePackedMessage,
  HEARTBEAT_TOPIC,
  nowNs,
  type PayloadType,
  WIRE_VERSION,
  type WireType,
} from "./wire.ts";

/** When small payloads of one topic are flushed as one wire message. */
export interface BatchOptions {
  /** Flush when this many payloads are queued on a topic (default 256; 1 disables batching). */
  maxMessages?: number;
  /** Flush when the queued payloads of a topic reach this many bytes (default 262144). */
  maxBytes?: number;
  /** Flush queued payloads at most this long after the first was queued (default 1 ms). */
  lingerMs?: number;
  /**
   * Send a batch of several payloads as one frame (`packed_arrow`, `packed_msgpack`; default
   * true) rather than a frame per payload (`arrow`, `batch`), which costs per frame at every hop.
   */
  pack?: boolean;
}

/** Options of {@link openPublisher}. */
export interface PublisherOptions {
  /** Where to bind or connect, e.g. `tcp://127.0.0.1:5556` or `tcp://*:0`... */
  endpoint: string;
  /** Bind (peers connect here) or connect (e.g. to a proxy's XSUB side). */
  bind: boolean;
  /** Id of this supervisor, written into every header. */
  origin: string;
  /** Send high-water mark in wire messages (default 1000). */
  hwm?: number;
  /** At the high-water mark: wait and retry ("block", default) or drop and count ("drop"). */
  onHwm?: "block" | "drop";
  /** CURVE keys; server when binding, client when connecting. */
  curve?: CurveOptions;
  /** Heartbeat period in ms (default 1000; 0 turns heartbeats off). */
  heartbeatIntervalMs?: number;
  /** Batching of payloads (Arrow and msgpack alike, each type in its own wire messages). */
  batch?: BatchOptions;
  /** How long close() lets queued messages drain, in ms (default 500). */
  lingerMs?: number;
}

/** Counters of a publisher. */
export interface PublisherStats {
  /** Payloads handed to ZeroMQ. */
  messagesOut: number;
  /** Payload bytes handed to ZeroMQ. */
  bytesOut: number;
  /** Wire (multipart) messages handed to ZeroMQ, heartbeats excluded. */
  wireMessagesOut: number;
  /** Payloads dropped at the high-water mark ("drop" mode). */
  drops: number;
  /** Heartbeats sent. */
  heartbeatsOut: number;
}

/** An open publisher; see {@link openPublisher}. */
export interface Publisher {
  /** The origin id written into headers. */
  readonly origin: string;
  /** Bound address (with the real port when bound to port 0 or *) or the connected endpoint. */
  readonly endpoint: string;
  /**
   * Sends one payload on `topic`. Payloads are batched per topic, type and route keys (a
   * payload of `maxBytes` or more goes out at once, after anything queued on the topic).
   * Resolves once the payload is queued or sent; in "block" mode it waits while ZeroMQ is at
   * the high-water mark. `timestampNs` (default now) goes into the header: the send time at
   * the origin (a batch carries the time of its first payload).
   */
  send(
    topic: string,
    type: PayloadType,
    payload: Uint8Array,
    routeKeys?: readonly string[],
    timestampNs?: bigint,
  ): Promise<void>;
  /**
   * Sends payloads that already lie back to back in `data` (payload `i` is `sizes[i]` bytes),
   * all of one type on `topic`, after what is queued on the topic: cut into wire messages as
   * {@link BatchOptions} says and, with packing on, sent without copying them. Resolves once
   * all are sent (or dropped at the high-water mark in "drop" mode).
   */
  sendPacked(
    topic: string,
    type: PayloadType,
    data: Uint8Array,
    sizes: readonly number[],
    options?: PackedOptions,
  ): Promise<void>;
  /** Sends every queued batch now. */
  flush(): Promise<void>;
  /** Current counters. */
  stats(): PublisherStats;
  /** Flushes, stops heartbeats and closes the socket. */
  close(): Promise<void>;
}

/** Options of {@link Publisher.sendPacked}. */
export interface PackedOptions {
  /** Route keys of the payloads (default none). */
  routeKeys?: readonly string[];
  /**
   * Send time of payload `i`, ns since the Unix epoch (default now); a wire message carries
   * its first payload's.
   */
  timestampNs?: (index: number) => bigint;
  /**
   * Arrow payloads only, with packing on: the schema message every payload starts with, left
   * out of `data` and `sizes`. It is sent once per wire message (`shared_schema`).
   */
  schema?: Uint8Array;
}

interface PendingBatch {
  topic: string;
  type: PayloadType;
  routeKeys: readonly string[];
  payloads: Uint8Array[];
  bytes: number;
  timestampNs?: bigint;
}

const DEFAULT_HWM = 1000;

/** Opens a publisher that binds or connects `endpoint`. */
export async function openPublisher(options: PublisherOptions): Promise<Publisher> {
  const { origin, bind } = options;
  if (typeof origin !== "string" || origin === "") {
    throw new RemoteOptionsError("openPublisher: origin must be a non-empty string");
  }
  const onHwm = options.onHwm ?? "block";
  if (onHwm !== "block" && onHwm !== "drop") {
    throw new RemoteOptionsError(`openPublisher: onHwm must be "block" or "drop", got ${onHwm}`);
  }
  const maxMessages = options.batch?.maxMessages ?? 256;
  const maxBytes = options.batch?.maxBytes ?? 256 << 10;
  const lingerMs = options.batch?.lingerMs ?? 1;
  const pack = options.batch?.pack ?? true;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;

  const socket = new zmq.Publisher({
    sendHighWaterMark: options.hwm ?? DEFAULT_HWM,
    noDrop: true,
    linger: options.lingerMs ?? 500,
  });
  let zap: ZapRegistration | undefined;
  let endpoint = options.endpoint;
  try {
    if (options.curve) zap = await applyCurve(socket, options.curve, bind ? "server" : "client");
    if (bind) endpoint = await bindEndpoint(socket, options.endpoint);
    else connectEndpoint(socket, options.endpoint);
  } catch (error) {
    zap?.release();
    socket.close();
    throw error;
  }

  const session = (Math.random() * 0x1_0000_0000) >>> 0;
  const startedMs = Date.now();
  const nextSeq = new Map<string, number>();
  const pending = new Map<string, PendingBatch>();
  const stats: PublisherStats = {
    messagesOut: 0,
    bytesOut: 0,
    wireMessagesOut: 0,
    drops: 0,
    heartbeatsOut: 0,
  };
  let closed = false;
  let sendTail: Promise<void> = Promise.resolve();
  let lingerTimer: ReturnType<typeof setTimeout> | undefined;

  function takeSeq(topic: string, count: number): number {
    const seq = nextSeq.get(topic) ?? 1;
    nextSeq.set(topic, seq + count);
    return seq;
  }

  async function writeFrames(frames: Uint8Array[], mode: "block" | "drop"): Promise<boolean> {
    for (let attempt = 0;; attempt++) {
      try {
        await socket.send(frames);
        return true;
      } catch (error) {
        if (!isAgain(error)) throw error;
        if (mode === "drop" || socket.closed) return false;
        await backoff(attempt);
      }
    }
  }

  /**
   * Queues a wire message behind earlier ones (zeromq.js allows one send at a time). With
   * `sizes`, `payloads` is one frame holding that many payloads back to back (a packed type).
   */
  function enqueue(
    topic: string,
    type: WireType,
    payloads: Uint8Array[],
    routeKeys: readonly string[],
    timestampNs?: bigint,
    sizes?: number[],
    schema?: Uint8Array,
  ): Promise<void> {
    const count = sizes?.length ?? payloads.length;
    const seq = takeSeq(topic, count);
    const run = async () => {
      const header = {
        v: WIRE_VERSION,
        origin,
        session,
        seq,
        type,
        route_keys: routeKeys as string[],
        timestamp_ns: timestampNs ?? nowNs(),
        count,
      };
      const frames = sizes
        ? encodePackedMessage(topic, { ...header, sizes }, payloads[0], schema)
        : encodeMessage(topic, header, payloads);
      if (type === "heartbeat") {
        if (await writeFrames(frames, "drop")) stats.heartbeatsOut++;
        return;
      }
      if (await writeFrames(frames, onHwm)) {
        stats.messagesOut += count;
        for (const payload of payloads) stats.bytesOut += payload.byteLength;
        if (schema) stats.bytesOut += count * schema.byteLength;
        stats.wireMessagesOut++;
      } else {
        stats.drops += count;
      }
    };
    const result = sendTail.then(run);
    sendTail = result.catch(() => {});
    return result;
  }

  function flushBatch(batch: PendingBatch): Promise<void> {
    pending.delete(batch.topic);
    const arrow = batch.type === "arrow";
    const type: WireType = batch.payloads.length === 1
      ? batch.type
      : pack
      ? (arrow ? "packed_arrow" : "packed_msgpack")
      : (arrow ? "arrow" : "batch");
    return enqueue(batch.topic, type, batch.payloads, batch.routeKeys, batch.timestampNs);
  }

  function flushAll(): Promise<void> {
    if (lingerTimer !== undefined) clearTimeout(lingerTimer);
    lingerTimer = undefined;
    for (const batch of [...pending.values()]) flushBatch(batch);
    return sendTail;
  }

  function sameKeys(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && a.every((key, i) => key === b[i]);
  }

  function sendHeartbeat(): void {
    if (closed) return;
    enqueue(HEARTBEAT_TOPIC, "heartbeat", [
      encodeHeartbeat({
        interval_ms: heartbeatIntervalMs,
        messages_out: stats.messagesOut,
        bytes_out: stats.bytesOut,
        drops: stats.drops,
        started_ms: startedMs,
      }),
    ], []).catch(() => {});
  }

  function checkSend(topic: string, type: PayloadType): void {
    if (closed) throw new RemoteOptionsError(`publisher ${origin}: send() after close()`);
    if (topic === HEARTBEAT_TOPIC) {
      throw new RemoteOptionsError(`publisher ${origin}: topic "${HEARTBEAT_TOPIC}" is reserved`);
    }
    if (type !== "arrow" && type !== "msgpack") {
      throw new RemoteOptionsError(
        `publisher ${origin}: type must be "arrow" or "msgpack", got ${JSON.stringify(type)}`,
      );
    }
  }

  let heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  if (heartbeatIntervalMs > 0) {
    const timer = setInterval(sendHeartbeat, heartbeatIntervalMs);
    Deno.unrefTimer(timer);
    heartbeatTimer = timer;
    sendHeartbeat();
  }

  return {
    origin,
    endpoint,
    async send(topic, type, payload, routeKeys = [], timestampNs) {
      checkSend(topic, type);
      let batch = pending.get(topic);
      if (batch && (batch.type !== type || !sameKeys(batch.routeKeys, routeKeys))) {
        flushBatch(batch);
        batch = undefined;
      }
      if (payload.byteLength >= maxBytes) {
        if (batch) flushBatch(batch);
        return await enqueue(
          topic,
          type === "arrow" ? "arrow" : "msgpack",
          [payload],
          routeKeys,
          timestampNs,
        );
      }
      if (!batch) {
        batch = { topic, type, routeKeys: [...routeKeys], payloads: [], bytes: 0, timestampNs };
        pending.set(topic, batch);
      }
      batch.payloads.push(payload);
      batch.bytes += payload.byteLength;
      if (batch.payloads.length >= maxMessages || batch.bytes >= maxBytes) {
        return await flushBatch(batch);
      }
      if (lingerTimer === undefined) {
        lingerTimer = setTimeout(() => {
          lingerTimer = undefined;
          flushAll().catch(() => {});
        }, lingerMs);
      }
    },
    async sendPacked(topic, type, data, sizes, options = {}) {
      checkSend(topic, type);
      const { routeKeys = [], timestampNs, schema } = options;
      if (schema && (type !== "arrow" || !pack)) {
        throw new RemoteOptionsError(
          `publisher ${origin}: sendPacked with a shared schema needs Arrow payloads and packing`,
        );
      }
      const queued = pending.get(topic);
      if (queued) flushBatch(queued);
      const total = sizes.reduce((sum, size) => sum + size, 0);
      if (total !== data.byteLength) {
        throw new RemoteOptionsError(
          `publisher ${origin}: sendPacked sizes add up to ${total} bytes, data has ${data.byteLength}`,
        );
      }
      let last: Promise<void> = Promise.resolve();
      for (let i = 0, at = 0; i < sizes.length;) {
        let n = 0;
        let bytes = 0;
        while (i + n < sizes.length) {
          if (n > 0 && sizes[i + n] >= maxBytes) break;
          bytes += sizes[i + n++];
          if (n >= maxMessages || bytes >= maxBytes) break;
        }
        const frame = data.subarray(at, at + bytes);
        const time = timestampNs?.(i);
        const arrow = type === "arrow";
        if (schema) {
          const packedSizes = sizes.slice(i, i + n);
          last = enqueue(topic, "packed_arrow", [frame], routeKeys, time, packedSizes, schema);
        } else if (n === 1) last = enqueue(topic, type, [frame], routeKeys, time);
        else if (pack) {
          const packedType = arrow ? "packed_arrow" : "packed_msgpack";
          last = enqueue(topic, packedType, [frame], routeKeys, time, sizes.slice(i, i + n));
        } else {
          const payloads = [];
          for (let k = 0, from = 0; k < n; from += sizes[i + k++]) {
            payloads.push(frame.subarray(from, from + sizes[i + k]));
          }
          last = enqueue(topic, arrow ? "arrow" : "batch", payloads, routeKeys, time);
        }
        i += n;
        at += bytes;
      }
      return await last;
    },
    flush: flushAll,
    stats: () => ({ ...stats }),
    async close() {
      if (closed) return;
      await flushAll();
      closed = true;
      if (heartbeatTimer !== undefined) clearInterval(heartbeatTimer);
      await sendTail.catch(() => {});
      socket.close();
      zap?.release();
    },
  };
}
