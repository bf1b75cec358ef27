// The publisher Worker of a `remote` job: opens a publisher (src/remote) and publishes what
// the job sends it, one request at a time, in order. See _publisher_protocol.ts.
import { openPublisher, type Publisher } from "../../../remote/mod.ts";
import type { PublisherReply, PublisherRequest } from "./_publisher_protocol.ts";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<PublisherRequest>) => void) | null;
  postMessage(msg: PublisherReply): void;
  close(): void;
};
const reply = (msg: PublisherReply) => scope.postMessage(msg);

/** How long a closing publisher lets queued messages leave, in ms. */
const LINGER_MS = 1000;

let publisher: Publisher | undefined;
let queue: Promise<void> = Promise.resolve();

async function handle(req: PublisherRequest): Promise<void> {
  switch (req.kind) {
    case "open": {
      publisher = await openPublisher({
        endpoint: req.endpoint,
        bind: req.bind,
        origin: req.origin,
        hwm: req.hwm,
        onHwm: req.onHwm,
        heartbeatIntervalMs: req.heartbeatIntervalMs,
        curve: req.curve,
        lingerMs: LINGER_MS,
      });
      if (!req.bind) await connectGrace(req.connectGraceMs);
      reply({ kind: "opened", endpoint: publisher.endpoint });
      return;
    }
    case "send": {
      const pub = publisher!;
      const { runs, timestampsUs, ends, data } = req.packed;
      // Each run lies back to back in `data`: it goes out without a copy.
      let first = 0;
      for (const run of runs) {
        const start = first === 0 ? 0 : ends[first - 1];
        const sizes = new Array<number>(run.count);
        for (let i = 0; i < run.count; i++) {
          sizes[i] = ends[first + i] - (first + i === 0 ? 0 : ends[first + i - 1]);
        }
        const base = first;
        await pub.sendPacked(
          run.topic,
          run.type,
          new Uint8Array(data, start, ends[first + run.count - 1] - start),
          sizes,
          {
            timestampNs: (index) => BigInt(timestampsUs[base + index]) * 1000n,
            schema: run.schema,
          },
        );
        first += run.count;
      }
      reply({ kind: "sent", stats: pub.stats() });
      return;
    }
    case "close": {
      await publisher?.close();
      // zeromq.js sends payloads of more than 128 bytes zero-copy and releases them through
      // this Worker's event loop once ZeroMQ is done with them; a Worker ended before that
      // corrupts the heap (seen: "tcache_thread_shutdown(): unaligned tcache chunk", SIGSEGV).
      // After LINGER_MS ZeroMQ has sent or dropped every queued message.
      if (publisher) await new Promise((resolve) => setTimeout(resolve, LINGER_MS + 200));
      reply({ kind: "closed", stats: publisher?.stats() ?? emptyStats() });
      return;
    }
  }
}

/**
 * A PUB socket drops what it sends before its peer's subscriptions arrived, which they do just
 * after the connection's handshake; the publisher does not expose its socket's events, so the
 * job waits a grace period after connecting. A proxy that is not up yet is no error: ZeroMQ
 * keeps reconnecting, and what is lost meanwhile shows as a late start at the subscribers.
 */
function connectGrace(graceMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, graceMs));
}

function emptyStats() {
  return { messagesOut: 0, bytesOut: 0, wireMessagesOut: 0, drops: 0, heartbeatsOut: 0 };
}

scope.onmessage = (e) => {
  queue = queue.then(() => handle(e.data)).catch((err) => {
    const error = err instanceof Error ? err : new Error(String(err));
    reply({ kind: "error", name: error.name, message: error.message });
  });
};
