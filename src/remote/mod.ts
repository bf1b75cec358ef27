/**
 * Links between supervisors on different hosts over ZeroMQ: publishers, subscribers, the
 * proxy between them, and CURVE keys. The wire format is specified in docs/wire-format.md so
 * that other languages (e.g. pyzmq) can take part.
 *
 * Publishers connect to the proxy's XSUB side, subscribers to its XPUB side (or publishers
 * bind and subscribers connect to them directly). Small payloads (Arrow IPC streams and msgpack
 * values alike) are batched per topic, several in one frame (`packed_*` wire types); payloads
 * already back to back in memory go out without a copy through `sendPacked` (Arrow payloads
 * that share a schema message can send it once: `shared_schema`), and `batches()` delivers them
 * one wire message at a time; a message's `payload` is always whole, `body` and `schema` give
 * the same bytes without a copy. Subscribers drop their own origin's
 * messages (no echo) and duplicates, count sequence gaps, and track peers from heartbeats.
 * Everything received is checked before it is handed on: wire messages within a size limit,
 * Arrow payloads' metadata (lengths, offsets, row counts) and msgpack payloads' structure;
 * what fails is skipped and counted (`malformed`, `ownEchoes` in `stats()`), and a sequence
 * number that jumps too far is not trusted (`seqJumps`).
 *
 * ```ts
 * import { openPublisher, openSubscriber, runProxy } from "./mod.ts";
 * import { pack, unpack } from "msgpackr";
 *
 * // Host C: the proxy (usually `daq proxy`, or src/remote/proxy_main.ts).
 * const stop = new AbortController();
 * const proxy = runProxy({ xsub: "tcp://*:5556", xpub: "tcp://*:5557", signal: stop.signal,
 *   onStats: (s) => console.log(s.messagesPerSec, s.subscribers) });
 *
 * // Host A: publish.
 * const pub = await openPublisher({ endpoint: "tcp://hostc:5556", bind: false, origin: "sup-a" });
 * await pub.send("events", "msgpack", pack({ channel: 3, value: 0.5 }), ["events"]);
 *
 * // Host B: subscribe (in another process or Worker than the publisher).
 * const sub = await openSubscriber({
 *   endpoints: ["tcp://hostc:5557"], topics: ["events"], origin: "sup-b",
 * });
 * for await (const message of sub) {
 *   console.log(message.origin, message.seq, unpack(message.payload));
 *   // message.origin !== "sup-b": the job marks it so it is never published again.
 * }
 * console.log(sub.stats().gaps, sub.peers());
 * await pub.close(); await sub.close(); stop.abort(); await proxy;
 * ```
 *
 * Permissions: `--allow-ffi --allow-read` (zeromq) and `--allow-env` (msgpackr).
 *
 * @module
 */
export { type CurveKeyPair, type CurveOptions, generateKeyPair } from "./curve.ts";
export {
  CurveKeyFileError,
  RemoteEndpointError,
  RemoteOptionsError,
  WireFormatError,
  WireSizeError,
} from "./errors.ts";
export { curveKeyFileText, readCurveKeyFile } from "./key_file.ts";
export {
  type BatchOptions,
  openPublisher,
  type PackedOptions,
  type Publisher,
  type PublisherOptions,
  type PublisherStats,
} from "./publisher.ts";
export {
  type IntakeProblem,
  isFromLink,
  openSubscriber,
  type PeerStatus,
  type RemoteMessage,
  type Subscriber,
  type SubscriberOptions,
  type SubscriberStats,
} from "./subscriber.ts";
export { type ProxyOptions, type ProxyStats, runProxy } from "./proxy.ts";
export { DEFAULT_MAX_SEQ_JUMP } from "./_sequence.ts";
export { listensBeyondLoopback, openEndpointWarning } from "./_endpoint.ts";
export {
  decodeMessage,
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeMessage,
  encodePackedMessage,
  HEARTBEAT_TOPIC,
  type PayloadType,
  WIRE_VERSION,
  type WireHeader,
  type WireLimits,
  type WireMessage,
  type WireType,
} from "./wire.ts";
