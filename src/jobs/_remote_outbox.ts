// The job's side of its publisher Worker: payloads are gathered into requests, and at most a
// few requests are in flight, so a publisher blocked at its high-water mark holds the job
// back (and with it the job's input rings) instead of queueing without bound.
import type { PublisherStats } from "../remote/mod.ts";
import {
  type OutgoingPayload,
  PUBLISHER_MODULE,
  type PublisherReply,
  type PublisherRequest,
} from "./_remote_protocol.ts";

/** Payloads per request at most. */
const REQUEST_ITEMS = 256;
/** Payload bytes per request at most (a single larger payload makes its own request). */
const REQUEST_BYTES = 4 << 20;
/** Requests posted and not yet done at most. */
const IN_FLIGHT = 4;

/** Publishes through a Worker; see {@link openOutbox}. */
export interface Outbox {
  /** The bound address or connected endpoint. */
  readonly endpoint: string;
  /** Queues one payload (owned by the outbox from now on); waits while too much is in flight. */
  push(item: OutgoingPayload): Promise<void>;
  /** The publisher's counters as of its last report. */
  stats(): PublisherStats;
  /** Publishes what is queued, closes the publisher (letting it drain) and ends the Worker. */
  close(): Promise<PublisherStats>;
}

/** Options of the publisher, as in the `open` request. */
export type OutboxOptions = Omit<Extract<PublisherRequest, { kind: "open" }>, "kind">;

/** An error reported by the publisher Worker, under its own name (e.g. RemoteEndpointError). */
function workerError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Starts the publisher Worker and opens the publisher; rejects with its error (e.g. port in use). */
export async function openOutbox(options: OutboxOptions): Promise<Outbox> {
  const worker = new Worker(PUBLISHER_MODULE, { type: "module", name: "remote publisher" });
  let failure: Error | undefined;
  let stats: PublisherStats = {
    messagesOut: 0,
    bytesOut: 0,
    wireMessagesOut: 0,
    drops: 0,
    heartbeatsOut: 0,
  };
  let inFlight = 0;
  const waiters: (() => void)[] = [];
  const wakeAll = () => {
    for (const wake of waiters.splice(0)) wake();
  };
  let onOpened: ((endpoint: string) => void) | undefined;
  let onClosed: (() => void) | undefined;
  worker.onmessage = (e: MessageEvent<PublisherReply>) => {
    const msg = e.data;
    switch (msg.kind) {
      case "opened":
        onOpened?.(msg.endpoint);
        break;
      case "sent":
        inFlight--;
        stats = msg.stats;
        if (pending.length > 0 && !timer) post();
        break;
      case "closed":
        stats = msg.stats;
        onClosed?.();
        break;
      case "error":
        failure ??= workerError(msg.name, msg.message);
        break;
    }
    wakeAll();
  };
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    failure ??= new Error(`remote publisher Worker: ${e.message}`);
    wakeAll();
  };

  const waitFor = async (done: () => boolean): Promise<void> => {
    while (!done()) {
      if (failure) throw failure;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    if (failure) throw failure;
  };

  let pending: OutgoingPayload[] = [];
  let pendingBytes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const post = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const items = pending;
    pending = [];
    pendingBytes = 0;
    inFlight++;
    const request: PublisherRequest = { kind: "send", items };
    worker.postMessage(request, items.map((i) => i.payload.buffer as ArrayBuffer));
  };

  let endpoint = options.endpoint;
  try {
    worker.postMessage({ kind: "open", ...options } satisfies PublisherRequest);
    let opened = false;
    onOpened = (bound) => {
      endpoint = bound;
      opened = true;
    };
    await waitFor(() => opened);
  } catch (e) {
    worker.terminate();
    throw e;
  }

  return {
    endpoint,
    async push(item) {
      if (failure) throw failure;
      pending.push(item);
      pendingBytes += item.payload.byteLength;
      if (pending.length >= REQUEST_ITEMS || pendingBytes >= REQUEST_BYTES) {
        await waitFor(() => inFlight < IN_FLIGHT);
        post();
      } else if (!timer) {
        timer = setTimeout(() => {
          timer = undefined;
          if (inFlight < IN_FLIGHT) post();
        }, 0);
      }
    },
    stats: () => stats,
    async close() {
      try {
        await waitFor(() => inFlight < IN_FLIGHT);
        post();
        await waitFor(() => inFlight === 0);
        let closed = false;
        onClosed = () => (closed = true);
        worker.postMessage({ kind: "close" } satisfies PublisherRequest);
        await waitFor(() => closed);
        return stats;
      } finally {
        worker.terminate();
      }
    },
  };
}
