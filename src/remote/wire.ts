/**
 * Encoding and decoding of link messages; the format is specified in docs/wire-format.md.
 *
 * A wire message is a ZeroMQ multipart message: `[topic, header, payload_0, ...]`.
 *
 * @module
 */
import { Packr } from "msgpackr";
import { WireFormatError, WireSizeError } from "./errors.ts";

/** Version written in every header (`v`). */
export const WIRE_VERSION = 1;

/** Topic on which publishers send heartbeats. */
export const HEARTBEAT_TOPIC = "_hb";

/**
 * Kinds of wire message. The `packed_*` kinds carry `count` payloads in one frame, their sizes
 * in the header's `sizes`.
 */
export type WireType =
  | "arrow"
  | "msgpack"
  | "batch"
  | "packed_arrow"
  | "packed_msgpack"
  | "heartbeat";

/** Kinds of payload an application sends and receives. */
export type PayloadType = "arrow" | "msgpack";

const WIRE_TYPES: ReadonlySet<string> = new Set([
  "arrow",
  "msgpack",
  "batch",
  "packed_arrow",
  "packed_msgpack",
  "heartbeat",
]);

/** True for the wire types that carry all their payloads in one frame. */
export function isPacked(type: WireType): boolean {
  return type === "packed_arrow" || type === "packed_msgpack";
}

/** The kind of payload a wire type carries (heartbeats count as msgpack). */
export function payloadTypeOf(type: WireType): PayloadType {
  return type === "arrow" || type === "packed_arrow" ? "arrow" : "msgpack";
}

/** The decoded msgpack header (frame 1). */
export interface WireHeader {
  /** Wire format version, {@link WIRE_VERSION}. */
  v: number;
  /** Id of the supervisor that published the message. */
  origin: string;
  /** Random id of the publisher instance; a new value means sequence numbers restarted. */
  session: number;
  /** Sequence number of the first payload, per origin + topic + session. */
  seq: number;
  /** What the payload frames hold. */
  type: WireType;
  /** Route keys of the payloads. */
  route_keys: string[];
  /** Nanoseconds since the Unix epoch when the message was sent. */
  timestamp_ns: bigint;
  /** Number of payloads. */
  count: number;
  /** Byte sizes of the payloads of a `packed_*` message (set by {@link encodeMessage}). */
  sizes?: number[];
  /**
   * `packed_arrow` only: the payloads share one Arrow schema message, sent once in its own
   * frame before the packed frame; payload `i` is that schema followed by its `sizes[i]` bytes.
   */
  shared_schema?: boolean;
}

/** A decoded wire message. */
export interface WireMessage {
  /** Topic (frame 0). */
  topic: string;
  /** Header (frame 1). */
  header: WireHeader;
  /** Payload frames, `header.count` of them (without the shared schema, if there is one). */
  payloads: Uint8Array[];
  /** The schema message every payload starts with, when `header.shared_schema` is true. */
  schema?: Uint8Array;
}

/** Counters carried by a heartbeat payload. */
export interface HeartbeatPayload {
  /** Heartbeat period of the sender in milliseconds. */
  interval_ms: number;
  /** Payloads sent so far. */
  messages_out: number;
  /** Payload bytes sent so far. */
  bytes_out: number;
  /** Payloads dropped at the high-water mark so far. */
  drops: number;
  /** Milliseconds since the Unix epoch when the publisher opened. */
  started_ms: number;
}

// "auto": 64-bit integers become numbers when they fit in 2^53, bigints otherwise.
const packr = new Packr({
  useRecords: false,
  int64AsType: "auto" as unknown as "bigint",
});
const textEncoder = new TextEncoder();
/** Bytes of an origin id at most (what a supervisor's origin table stores). */
export const MAX_ORIGIN_BYTES = 124;
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes a header as a msgpack map. */
export function encodeHeader(header: WireHeader): Uint8Array {
  return packr.pack(header);
}

function fail(what: string): never {
  throw new WireFormatError(`wire header: ${what} (see docs/wire-format.md)`);
}

function toSafeInteger(value: unknown, field: string): number {
  if (typeof value === "bigint") {
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
      fail(`"${field}" = ${value} is outside 0..2^53-1`);
    }
    return Number(value);
  }
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    fail(`"${field}" must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Decodes and validates a header frame; throws WireFormatError naming the bad field. */
export function decodeHeader(bytes: Uint8Array): WireHeader {
  let raw: Record<string, unknown>;
  try {
    raw = packr.unpack(bytes);
  } catch (error) {
    throw new WireFormatError(`wire header: not valid msgpack (${(error as Error).message})`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail("expected a map");
  const v = raw.v;
  if (v !== WIRE_VERSION) fail(`"v" must be ${WIRE_VERSION}, got ${JSON.stringify(v)}`);
  if (
    typeof raw.origin !== "string" || raw.origin === "" ||
    textEncoder.encode(raw.origin).length > MAX_ORIGIN_BYTES || CONTROL.test(raw.origin)
  ) {
    fail(`"origin" must be 1 to ${MAX_ORIGIN_BYTES} bytes of UTF-8 without control characters`);
  }
  if (typeof raw.type !== "string" || !WIRE_TYPES.has(raw.type)) {
    fail(`"type" must be one of ${[...WIRE_TYPES].join(", ")}; got ${JSON.stringify(raw.type)}`);
  }
  const keys = raw.route_keys ?? [];
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === "string")) {
    fail(`"route_keys" must be an array of strings`);
  }
  const timestamp = raw.timestamp_ns;
  let timestampNs: bigint;
  if (typeof timestamp === "bigint") timestampNs = timestamp;
  else if (typeof timestamp === "number" && Number.isInteger(timestamp)) {
    timestampNs = BigInt(timestamp);
  } else fail(`"timestamp_ns" must be an integer`);
  const header: WireHeader = {
    v,
    origin: raw.origin,
    session: raw.session === undefined ? 0 : toSafeInteger(raw.session, "session"),
    seq: toSafeInteger(raw.seq, "seq"),
    type: raw.type as WireType,
    route_keys: keys,
    timestamp_ns: timestampNs,
    count: toSafeInteger(raw.count, "count"),
  };
  if (header.seq < 1 || header.seq + header.count - 1 > Number.MAX_SAFE_INTEGER) {
    fail(`"seq" ${header.seq} with ${header.count} payloads leaves 1..2^53-1`);
  }
  if (isPacked(header.type)) {
    const sizes = raw.sizes;
    if (!Array.isArray(sizes) || sizes.length !== header.count) {
      fail(
        `"sizes" must be an array of ${header.count} sizes (the header's count) for ${raw.type}`,
      );
    }
    header.sizes = sizes.map((size) => toSafeInteger(size, "sizes"));
    if (raw.shared_schema === true) {
      if (header.type !== "packed_arrow") fail(`"shared_schema" is for packed_arrow only`);
      header.shared_schema = true;
    }
  }
  return header;
}

/**
 * Builds the frames of a wire message: topic, header, then the payloads, one per frame, or
 * for a `packed_*` type all in one frame (copied back to back, their sizes put into the header).
 */
export function encodeMessage(
  topic: string,
  header: WireHeader,
  payloads: readonly Uint8Array[],
): Uint8Array[] {
  if (!isPacked(header.type)) {
    return [textEncoder.encode(topic), encodeHeader(header), ...payloads];
  }
  const sizes = payloads.map((payload) => payload.byteLength);
  const packed = new Uint8Array(sizes.reduce((sum, size) => sum + size, 0));
  let at = 0;
  for (const payload of payloads) {
    packed.set(payload, at);
    at += payload.byteLength;
  }
  return encodePackedMessage(topic, { ...header, sizes }, packed);
}

/**
 * Builds the frames of a `packed_*` wire message whose payloads already lie back to back in
 * `frame` (their sizes in `header.sizes`), without copying them. With `schema` (packed_arrow
 * only), every payload is that Arrow schema message followed by its bytes in `frame`.
 */
export function encodePackedMessage(
  topic: string,
  header: WireHeader & { sizes: number[] },
  frame: Uint8Array,
  schema?: Uint8Array,
): Uint8Array[] {
  if (!schema) return [textEncoder.encode(topic), encodeHeader(header), frame];
  const shared = { ...header, shared_schema: true };
  return [textEncoder.encode(topic), encodeHeader(shared), schema, frame];
}

/** Limits a receiver puts on wire messages. */
export interface WireLimits {
  /** Bytes of all frames of one wire message together, at most. */
  maxMessageBytes: number;
}

/** Default {@link WireLimits.maxMessageBytes}: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Decodes the frames of a wire message; throws WireFormatError if they do not match the spec,
 * WireSizeError if they are larger than `limits` allow (checked first, before anything is
 * decoded).
 */
export function decodeMessage(
  frames: readonly Uint8Array[],
  limits: WireLimits = { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES },
): WireMessage {
  let bytes = 0;
  for (const frame of frames) bytes += frame.byteLength;
  if (bytes > limits.maxMessageBytes) {
    throw new WireSizeError(
      `wire message of ${bytes} bytes in ${frames.length} frames: over the limit of ` +
        `${limits.maxMessageBytes} bytes (max_message_size)`,
    );
  }
  if (frames.length < 2) {
    throw new WireFormatError(
      `wire message: expected at least 2 frames (topic, header), got ${frames.length}`,
    );
  }
  let topic: string;
  try {
    topic = textDecoder.decode(frames[0]);
  } catch {
    throw new WireFormatError("wire message: topic frame is not valid UTF-8");
  }
  const header = decodeHeader(frames[1]);
  if (header.shared_schema) {
    if (frames.length !== 4) {
      throw new WireFormatError(
        `wire message on topic "${topic}": a packed_arrow message with a shared schema has ` +
          `a schema frame and a packed frame, got ${frames.length - 2} frames`,
      );
    }
    return {
      topic,
      header,
      payloads: unpack(topic, header.sizes!, [frames[0], frames[1], frames[3]]),
      schema: frames[2],
    };
  }
  if (header.sizes) return { topic, header, payloads: unpack(topic, header.sizes, frames) };
  if (frames.length - 2 !== header.count) {
    throw new WireFormatError(
      `wire message on topic "${topic}": header count ${header.count} but ${
        frames.length - 2
      } payload frames`,
    );
  }
  return { topic, header, payloads: frames.slice(2) };
}

function unpack(topic: string, sizes: number[], frames: readonly Uint8Array[]): Uint8Array[] {
  const frame = frames[2];
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (frames.length !== 3 || frame.byteLength !== total) {
    throw new WireFormatError(
      `wire message on topic "${topic}": a packed message has one payload frame of ${total} ` +
        `bytes (the sum of "sizes"), got ${frames.length - 2} frames of ${
          frames.slice(2).reduce((sum, f) => sum + f.byteLength, 0)
        } bytes`,
    );
  }
  const payloads = new Array<Uint8Array>(sizes.length);
  for (let i = 0, at = 0; i < sizes.length; at += sizes[i++]) {
    payloads[i] = frame.subarray(at, at + sizes[i]);
  }
  return payloads;
}

/** Encodes heartbeat counters as msgpack. */
export function encodeHeartbeat(payload: HeartbeatPayload): Uint8Array {
  return packr.pack(payload);
}

/** Decodes heartbeat counters; throws WireFormatError if they are not a msgpack map. */
export function decodeHeartbeat(bytes: Uint8Array): HeartbeatPayload {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (error) {
    throw new WireFormatError(`heartbeat: not valid msgpack (${(error as Error).message})`);
  }
  if (raw === null || typeof raw !== "object") throw new WireFormatError("heartbeat: not a map");
  const beat = raw as Record<string, unknown>;
  for (const key of ["interval_ms", "messages_out", "bytes_out", "drops", "started_ms"]) {
    const value = beat[key];
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value))) {
      throw new WireFormatError(`heartbeat: "${key}" must be a number`);
    }
  }
  return raw as HeartbeatPayload;
}

/** Nanoseconds since the Unix epoch, as a bigint. */
export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}
