/**
 * Compression of baskets off the writer's thread: a few Workers that each compress the
 * baskets they are handed as ROOT stores them (the same `compressBuffer` the writer uses on
 * its own thread). A {@link RootWriter} given one (`compressor`) hands its full baskets to
 * it and places them in the file, in order, as they come back; appends go on meanwhile.
 *
 * The Workers inherit the permissions of the thread that starts them: they load this
 * folder's modules, the LZ4 codec's files (`ROOT_CODEC_FILES`, `lz4Libraries()`) and the
 * `lz4-wasm-nodejs` and `xxhash-wasm` packages (`ROOT_COMPRESSOR_CODE_DIRS`).
 *
 * @module
 */
import type { RootCompression } from "./_compress.ts";
import type { CompressReply, CompressRequest } from "./_compress_protocol.ts";
import { RootWriterError } from "./_columns.ts";

/** The compression Workers' module. */
export const ROOT_COMPRESSOR_MODULE: URL = new URL("./_compress_worker.ts", import.meta.url);

/**
 * Folders a compression Worker loads its code from (this folder and the program's
 * `node_modules/`): a confined thread that starts the pool needs read access to them.
 */
export const ROOT_COMPRESSOR_CODE_DIRS: URL[] = [
  new URL("./", import.meta.url),
  new URL("../../../node_modules/", import.meta.url),
];

/** Most Workers a pool starts. */
export const MAX_COMPRESSOR_WORKERS = 4;

/** A compressed basket: its buffer back, and the stored bytes unless they did not shrink. */
export interface CompressedBasket {
  buffer: ArrayBuffer;
  stored?: Uint8Array;
}

/** Options of {@link RootCompressorPool}. */
export interface RootCompressorPoolOptions {
  /** Workers to start; default {@link defaultCompressorWorkers}. */
  workers?: number;
  /** The Workers' module; default {@link ROOT_COMPRESSOR_MODULE} (tests give a failing one). */
  module?: URL;
}

/** Workers for this machine: one core left to the writer's thread, at least 1, at most 4. */
export function defaultCompressorWorkers(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
  return Math.max(1, Math.min(MAX_COMPRESSOR_WORKERS, cores - 1));
}

interface Pending {
  resolve(basket: CompressedBasket): void;
  reject(e: Error): void;
  worker: number;
}

/** A pool of Workers compressing baskets; {@link RootCompressorPool.close} stops them. */
export class RootCompressorPool {
  /** Workers in the pool. */
  readonly size: number;
  #workers: Worker[] = [];
  #load: number[] = [];
  #pending = new Map<number, Pending>();
  #nextId = 0;
  #failure?: RootWriterError;
  #closed = false;

  constructor(options: RootCompressorPoolOptions = {}) {
    const n = options.workers ?? defaultCompressorWorkers();
    if (!Number.isInteger(n) || n < 1 || n > MAX_COMPRESSOR_WORKERS) {
      throw new RootWriterError(
        `compression workers: expected 1 to ${MAX_COMPRESSOR_WORKERS}, got ${n}`,
      );
    }
    this.size = n;
    for (let i = 0; i < n; i++) {
      const worker = new Worker(options.module ?? ROOT_COMPRESSOR_MODULE, {
        type: "module",
        name: `ROOT compression ${i + 1}`,
      });
      worker.onmessage = (e: MessageEvent<CompressReply>) => this.#reply(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        this.#fail(`ROOT compression worker ${i + 1} failed: ${e.message}`);
      };
      worker.onmessageerror = () =>
        this.#fail(`ROOT compression worker ${i + 1} sent a message that cannot be read`);
      this.#workers.push(worker);
      this.#load.push(0);
    }
  }

  /** Baskets handed out and not back yet. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Compresses `length` bytes at `start` of `buffer`, which is transferred (unusable here
   * until it comes back in the result). Rejects with RootWriterError once a Worker failed.
   */
  compress(
    buffer: ArrayBuffer,
    start: number,
    length: number,
    compression: RootCompression,
  ): Promise<CompressedBasket> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new RootWriterError("compression pool is closed"));
    let worker = 0;
    for (let i = 1; i < this.#load.length; i++) {
      if (this.#load[i] < this.#load[worker]) worker = i;
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker });
      this.#load[worker]++;
      const request: CompressRequest = { id, buffer, start, length, compression };
      this.#workers[worker].postMessage(request, [buffer]);
    });
  }

  /** Stops the Workers; baskets still out are rejected. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    const error = this.#failure ?? new RootWriterError("compression pool closed");
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }

  #reply(reply: CompressReply): void {
    const p = this.#pending.get(reply.id);
    if (!p) return;
    this.#pending.delete(reply.id);
    this.#load[p.worker]--;
    if ("error" in reply) p.reject(new RootWriterError(`ROOT compression: ${reply.error}`));
    else p.resolve({ buffer: reply.buffer, stored: reply.stored });
  }

  #fail(message: string): void {
    this.#failure ??= new RootWriterError(message);
    for (const p of this.#pending.values()) p.reject(this.#failure);
    this.#pending.clear();
  }
}
