/**
 * The link proxy: publishers connect to its XSUB side, subscribers to its XPUB side.
 *
 * @module
 */
import * as zmq from "zeromq";
import { applyCurve } from "./curve.ts";
import { RemoteOptionsError } from "./errors.ts";
import { bindEndpoint } from "./_endpoint.ts";
import { backoff, isAgain } from "./_poll.ts";
import { HEARTBEAT_TOPIC } from "./wire.ts";
import type { ZapRegistration } from "./_zap.ts";

/** Options of {@link runProxy}. */
export interface ProxyOptions {
  /** Endpoint publishers connect to, e.g. `tcp://*:5556`. */
  xsub: string;
  /** Endpoint subscribers connect to, e.g. `tcp://*:5557`. */
  xpub: string;
  /** Period of {@link ProxyOptions.onStats} calls in ms (default 1000). */
  statsIntervalMs?: number;
  /** Called every `statsIntervalMs` with live figures. */
  onStats?: (stats: ProxyStats) => void;
  /** Called once both sides are bound, with the bound addresses (real ports for port 0/*). */
  onReady?: (bound: { xsub: string; xpub: string }) => void;
  /** Stops the proxy when aborted; runProxy then resolves. */
  signal?: AbortSignal;
  /**
   * CURVE keys of the proxy (it is the server on both sides); with `allowedClientKeys`, only
   * those client keys may connect (enforced through ZAP).
   */
  curve?: { publicKey: string; secretKey: string; allowedClientKeys?: string[] };
  /** High-water marks in wire messages (default 1000). */
  hwm?: number;
  /**
   * When a subscriber is at its high-water mark: wait ("block", default; publishers are slowed
   * down) or drop the message for everyone and count it ("drop").
   */
  onHwm?: "block" | "drop";
  /**
   * "loop" (default): forwarding loop in JavaScript, with traffic counters. "native": zeromq's
   * Proxy (zmq_proxy in a thread); traffic stays uncounted, only uptime is reported.
   */
  engine?: "loop" | "native";
}

/** Live figures of a proxy. */
export interface ProxyStats {
  /** Engine in use. */
  engine: "loop" | "native";
  /** Milliseconds since the proxy started. */
  uptimeMs: number;
  /** Wire messages forwarded since start (0 with the native engine). */
  messages: number;
  /** Bytes forwarded since start, all frames (0 with the native engine). */
  bytes: number;
  /** Messages per second over the last interval. */
  messagesPerSec: number;
  /** Bytes per second over the last interval. */
  bytesPerSec: number;
  /** Messages dropped at the high-water mark ("drop" mode). */
  drops: number;
  /** Link subscribers connected: subscriptions to the heartbeat topic "_hb". */
  subscribers: number;
  /** Active subscriptions, all topics and subscribers. */
  subscriptions: number;
  /** Distinct topics subscribed. */
  topics: number;
}

const textDecoder = new TextDecoder();

/** Runs a proxy until `signal` aborts; resolves with the final figures. */
export async function runProxy(options: ProxyOptions): Promise<ProxyStats> {
  const engine = options.engine ?? "loop";
  if (engine !== "loop" && engine !== "native") {
    throw new RemoteOptionsError(`runProxy: engine must be "loop" or "native", got ${engine}`);
  }
  const onHwm = options.onHwm ?? "block";
  const hwm = options.hwm ?? 1000;
  const xsub = new zmq.XSubscriber({
    receiveHighWaterMark: hwm,
    sendHighWaterMark: hwm,
    linger: 0,
  });
  const xpub = new zmq.XPublisher({
    receiveHighWaterMark: hwm,
    sendHighWaterMark: hwm,
    noDrop: engine === "loop" || onHwm === "block",
    linger: 0,
  });
  if (engine === "loop") xpub.verbosity = "allSubsUnsubs";
  let zap: ZapRegistration | undefined;
  let bound: { xsub: string; xpub: string };
  try {
    if (options.curve) {
      zap = await applyCurve(xsub, options.curve, "server");
      await applyCurve(xpub, { ...options.curve, allowedClientKeys: undefined }, "server");
      if (zap) xpub.zapDomain = zap.domain;
    }
    bound = {
      xsub: await bindEndpoint(xsub, options.xsub),
      xpub: await bindEndpoint(xpub, options.xpub),
    };
  } catch (error) {
    zap?.release();
    xsub.close();
    xpub.close();
    throw error;
  }

  const startedMs = performance.now();
  const stats: ProxyStats = {
    engine,
    uptimeMs: 0,
    messages: 0,
    bytes: 0,
    messagesPerSec: 0,
    bytesPerSec: 0,
    drops: 0,
    subscribers: 0,
    subscriptions: 0,
    topics: 0,
  };
  let last = { at: startedMs, messages: 0, bytes: 0 };
  function snapshot(): ProxyStats {
    const now = performance.now();
    const seconds = (now - last.at) / 1000;
    stats.uptimeMs = now - startedMs;
    if (seconds > 0) {
      stats.messagesPerSec = (stats.messages - last.messages) / seconds;
      stats.bytesPerSec = (stats.bytes - last.bytes) / seconds;
    }
    last = { at: now, messages: stats.messages, bytes: stats.bytes };
    return { ...stats };
  }
  const statsTimer = setInterval(
    () => options.onStats?.(snapshot()),
    options.statsIntervalMs ?? 1000,
  );
  options.onReady?.(bound);

  try {
    if (engine === "native") {
      const proxy = new zmq.Proxy(xsub, xpub);
      const stop = () => proxy.terminate();
      if (options.signal?.aborted) return snapshot();
      options.signal?.addEventListener("abort", stop, { once: true });
      try {
        await proxy.run();
      } finally {
        options.signal?.removeEventListener("abort", stop);
      }
    } else {
      await forward(xsub, xpub, stats, onHwm, () => options.signal?.aborted === true);
    }
  } finally {
    clearInterval(statsTimer);
    if (!xsub.closed) xsub.close();
    if (!xpub.closed) xpub.close();
    zap?.release();
  }
  return snapshot();
}

/** Messages forwarded per round before subscription messages are looked at again. */
const ROUND = 512;

async function forward(
  xsub: zmq.XSubscriber,
  xpub: zmq.XPublisher,
  stats: ProxyStats,
  onHwm: "block" | "drop",
  isStopped: () => boolean,
): Promise<void> {
  // Subscription counts per topic; only the first subscribe and last unsubscribe go upstream,
  // since a publisher keeps one subscription entry per connection.
  const refs = new Map<string, number>();

  async function takeSubscriptions(): Promise<boolean> {
    let any = false;
    while (xpub.readable) {
      any = true;
      const [frame] = await xpub.receive();
      if (frame.length === 0 || frame[0] > 1) continue;
      const topic = textDecoder.decode(frame.subarray(1));
      const count = refs.get(topic) ?? 0;
      if (frame[0] === 1) {
        refs.set(topic, count + 1);
        stats.subscriptions++;
        if (count === 0) await xsub.send(frame);
      } else if (count > 0) {
        stats.subscriptions--;
        if (count === 1) {
          refs.delete(topic);
          await xsub.send(frame);
        } else refs.set(topic, count - 1);
      }
      stats.subscribers = refs.get(HEARTBEAT_TOPIC) ?? 0;
      stats.topics = refs.size;
    }
    return any;
  }

  for (let idle = 0; !isStopped();) {
    let busy = await takeSubscriptions();
    for (let n = 0; n < ROUND && xsub.readable; n++) {
      busy = true;
      const frames = await xsub.receive();
      for (let attempt = 0;; attempt++) {
        try {
          await xpub.send(frames);
          stats.messages++;
          for (const frame of frames) stats.bytes += frame.length;
          break;
        } catch (error) {
          if (!isAgain(error)) throw error;
          if (onHwm === "drop") {
            stats.drops++;
            break;
          }
          if (isStopped()) return;
          await takeSubscriptions();
          await backoff(attempt);
        }
      }
    }
    if (busy) idle = 0;
    else await backoff(idle++);
  }
}
