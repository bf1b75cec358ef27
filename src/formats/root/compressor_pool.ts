/**
 * Compression of baskets off the writer's thread: a few Workers that each compress the
 * baskets they are handed as ROOT stores them (the same `compressBuffer` the writer uses on
 * its own thread). A {@link RootWriter} given one (`compressor`) copies each full basket into
 * a free slot of the pool's shared memory and goes on appending; it places the compressed
 * baskets in the file, in order, as it finds them done. Slots are the bound on what is out:
 * `ready()` of the writer says when to wait for one. Layout: `_compress_protocol.ts`.
 *
 * The Workers inherit the permissions of the thread that starts them: they load this
 * folder's modules, the LZ4 codec's files (`ROOT_CODEC_FILES`, `lz4Libraries()`) and the
 * `lz4-wasm-nodejs` and `xxhash-wasm` packages (`ROOT_COMPRESSOR_CODE_DIRS`).
 *
 * @module
 */
import type { RootCompression } from "./_compress.ts";
import { compressionLevel } from "./_compress.ts";
import {
  ALGORITHMS,
  type CompressorSetup,
  DONE,
  FAILED,
  FREE,
  NOT_SHRUNK,
  QUEUED,
  SLOT_WORDS,
  stopWord,
  upWord,
  waitForChange,
} from "./_compress_protocol.ts";
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

/** Shared memory a pool allocates by default at most (slots shrink to fit). */
const ARENA_BYTES = 32 << 20;

/** Largest slot: bigger baskets are compressed on the writer's thread. */
export const MAX_SLOT_BYTES = 16 << 20;

/** Options of {@link RootCompressorPool}. */
export interface RootCompressorPoolOptions {
  /** Workers to start; default {@link defaultCompressorWorkers}. */
  workers?: number;
  /**
   * Largest basket a slot holds, at most {@link MAX_SLOT_BYTES} (larger ones are compressed on
   * the writer's thread). Default 128 KiB.
   */
  slotBytes?: number;
  /** Slots per Worker, the baskets one Worker can have out; default 8 (fewer for big slots). */
  slotsPerWorker?: number;
  /** The Workers' module; default {@link ROOT_COMPRESSOR_MODULE} (tests give a failing one). */
  module?: URL;
}

/** Workers for this machine: one core left to the writer's thread, at least 1, at most 4. */
export function defaultCompressorWorkers(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
  return Math.max(1, Math.min(MAX_COMPRESSOR_WORKERS, cores - 1));
}

/** A compressed basket, views on shared memory that stay valid until the ticket's release. */
export interface CompressedBasket {
  /** The basket's bytes as handed in. */
  input: Uint8Array;
  /** Its stored bytes; undefined when they did not shrink (stored as they are). */
  stored?: Uint8Array;
}

/**
 * Workers compressing baskets in slots of shared memory; {@link RootCompressorPool.close}
 * stops them. Tickets are started and released in order, by one owner at a time.
 */
export class RootCompressorPool {
  /** Workers in the pool. */
  readonly size: number;
  /** Slots, a multiple of the Worker count. */
  readonly slots: number;
  /** Largest basket one slot holds. */
  readonly slotBytes: number;
  #control: Int32Array;
  #arena: Uint8Array;
  #workers: Worker[] = [];
  #next = 0;
  #released = 0;
  #owner?: object;
  #failure?: RootWriterError;
  #closed = false;

  constructor(options: RootCompressorPoolOptions = {}) {
    const n = options.workers ?? defaultCompressorWorkers();
    if (!Number.isInteger(n) || n < 1 || n > MAX_COMPRESSOR_WORKERS) {
      throw new RootWriterError(
        `compression workers: expected 1 to ${MAX_COMPRESSOR_WORKERS}, got ${n}`,
      );
    }
    const slotBytes = Math.ceil(Math.min(options.slotBytes ?? 128 * 1024, MAX_SLOT_BYTES) / 8) * 8;
    if (!(slotBytes >= 8)) {
      throw new RootWriterError(`compression slots: bad size ${options.slotBytes}`);
    }
    const fit = Math.floor(ARENA_BYTES / (2 * slotBytes * n));
    const perWorker = options.slotsPerWorker ?? Math.max(2, Math.min(8, fit));
    if (!Number.isInteger(perWorker) || perWorker < 1) {
      throw new RootWriterError(`compression slots per worker: got ${options.slotsPerWorker}`);
    }
    this.size = n;
    this.slots = n * perWorker;
    this.slotBytes = slotBytes;
    const control = new SharedArrayBuffer(4 * (this.slots * SLOT_WORDS + n + 1));
    const arena = new SharedArrayBuffer(2 * this.slots * slotBytes);
    this.#control = new Int32Array(control);
    this.#arena = new Uint8Array(arena);
    for (let i = 0; i < n; i++) {
      const worker = new Worker(options.module ?? ROOT_COMPRESSOR_MODULE, {
        type: "module",
        name: `ROOT compression ${i + 1}`,
      });
      worker.onerror = (e) => {
        e.preventDefault();
        this.#fail(`ROOT compression worker ${i + 1} failed: ${e.message}`);
      };
      const setup: CompressorSetup = {
        control,
        arena,
        slots: this.slots,
        slotBytes,
        workers: n,
        worker: i,
      };
      worker.postMessage(setup);
      this.#workers.push(worker);
    }
  }

  /** Whether every Worker takes baskets (until then a writer compresses on its own thread). */
  get started(): boolean {
    for (let w = 0; w < this.size; w++) {
      if (Atomics.load(this.#control, upWord(this.slots, w)) !== 1) return false;
    }
    return true;
  }

  /** Why the pool stopped working, once a Worker failed. */
  get failure(): RootWriterError | undefined {
    return this.#failure;
  }

  /** Tickets started and not released. */
  get inFlight(): number {
    return this.#next - this.#released;
  }

  /** Whether `owner` may start a ticket now (a free slot, started, not failed or closed). */
  hasRoom(owner: object): boolean {
    if (this.#failure || this.#closed || !this.started) return false;
    if (this.#owner !== owner && this.inFlight > 0) return false;
    return Atomics.load(this.#control, this.#state(this.#next)) === FREE;
  }

  /**
   * Copies `data` into the next slot and has it compressed; returns its ticket, or undefined
   * when the caller must compress it itself (no room, too large, or another owner's tickets
   * are out).
   */
  start(owner: object, data: Uint8Array, compression: RootCompression): number | undefined {
    if (data.length > this.slotBytes || !this.hasRoom(owner)) return undefined;
    const ticket = this.#next++;
    this.#owner = owner;
    const slot = ticket % this.slots;
    const state = slot * SLOT_WORDS;
    this.#arena.set(data, 2 * slot * this.slotBytes);
    const level = compressionLevel(compression);
    this.#control[state + 1] = data.length;
    this.#control[state + 3] = ALGORITHMS.indexOf(compression.algorithm) * 100 + level;
    Atomics.store(this.#control, state, QUEUED);
    Atomics.notify(this.#control, state);
    return ticket;
  }

  /**
   * The ticket's basket once compressed, else undefined. Throws RootWriterError if it (or a
   * Worker) failed.
   */
  result(ticket: number): CompressedBasket | undefined {
    if (this.#failure) throw this.#failure;
    const slot = ticket % this.slots;
    const state = Atomics.load(this.#control, slot * SLOT_WORDS);
    if (state === QUEUED) return undefined;
    const length = this.#control[slot * SLOT_WORDS + 1];
    const stored = this.#control[slot * SLOT_WORDS + 2];
    const inAt = 2 * slot * this.slotBytes;
    const outAt = inAt + this.slotBytes;
    if (state === FAILED) {
      const text = new TextDecoder().decode(this.#arena.slice(outAt, outAt + stored));
      throw new RootWriterError(`ROOT compression: ${text}`);
    }
    if (state !== DONE) throw new RootWriterError(`ROOT compression: ticket ${ticket} not out`);
    const input = this.#arena.subarray(inAt, inAt + length);
    return stored === NOT_SHRUNK
      ? { input }
      : { input, stored: this.#arena.subarray(outAt, outAt + stored) };
  }

  /** Frees the ticket's slot (the oldest ticket out), after its result was used. */
  release(ticket: number): void {
    if (ticket !== this.#released) {
      throw new RootWriterError(`ROOT compression: ticket ${ticket} released out of order`);
    }
    Atomics.store(this.#control, this.#state(ticket), FREE);
    this.#released++;
  }

  /**
   * Resolves once the ticket is no longer being compressed, or after `timeoutMs` (the caller
   * checks again, and sees a Worker's failure meanwhile).
   */
  settled(ticket: number, timeoutMs = 50): Promise<void> {
    return waitForChange(this.#control, this.#state(ticket), QUEUED, timeoutMs);
  }

  /** Stops the Workers; tickets still out fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    Atomics.store(this.#control, stopWord(this.slots, this.size), 1);
    for (let s = 0; s < this.slots; s++) Atomics.notify(this.#control, s * SLOT_WORDS);
    for (const w of this.#workers) w.terminate();
    this.#failure ??= new RootWriterError("ROOT compression pool closed");
  }

  #state(ticket: number): number {
    return (ticket % this.slots) * SLOT_WORDS;
  }

  #fail(message: string): void {
    this.#failure ??= new RootWriterError(message);
  }
}
