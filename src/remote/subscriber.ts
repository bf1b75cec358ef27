/**
 * Subscribing side of a link: a ZeroMQ SUB socket that decodes wire messages, drops echoes of
 * its own origin and duplicates, counts gaps, and keeps a table of peers from heartbeats.
 *
 * @module
 */
import * as zmq from "zeromq";
import { applyCurve, type CurveOptions } from "./curve.ts";
import { RemoteOptionsError } from "./errors.ts";
import { bindEndpoint, connectEndpoint } from "./_endpoint.ts";
import { backoff } from "./_poll.ts";
import {
  createIntake,
  type IntakeProblem,
  type IntakeStats,
  type PeerStatus,
  type RemoteMessage,
} from "./_intake.ts";
import { DEFAULT_MAX_SEQ_JUMP } from "./_sequence.ts";
import { DEFAULT_MAX_MESSAGE_BYTES, HEARTBEAT_TOPIC } from "./wire.ts";
import type { ZapRegistration } from "./_zap.ts";

export type { IntakeProblem, PeerStatus, RemoteMessage };

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
  /** Bytes of one wire message (all frames) at most; larger ones are skipped (default 64 MiB). */
  maxMessageBytes?: number;
  /**
   * How far a sequence number may jump forward and still count as a gap (default 10^7); a
   * larger jump is taken as a restarted numbering (docs/wire-format.md).
   */
  maxSeqJump?: number;
  /**
   * Told of every message or payload skipped (malformed, too large, an own echo) and of every
   * numbering not followed, with what was wrong.
   */
  onProblem?: (kind: IntakeProblem, problem: string) => void;
}

/** Counters of a subscriber. */
export type SubscriberStats = IntakeStats;

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

  const intake = createIntake({
    origin,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    maxSeqJump: options.maxSeqJump ?? DEFAULT_MAX_SEQ_JUMP,
    heartbeatIntervalMs: defaultIntervalMs,
    onProblem: options.onProblem,
  });
  let closed = false;
  let iterating = false;
  const isStopped = () => closed || options.signal?.aborted === true;

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
        const batch = intake.take(frames, Date.now());
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
    stats: () => intake.stats(),
    peers: () => intake.peers(Date.now()),
    streams: () => intake.streams(),
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
