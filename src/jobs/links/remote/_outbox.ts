// The job's side of its publisher Worker: payloads are gathered into requests, and at most a
// few requests are in flight, so a publisher blocked at its high-water mark holds the job
// back (and with it the job's input rings) instead of queueing without bound.
import type { PayloadType, PublisherStats } from "../../../remote/mod.ts";
import { schemaMessageLength } from "../../../arrow/ipc.ts";
import { wordViews } from "../../../transport/words.ts";
import {
  type PackedPayloads,
  type PackedRun,
  PUBLISHER_MODULE,
  type PublisherReply,
  type PublisherRequest,
} from "./_publisher_protocol.ts";

/** Payloads per request at most. */
const REQUEST_ITEMS = 256;
/** Payload bytes per request at most (a single larger payload makes its own request). */
const REQUEST_BYTES = 4 << 20;
/** Requests posted and not yet done at most. */
const IN_FLIGHT = 4;
/** Smallest buffer a request's payloads are packed into. */
const MIN_CAPACITY = 4 << 10;

/** Whether `payload` starts with the bytes of `schema` (`words`: its 32-bit words). */
function startsWith(payload: Uint8Array, schema: Uint8Array, words: Int32Array): boolean {
  const n = schema.length;
  if (payload.length <= n) return false;
  if (payload.buffer instanceof SharedArrayBuffer && (payload.byteOffset & 3) === 0) {
    // Ring records are 8-byte aligned and schema messages a multiple of 8 bytes long.
    const ring = wordViews(payload.buffer).i32;
    const at = payload.byteOffset >> 2;
    for (let i = words.length - 1; i >= 0; i--) if (ring[at + i] !== words[i]) return false;
    return (n & 3) === 0;
  }
  for (let i = n - 1; i >= 0; i--) if (payload[i] !== schema[i]) return false;
  return true;
}

/** Gathers the payloads of the next request into one buffer (see PackedPayloads). */
interface Packer {
  /** Payloads gathered. */
  count: number;
  bytes: number;
  /**
   * Copies `payload` in; an Arrow payload whose schema message equals that of the run it
   * joins is copied without it.
   */
  add(topic: string, type: PayloadType, payload: Uint8Array, sentMs: number): void;
  /** What was gathered, in buffers now owned by the caller; the packer starts over. */
  take(): PackedPayloads;
}

function newPacker(minCapacity: number): Packer {
  let data = new Uint8Array(minCapacity);
  let runs: PackedRun[] = [];
  let run: PackedRun | undefined;
  let schemaWords = new Int32Array(0);
  let timestampsUs = new Float64Array(REQUEST_ITEMS);
  let ends = new Uint32Array(REQUEST_ITEMS);
  const packer: Packer = {
    count: 0,
    bytes: 0,
    add(topic, type, payload, sentMs) {
      let body = payload;
      if (
        type === "arrow" && run?.schema && run.topic === topic &&
        startsWith(payload, run.schema, schemaWords)
      ) {
        body = payload.subarray(run.schema.length);
      } else if (type === "arrow") {
        // Shared only when something follows the schema (the batches go into `data`).
        let length = schemaMessageLength(payload);
        if (length === payload.length) length = 0;
        if (length > 0 || run?.topic !== topic || run.type !== type || run.schema) {
          run = { topic, type, count: 0 };
          if (length > 0) {
            run.schema = payload.slice(0, length);
            schemaWords = new Int32Array(run.schema.buffer, 0, length >> 2);
            body = payload.subarray(length);
          }
          runs.push(run);
        }
      } else if (run?.topic !== topic || run.type !== type) {
        run = { topic, type, count: 0 };
        runs.push(run);
      }
      run!.count++;
      const n = packer.count++;
      const length = body.byteLength;
      if (packer.bytes + length > data.length) {
        const grown = new Uint8Array(Math.max(2 * data.length, packer.bytes + length));
        grown.set(data.subarray(0, packer.bytes));
        data = grown;
      }
      if (n === ends.length) {
        const grownEnds = new Uint32Array(2 * n);
        grownEnds.set(ends);
        ends = grownEnds;
        const grownTimes = new Float64Array(2 * n);
        grownTimes.set(timestampsUs);
        timestampsUs = grownTimes;
      }
      data.set(body, packer.bytes);
      packer.bytes += length;
      ends[n] = packer.bytes;
      timestampsUs[n] = Math.round(sentMs * 1000);
    },
    take() {
      const n = packer.count;
      const packed: PackedPayloads = {
        runs,
        timestampsUs: timestampsUs.slice(0, n),
        ends: ends.slice(0, n),
        data: data.buffer,
      };
      // The next buffer is as large as this request needed (to a power of two), so steady
      // traffic neither grows it again each time nor zeroes much more than it uses.
      data = new Uint8Array(Math.max(minCapacity, 2 ** Math.ceil(Math.log2(packer.bytes || 1))));
      runs = [];
      run = undefined;
      packer.count = 0;
      packer.bytes = 0;
      return packed;
    },
  };
  return packer;
}

/** Publishes through a Worker; see {@link openOutbox}. */
export interface Outbox {
  /** The bound address or connected endpoint. */
  readonly endpoint: string;
  /** Queues a copy of one payload; waits while too much is in flight. */
  push(topic: string, type: PayloadType, payload: Uint8Array, sentMs: number): Promise<void>;
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
        if (pending.count > 0 && !timer) post();
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

  const pending = newPacker(MIN_CAPACITY);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const post = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.count === 0) return;
    const packed = pending.take();
    inFlight++;
    const request: PublisherRequest = { kind: "send", packed };
    worker.postMessage(request, [packed.data, packed.ends.buffer, packed.timestampsUs.buffer]);
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
    async push(topic, type, payload, sentMs) {
      if (failure) throw failure;
      pending.add(topic, type, payload, sentMs);
      if (pending.count >= REQUEST_ITEMS || pending.bytes >= REQUEST_BYTES) {
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
