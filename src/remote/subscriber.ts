/**
 * Subscribing side of a link: a ZeroMQ SUB socket that decodes wire messages, drops echoes of
 * its own origin and duplicates, counts gaps, and keeps a table of peers from heartbeats.
 *
 * @module
 */
import * as zmq from "zeromq";
import { applyCurve, type CurveOptions } from "./curve.ts";
import { RemoteOptionsError, WireFormatError } from "./errors.ts";
import { bindEndpoint, connectEndpoint } from "./_endpoint.ts";
import { backoff } from "./_poll.ts";
import {
  acceptSeq,
  newCounters,
  newStream,
  type SequenceCounters,
  type StreamState,
} from "./_sequence.ts";
import {
  decodeHeartbeat,
  decodeMessage,
  HEARTBEAT_TOPIC,
  type PayloadType,
  payloadTypeOf,
} from "./wire.ts";
import type { ZapRegistration } from "./_zap.ts";

/** One payload received from the link. */
export interface RemoteMessage {
  /** Topic (route key) it was published on. */
  topic: string;
  /** Id of the supervisor that published it; never the subscriber's own. */
  origin: string;
  /** Sequence number, per origin + topic. */
  seq: number;
  /** "arrow" (Arrow IPC stream bytes) or "msgpack". */
  type: PayloadType;
  /** Send time, nanoseconds since the Unix epoch. */
  timestampNs: bigint;
  /** Route keys given by the publisher. */
  routeKeys: string[];
  /**
   * The payload: an Arrow IPC stream or a msgpack value. A view on the received frame, or,
   * when its schema was sent once for the batch, a copy made the first time it is read.
   */
  readonly payload: Uint8Array;
  /** The payload's bytes after `schema` (all of it when there is none): a view, no copy. */
  body: Uint8Array;
  /** The Arrow schema message the payload starts with, when it was sent once for the batch. */
  schema: Uint8Array | undefined;
}

/** A received payload whose whole bytes are put together only if asked for. */
class ReceivedPayload implements RemoteMessage {
  #whole: Uint8Array | undefined;
  constructor(
    readonly topic: string,
    readonly origin: string,
    readonly seq: number,
    readonly type: PayloadType,
    readonly timestampNs: bigint,
    readonly routeKeys: string[],
    readonly body: Uint8Array,
    readonly schema: Uint8Array | undefined,
  ) {}
  get payload(): Uint8Array {
    if (!this.schema) return this.body;
    if (!this.#whole) {
      this.#whole = new Uint8Array(this.schema.byteLength + this.body.byteLength);
      this.#whole.set(this.schema);
      this.#whole.set(this.body, this.schema.byteLength);
    }
    return this.#whole;
  }
}

/** Options of {@link openSubscriber}. */
export interface SubscriberOptions {
  /** Endpoints to connect (a proxy's XPUB side, or publishers), or to bind if `bind`. */
  endpoints: string[];
  /** Topic prefixes to subscribe to ("" for all); heartbeats are always subscribed. */
  topics: string[];
  /** Own supervisor id: messages with this origin are dropped (no echo). */
  origin: string;
  /** Bind the endpoints instead of connecting (publishers then connect here). */
  bind?: boolean;
  /** CURVE keys; client when connecting, server when binding. */
  curve?: CurveOptions;
  /** Receive high-water mark in wire messages (default 1000). */
  hwm?: number;
  /** Heartbeat period assumed for peers until their first heartbeat (default 1000 ms). */
  heartbeatIntervalMs?: number;
  /** Ends iteration when aborted. */
  signal?: AbortSignal;
}

/** Counters of a subscriber. */
export interface SubscriberStats extends SequenceCounters {
  /** Payloads delivered to the application. */
  messagesIn: number;
  /** Payload bytes delivered. */
  bytesIn: number;
  /** Wire messages received (heartbeats included). */
  wireMessagesIn: number;
  /** Heartbeats received. */
  heartbeatsIn: number;
  /** Messages dropped because they carried the subscriber's own origin. */
  ownEchoes: number;
  /** Wire messages that did not follow the format, dropped. */
  malformed: number;
}

/** A peer seen on the link. */
export interface PeerStatus {
  /** Its origin id. */
  origin: string;
  /** When anything from it was last received (ms since the Unix epoch). */
  lastSeenMs: number;
  /** Seen within 3 heartbeat intervals. */
  alive: boolean;
  /** Its heartbeat period (from its heartbeats). */
  intervalMs: number;
  /** Payloads received from it. */
  messages: number;
  /** Counters from its last heartbeat: payloads and bytes it sent, payloads it dropped. */
  sent?: { messages: number; bytes: number; drops: number };
}

/** An open subscriber; iterate it for messages (one consumer at a time). */
export interface Subscriber extends AsyncIterable<RemoteMessage> {
  /**
   * The same messages, one array per wire message (fewer awaits for small payloads); iterate
   * this or the subscriber itself, not both.
   */
  batches(): AsyncIterable<RemoteMessage[]>;
  /** Bound addresses (when binding) or the endpoints connected. */
  readonly endpoints: string[];
  /** Counters. */
  stats(): SubscriberStats;
  /** Peers seen so far, with liveness. */
  peers(): PeerStatus[];
  /** First and last sequence number seen per origin + topic. */
  streams(): { origin: string; topic: string; firstSeq: number; lastSeq: number }[];
  /** Stops iteration and closes the socket. */
  close(): Promise<void>;
}

/** True if `message` came in over a link, i.e. carries an origin other than `localOrigin`. */
export function isFromLink(message: { origin?: string }, localOrigin: string): boolean {
  return typeof message.origin === "string" && message.origin !== localOrigin;
}

interface Peer {
  origin: string;
  lastSeenMs: number;
  intervalMs: number;
  messages: number;
  sent?: { messages: number; bytes: number; drops: number };
}

/** Opens a subscriber connected to (or bound on) `endpoints`. */
export async function openSubscriber(options: SubscriberOptions): Promise<Subscriber> {
  const { origin } = options;
  if (typeof origin !== "string" || origin === "") {
    throw new RemoteOptionsError("openSubscriber: origin must be a non-empty string");
  }
  if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
    throw new RemoteOptionsError("openSubscriber: endpoints must list at least one endpoint");
  }
  const defaultIntervalMs = options.heartbeatIntervalMs ?? 1000;
  const socket = new zmq.Subscriber({ receiveHighWaterMark: options.hwm ?? 1000, linger: 0 });
  let zap: ZapRegistration | undefined;
  const endpoints: string[] = [];
  try {
    if (options.curve) {
      zap = await applyCurve(socket, options.curve, options.bind ? "server" : "client");
    }
    for (const endpoint of options.endpoints) {
      if (options.bind) endpoints.push(await bindEndpoint(socket, endpoint));
      else {
        connectEndpoint(socket, endpoint);
        endpoints.push(endpoint);
      }
    }
  } catch (error) {
    zap?.release();
    socket.close();
    throw error;
  }
  for (const topic of new Set([...options.topics, HEARTBEAT_TOPIC])) socket.subscribe(topic);

  const counters = newCounters();
  const stats = {
    messagesIn: 0,
    bytesIn: 0,
    wireMessagesIn: 0,
    heartbeatsIn: 0,
    ownEchoes: 0,
    malformed: 0,
  };
  const streams = new Map<string, StreamState & { origin: string; topic: string }>();
  const peers = new Map<string, Peer>();
  let closed = false;
  let iterating = false;
  const isStopped = () => closed || options.signal?.aborted === true;

  function peerOf(peerOrigin: string, now: number): Peer {
    let peer = peers.get(peerOrigin);
    if (!peer) {
      peer = { origin: peerOrigin, lastSeenMs: now, intervalMs: defaultIntervalMs, messages: 0 };
      peers.set(peerOrigin, peer);
    }
    peer.lastSeenMs = now;
    return peer;
  }

  async function* batches(): AsyncGenerator<RemoteMessage[]> {
    if (iterating) throw new RemoteOptionsError("subscriber: already being iterated");
    iterating = true;
    try {
      for (let attempt = 0; !isStopped();) {
        if (!socket.readable) {
          await backoff(attempt++);
          continue;
        }
        attempt = 0;
        let frames: Uint8Array[];
        try {
          frames = await socket.receive();
        } catch (error) {
          if (isStopped()) return;
          throw error;
        }
        stats.wireMessagesIn++;
        let wire;
        try {
          wire = decodeMessage(frames);
        } catch (error) {
          if (!(error instanceof WireFormatError)) throw error;
          stats.malformed++;
          continue;
        }
        const { topic, header, payloads, schema } = wire;
        if (header.origin === origin) {
          stats.ownEchoes += header.count;
          continue;
        }
        const peer = peerOf(header.origin, Date.now());
        if (header.type === "heartbeat") {
          stats.heartbeatsIn++;
          try {
            const beat = decodeHeartbeat(payloads[0]);
            if (typeof beat.interval_ms === "number" && beat.interval_ms > 0) {
              peer.intervalMs = beat.interval_ms;
            }
            peer.sent = { messages: beat.messages_out, bytes: beat.bytes_out, drops: beat.drops };
          } catch {
            stats.malformed++;
          }
          continue;
        }
        const key = `${header.origin}\u0000${topic}`;
        let stream = streams.get(key);
        if (stream && stream.session !== header.session) {
          counters.restarts++;
          stream = undefined;
        }
        const type: PayloadType = payloadTypeOf(header.type);
        const batch: RemoteMessage[] = [];
        for (let i = 0; i < payloads.length; i++) {
          const seq = header.seq + i;
          if (!stream) {
            stream = { ...newStream(header.session, seq), origin: header.origin, topic };
            counters.missedAtStart += seq - 1;
            streams.set(key, stream);
          } else if (!acceptSeq(stream, seq, counters)) continue;
          const payload = payloads[i];
          stats.messagesIn++;
          stats.bytesIn += payload.byteLength + (schema?.byteLength ?? 0);
          peer.messages++;
          batch.push(
            new ReceivedPayload(
              topic,
              header.origin,
              seq,
              type,
              header.timestamp_ns,
              header.route_keys,
              payload,
              schema,
            ),
          );
        }
        if (batch.length > 0) yield batch;
      }
    } finally {
      iterating = false;
    }
  }

  async function* messages(): AsyncGenerator<RemoteMessage> {
    for await (const batch of batches()) yield* batch;
  }

  return {
    endpoints,
    [Symbol.asyncIterator]: messages,
    batches,
    stats: () => ({ ...stats, ...counters }),
    peers() {
      const now = Date.now();
      return [...peers.values()].map((peer) => ({
        ...peer,
        alive: now - peer.lastSeenMs <= 3 * peer.intervalMs,
      }));
    },
    streams: () =>
      [...streams.values()].map(({ origin, topic, firstSeq, lastSeq }) => ({
        origin,
        topic,
        firstSeq,
        lastSeq,
      })),
    close() {
      if (!closed) {
        closed = true;
        socket.close();
        zap?.release();
      }
      return Promise.resolve();
    },
  };
}
