// What a subscriber does with each received wire message, apart from its socket: decode it
// within the size limit, drop its own echoes, track peers and sequence numbers, and check
// every payload (Arrow metadata, msgpack structure) before handing it on. Everything that
// fails is skipped and counted; nothing here throws on bytes from outside.
import {
  ArrowPayloadError,
  type ArrowSchemaCheck,
  validateArrowBatch,
  validateArrowPayload,
  validateArrowSchema,
} from "../arrow/mod.ts";
import { WireFormatError, WireSizeError } from "./errors.ts";
import { checkMsgpackValue } from "./_msgpack_check.ts";
import {
  acceptSeq,
  newCounters,
  newStream,
  type SequenceCounters,
  type StreamState,
} from "./_sequence.ts";
import { decodeHeartbeat, decodeMessage, type PayloadType, payloadTypeOf } from "./wire.ts";

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
  /** Rows of an Arrow payload (from its checked metadata); 0 for msgpack. */
  rows: number;
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
    readonly rows: number,
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

/**
 * What went wrong with something received: `wire` (frames or header), `size` (over the
 * limit), `arrow` / `msgpack` (a payload), `peers` / `streams` (more than the subscriber
 * tracks), all skipped and counted as malformed; `own_echo` (skipped, counted apart);
 * `seq_jump` (a numbering not followed; the payload is delivered).
 */
export type IntakeProblem =
  | "wire"
  | "size"
  | "arrow"
  | "msgpack"
  | "peers"
  | "streams"
  | "own_echo"
  | "seq_jump";

/** Options of {@link createIntake}. */
export interface IntakeOptions {
  /** Own supervisor id: messages with this origin are dropped (no echo). */
  origin: string;
  /** Bytes of one wire message, all frames together, at most. */
  maxMessageBytes: number;
  /** How far a sequence number may jump forward and still count as a gap. */
  maxSeqJump: number;
  /** Heartbeat period assumed for peers until their first heartbeat. */
  heartbeatIntervalMs: number;
  /** Told of every problem, with what was wrong (cheap: called only when something is). */
  onProblem?: (kind: IntakeProblem, problem: string) => void;
}

/** Counters of an intake. */
export interface IntakeStats extends SequenceCounters {
  /** Payloads delivered to the application. */
  messagesIn: number;
  /** Payload bytes delivered. */
  bytesIn: number;
  /** Wire messages received (heartbeats included). */
  wireMessagesIn: number;
  /** Heartbeats received (its own included). */
  heartbeatsIn: number;
  /** Payloads dropped because they carried the subscriber's own origin (heartbeats aside). */
  ownEchoes: number;
  /**
   * Wire messages that could not be decoded (or were over the size limit), and payloads that
   * failed their checks, dropped: one each.
   */
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

/** Decodes, checks and tracks received wire messages. */
export interface Intake {
  /** The payloads of one received wire message that pass every check (often none). */
  take(frames: readonly Uint8Array[], nowMs: number): RemoteMessage[];
  /** Counters. */
  stats(): IntakeStats;
  /** Peers seen so far, with liveness. */
  peers(nowMs: number): PeerStatus[];
  /** First and last sequence number seen per origin + topic (+ session). */
  streams(): { origin: string; topic: string; firstSeq: number; lastSeq: number }[];
}

/** Peers tracked at most (a supervisor tells 255 origins apart). */
const MAX_PEERS = 255;
/** Streams (origin + topic + session) tracked at most. */
const MAX_STREAMS = 4096;

type Peer = Omit<PeerStatus, "alive">;
type Stream = StreamState & { origin: string; topic: string };

/** Creates the intake of one subscriber. */
export function createIntake(options: IntakeOptions): Intake {
  const { origin, maxSeqJump } = options;
  const limits = { maxMessageBytes: options.maxMessageBytes };
  const counters = newCounters();
  const stats = {
    messagesIn: 0,
    bytesIn: 0,
    wireMessagesIn: 0,
    heartbeatsIn: 0,
    ownEchoes: 0,
    malformed: 0,
  };
  const streams = new Map<string, Stream>();
  /**
   * The sessions seen per origin + topic, the latest last: a new one is a restart. The two
   * latest are tracked, so that a forged session does not take the genuine one's place.
   */
  const sessions = new Map<string, string[]>();
  const peers = new Map<string, Peer>();
  const problem = (kind: IntakeProblem, text: string, count = 1) => {
    if (kind === "own_echo") stats.ownEchoes += count;
    else if (kind !== "seq_jump") stats.malformed += count;
    options.onProblem?.(kind, text);
  };

  function take(frames: readonly Uint8Array[], nowMs: number): RemoteMessage[] {
    stats.wireMessagesIn++;
    let wire;
    try {
      wire = decodeMessage(frames, limits);
    } catch (error) {
      if (!(error instanceof WireFormatError)) throw error;
      problem(error instanceof WireSizeError ? "size" : "wire", error.message);
      return [];
    }
    const { topic, header, payloads, schema } = wire;
    if (header.origin === origin) {
      // Its own heartbeats come back to any supervisor that publishes and subscribes through
      // one proxy: expected, not counted. Its own data coming back are worth a look.
      if (header.type === "heartbeat") stats.heartbeatsIn++;
      else {
        problem(
          "own_echo",
          `${header.count} payloads on "${topic}" carry this supervisor's own id "${origin}" ` +
            `(its own data came back, or another supervisor uses the same id)`,
          header.count,
        );
      }
      return [];
    }
    let peer = peers.get(header.origin);
    if (!peer) {
      if (peers.size >= MAX_PEERS) {
        problem("peers", `origin "${header.origin}": more than ${MAX_PEERS} peers`);
        return [];
      }
      peer = {
        origin: header.origin,
        lastSeenMs: nowMs,
        intervalMs: options.heartbeatIntervalMs,
        messages: 0,
      };
      peers.set(header.origin, peer);
    }
    peer.lastSeenMs = nowMs;
    if (header.type === "heartbeat") {
      stats.heartbeatsIn++;
      try {
        const beat = decodeHeartbeat(payloads[0]);
        if (typeof beat.interval_ms === "number" && beat.interval_ms > 0) {
          peer.intervalMs = beat.interval_ms;
        }
        peer.sent = { messages: beat.messages_out, bytes: beat.bytes_out, drops: beat.drops };
      } catch (error) {
        if (!(error instanceof WireFormatError)) throw error;
        problem("wire", `from "${header.origin}": ${error.message}`);
      }
      return [];
    }
    const topicKey = `${header.origin}\u0000${topic}`;
    const key = `${topicKey}\u0000${header.session}`;
    let stream = streams.get(key);
    const type: PayloadType = payloadTypeOf(header.type);
    // A schema sent once for all payloads is checked once for them.
    let schemaCheck: ArrowSchemaCheck | undefined;
    if (schema) {
      try {
        schemaCheck = validateArrowSchema(schema);
      } catch (error) {
        if (!(error instanceof ArrowPayloadError)) throw error;
        problem("arrow", `from "${header.origin}" on "${topic}": ${error.message}`, header.count);
        return [];
      }
    }
    const batch: RemoteMessage[] = [];
    for (let i = 0; i < payloads.length; i++) {
      const seq = header.seq + i;
      if (!stream) {
        if (streams.size >= MAX_STREAMS) {
          problem("streams", `"${header.origin}" on "${topic}": more than ${MAX_STREAMS} streams`);
          return batch;
        }
        // A new session of a known origin and topic is a publisher that restarted: its first
        // number says what it sent before, unless that is beyond what a jump may be.
        let missed = seq - 1;
        const known = sessions.get(topicKey);
        if (known) {
          counters.restarts++;
          if (missed > maxSeqJump) {
            counters.seqJumps++;
            problem("seq_jump", `"${header.origin}" on "${topic}": new session starts at ${seq}`);
            missed = 0;
          }
          known.push(key);
          if (known.length > 2) streams.delete(known.shift()!);
        } else sessions.set(topicKey, [key]);
        stream = {
          ...newStream(header.session, seq, missed, counters),
          origin: header.origin,
          topic,
        };
        streams.set(key, stream);
      } else {
        const jumps = counters.seqJumps;
        const last = stream.lastSeq;
        if (!acceptSeq(stream, seq, counters, maxSeqJump)) continue;
        if (counters.seqJumps !== jumps) {
          problem(
            "seq_jump",
            `"${header.origin}" on "${topic}": sequence number ${seq} after ${last}`,
          );
        }
      }
      const body = payloads[i];
      let rows = 0;
      try {
        if (type === "msgpack") checkMsgpackValue(body);
        else if (schemaCheck) rows = validateArrowBatch(schemaCheck, body);
        else rows = validateArrowPayload(body).rows;
      } catch (error) {
        if (!(error instanceof ArrowPayloadError || error instanceof WireFormatError)) throw error;
        problem(type, `from "${header.origin}" on "${topic}", seq ${seq}: ${error.message}`);
        continue;
      }
      stats.messagesIn++;
      stats.bytesIn += body.byteLength + (schema?.byteLength ?? 0);
      peer.messages++;
      batch.push(
        new ReceivedPayload(
          topic,
          header.origin,
          seq,
          type,
          header.timestamp_ns,
          header.route_keys,
          rows,
          body,
          schema,
        ),
      );
    }
    return batch;
  }

  return {
    take,
    stats: () => ({ ...stats, ...counters }),
    peers: (nowMs) =>
      [...peers.values()].map((peer) => ({
        ...peer,
        alive: nowMs - peer.lastSeenMs <= 3 * peer.intervalMs,
      })),
    streams: () =>
      [...streams.values()].map(({ origin, topic, firstSeq, lastSeq }) => ({
        origin,
        topic,
        firstSeq,
        lastSeq,
      })),
  };
}
