/** The ROOT file writer: file layout, baskets, flushes. */

import fs from "node:fs";
import * as arrow from "apache-arrow";
import { ByteWriter, tstringLength } from "./_bytes.ts";
import {
  columnChunks,
  copyBigEndian,
  extraNames,
  type RootTypedArray,
  RootWriterError,
} from "./_columns.ts";
import {
  compressBuffer,
  compressionCode,
  type RootCompression,
  type RootCompressionAlgorithm,
} from "./_compress.ts";
import {
  BEGIN,
  datime,
  DIRECTORY_RECORD_BYTES,
  fileHeaderBytes,
  freeSegmentInfinity,
  freeSegmentLength,
  isBigKey,
  type KeyHeader,
  keyLength,
  writeDirectory,
  writeFreeSegment,
  writeKey,
} from "./_records.ts";
import { type RootHistogram, serializeTH1D } from "./_histogram.ts";
import { streamerInfoListBody } from "./_streamers.ts";
import { type BranchState, newBranch, serializeTree, type TreeState } from "./_tree.ts";
import type { RootCompressorPool } from "./compressor_pool.ts";
import { type RootColumn, RootSchemaError, validateColumn } from "./schema.ts";

/** Options of `openRootWriter`. */
export interface RootWriterOptions {
  /** Compression of every basket: an algorithm name (default level) or algorithm + level. */
  compression?: RootCompression | RootCompressionAlgorithm;
  /** Target uncompressed size of one basket, per branch. Default 128 KiB. */
  basketBytes?: number;
  /** fdatasync before and after the header is rewritten on each flush. Default true. */
  syncOnFlush?: boolean;
  /** Title of the file's top directory. Default "". */
  title?: string;
  /**
   * Workers that compress full baskets off this thread (several writers may share one pool,
   * one at a time). Without it, each basket is compressed on this thread as it fills.
   */
  compressor?: RootCompressorPool;
}

/**
 * A full basket not in the file yet, placed in the order written: out with the compressor
 * (`ticket`), or compressed here while earlier ones were out (`data` or `stored`).
 */
interface PendingBasket {
  tree: TreeState;
  branch: BranchState;
  count: number;
  bytes: number;
  ticket?: number;
  data?: Uint8Array;
  stored?: Uint8Array;
}

/** A batch to append: an Arrow RecordBatch, or typed arrays by column name. */
export type RootBatch = arrow.RecordBatch | Record<string, RootTypedArray>;

/** A record in the file that can be moved: where it is and how many bytes it owns. */
interface Slot {
  seek: number;
  /** Bytes owned, key header included. */
  bytes: number;
  /** Bytes after the key header (fObjlen), room to grow included. */
  dataBytes: number;
}

/** A whole object stored under its own key (a histogram), as the keys list records it. */
interface ObjectRecord {
  key: KeyHeader;
  nbytes: number;
}

/** A flush whose records are written: what to write once they are on disk. */
interface FlushStep {
  directory: Uint8Array;
  header: Uint8Array;
  releases: [at: number, bytes: number][];
}

const BASKET_HEADER_BYTES = 19;
const MIN_KEYS_LIST_BYTES = 512;
const MIN_FREE_LIST_BYTES = 256;
const INITIAL_BASKET_CAPACITY = 16;

/** Writes TTrees into a new ROOT file; readable after every `flush()`. */
export class RootWriter {
  readonly path: string;
  #fd: number;
  #closed = false;
  #end = 0;
  #compression: RootCompression;
  #basketBytes: number;
  #sync: boolean;
  #fileName: string;
  #title: string;
  #uuid: Uint8Array;
  #created: number;
  #nbytesName = 0;
  #directoryAt = 0;
  #seekInfo = 0;
  #nbytesInfo = 0;
  #keysList?: Slot;
  #freeList?: Slot;
  #holes: [first: number, bytes: number][] = [];
  #pendingReleases: [at: number, bytes: number][] = [];
  #trees = new Map<string, TreeState>();
  #objects = new Map<string, ObjectRecord>();
  #histogramStreamers = false;
  #pendingFlush?: Promise<void>;
  #compressor?: RootCompressorPool;
  #pending: PendingBasket[] = [];
  #pendingBytes = 0;
  #written = 0;
  #placed = 0;
  #failure?: Error;

  constructor(path: string, options: RootWriterOptions = {}) {
    this.path = path;
    const c = options.compression ?? "none";
    this.#compression = typeof c === "string" ? { algorithm: c } : c;
    validateCompression(this.#compression, path);
    this.#basketBytes = options.basketBytes ?? 128 * 1024;
    if (!(this.#basketBytes >= 1)) {
      throw new RootWriterError(
        `${path}: basketBytes must be positive, got ${options.basketBytes}`,
      );
    }
    this.#sync = options.syncOnFlush ?? true;
    this.#compressor = options.compressor;
    this.#fileName = path.split("/").pop() ?? path;
    this.#title = options.title ?? "";
    this.#uuid = crypto.getRandomValues(new Uint8Array(16));
    this.#created = datime();
    this.#fd = openEmpty(path);
    try {
      this.#writeStart();
      this.#flushNow();
    } catch (e) {
      fs.closeSync(this.#fd);
      throw e;
    }
  }

  /** Bytes in the file so far (baskets written, buffered entries not included). */
  get fileSize(): number {
    return this.#end;
  }

  /** Bytes of appended entries not in the file yet: in basket buffers or being compressed. */
  get bufferedBytes(): number {
    let n = this.#pendingBytes;
    for (const t of this.#trees.values()) {
      for (const b of t.branches) n += b.buffered * b.entrySize;
    }
    return n;
  }

  /** Entries appended to a tree so far. */
  entries(treeName: string): number {
    return this.#tree(treeName).entries;
  }

  /** Adds a tree with one branch per column. Throws RootSchemaError for bad columns. */
  addTree(name: string, columns: RootColumn[], title = ""): void {
    this.#open();
    if (this.#trees.has(name)) {
      throw new RootSchemaError(`${this.path}: tree '${name}' already exists`);
    }
    if (name.length === 0 || /[\/;]/.test(name)) {
      throw new RootSchemaError(`${this.path}: invalid tree name '${name}'`);
    }
    if (columns.length === 0) {
      throw new RootSchemaError(`${this.path}: tree '${name}' needs at least one column`);
    }
    const seen = new Set<string>();
    for (const c of columns) {
      validateColumn(c, name);
      if (seen.has(c.name)) {
        throw new RootSchemaError(`tree '${name}', column '${c.name}': duplicate column name`);
      }
      seen.add(c.name);
    }
    this.#trees.set(name, {
      name,
      title,
      branches: columns.map((c) => newBranch({ ...c }, this.#basketBytes)),
      entries: 0,
      capacity: INITIAL_BASKET_CAPACITY,
      totBytes: 0,
      zipBytes: 0,
      cycle: 1,
    });
  }

  /** Appends entries to a tree; every column of the tree must be given, with equal lengths. */
  append(treeName: string, batch: RootBatch): void {
    this.#placeReturned();
    this.#open();
    const tree = this.#tree(treeName);
    const extra = extraNames(batch, tree.branches.map((b) => b.column));
    if (extra.length > 0) {
      throw new RootWriterError(
        `tree '${treeName}': appended columns not in the tree: ${extra.join(", ")}`,
      );
    }
    const data = tree.branches.map((b) => columnChunks(batch, b.column, treeName));
    const entries = data[0].entries;
    data.forEach((d, i) => {
      if (d.entries !== entries) {
        throw new RootWriterError(
          `tree '${treeName}', column '${tree.branches[i].column.name}': ${d.entries} entries, ` +
            `but column '${tree.branches[0].column.name}' has ${entries}`,
        );
      }
    });
    tree.branches.forEach((b, i) => {
      for (const chunk of data[i].chunks) {
        let at = 0;
        while (at < chunk.length) {
          const room = (b.entriesPerBasket - b.buffered) * b.entrySize;
          const take = Math.min(room, chunk.length - at);
          copyBigEndian(
            chunk.subarray(at, at + take),
            b.buffer,
            b.dataStart + b.buffered * b.entrySize,
            b.itemSize,
          );
          b.buffered += take / b.entrySize;
          at += take;
          if (b.buffered === b.entriesPerBasket) this.#writeBasket(tree, b);
        }
      }
    });
    tree.entries += entries;
  }

  /**
   * Writes a histogram as a TH1D under its name, replacing the one written before under that
   * name (the old record becomes a free segment). Readers see it after the next flush.
   */
  writeHistogram(h: RootHistogram): void {
    this.#open();
    if (h.name.length === 0 || /[\/;]/.test(h.name) || this.#trees.has(h.name)) {
      throw new RootSchemaError(`${this.path}: invalid or taken histogram name '${h.name}'`);
    }
    if (!this.#histogramStreamers) {
      const old = { seek: this.#seekInfo, bytes: this.#nbytesInfo, dataBytes: 0 };
      this.#writeStreamerInfo(true);
      this.#release(old);
      this.#histogramStreamers = true;
    }
    const body = serializeTH1D(h);
    const stored = compressBuffer(body, this.#compression);
    const at = this.#end;
    const key = this.#key("TH1D", h.name, h.title, at, body.length, stored.length);
    const keylen = keyLength("TH1D", h.name, h.title, isBigKey(at, BEGIN));
    const w = new ByteWriter(keylen + stored.length);
    writeKey(w, key);
    w.raw(stored);
    this.#allocate(keylen + stored.length);
    this.#write(w.result(), at);
    const old = this.#objects.get(h.name);
    if (old) this.#release({ seek: old.key.seekKey, bytes: old.nbytes, dataBytes: 0 });
    this.#objects.set(h.name, { key, nbytes: keylen + stored.length });
  }

  /**
   * Undefined when the caller may append on; else a promise that resolves once the compressor
   * has a free slot (always undefined without one, or while its Workers start: baskets are
   * then compressed on this thread). Places the baskets that came back meanwhile. Rejects,
   * like every later call, once compressing or placing a basket failed.
   */
  ready(): Promise<void> | undefined {
    this.#placeReturned();
    if (this.#failure) return Promise.reject(this.#failure);
    const pool = this.#compressor;
    if (!pool?.started || pool.hasRoom(this) || this.#pending.length === 0) return undefined;
    return this.#until(() => pool.hasRoom(this) || this.#pending.length === 0);
  }

  /**
   * Writes buffered entries as baskets, waits for the baskets out with the compressor, then
   * writes the trees' metadata, keys list, free segments and header, so the file on disk
   * holds everything appended before the call; the fdatasyncs (`syncOnFlush`) run off this
   * thread. `append` may go on meanwhile: its baskets go past the end that this flush
   * records and become part of the file at the next flush. One flush at a time: `flush` and
   * `close` throw RootWriterError while one is pending.
   */
  async flush(): Promise<void> {
    this.#open();
    this.#noFlushPending("flush");
    const pending = (async () => {
      this.#writeBuffered();
      const target = this.#written;
      if (this.#placed < target) await this.#until(() => this.#placed >= target);
      const step = this.#flushRecords();
      if (this.#sync) await fdatasync(this.#fd);
      this.#write(step.directory, this.#directoryAt);
      this.#write(step.header, 0);
      if (this.#sync) await fdatasync(this.#fd);
      this.#writeReleaseMarkers(step.releases);
    })();
    this.#pendingFlush = pending;
    try {
      await pending;
    } finally {
      this.#pendingFlush = undefined;
    }
  }

  /** Whether a {@link RootWriter.flush} has not finished yet. */
  get flushPending(): boolean {
    return this.#pendingFlush !== undefined;
  }

  /** Flushes and closes the file (closed even when the flush fails; the error is thrown). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#noFlushPending("close");
    try {
      await this.flush();
    } finally {
      if (!this.#closed) {
        this.#closed = true;
        fs.closeSync(this.#fd);
      }
    }
  }

  /** The first flush, in the constructor: nothing can be out with the compressor yet. */
  #flushNow(): void {
    const step = this.#flushRecords();
    if (this.#sync) fs.fdatasyncSync(this.#fd);
    this.#write(step.directory, this.#directoryAt);
    this.#write(step.header, 0);
    if (this.#sync) fs.fdatasyncSync(this.#fd);
    this.#writeReleaseMarkers(step.releases);
  }

  /**
   * Resolves once `done()` holds, checked after each basket the compressor finishes; rejects
   * on a failure.
   */
  async #until(done: () => boolean): Promise<void> {
    for (;;) {
      this.#placeReturned();
      if (this.#failure) throw this.#failure;
      if (done()) return;
      const head = this.#pending[0];
      if (head?.ticket === undefined) throw new RootWriterError(`${this.path}: nothing out`);
      await this.#compressor!.settled(head.ticket);
    }
  }

  #fail(e: unknown): void {
    this.#failure ??= e instanceof Error ? e : new RootWriterError(`${this.path}: ${String(e)}`);
  }

  #open(): void {
    if (this.#closed) throw new RootWriterError(`${this.path}: writer is closed`);
    if (this.#failure) throw this.#failure;
  }

  #noFlushPending(what: string): void {
    if (this.#pendingFlush) {
      throw new RootWriterError(`${this.path}: ${what} while a flush is pending`);
    }
  }

  /** Writes (or hands to the compressor) every basket that holds entries. */
  #writeBuffered(): void {
    for (const tree of this.#trees.values()) {
      for (const b of tree.branches) if (b.buffered > 0) this.#writeBasket(tree, b);
    }
  }

  /**
   * Writes the trees' metadata, the keys list and the free segments, and returns what must
   * follow once they are on disk: the directory and header pointing at them, then the markers
   * of the records they replaced.
   */
  #flushRecords(): FlushStep {
    for (const tree of this.#trees.values()) this.#writeTree(tree);
    this.#writeKeysList();
    this.#writeFreeList();
    const releases = this.#pendingReleases;
    this.#pendingReleases = [];
    return { ...this.#directoryAndHeader(), releases };
  }

  #writeReleaseMarkers(releases: [at: number, bytes: number][]): void {
    for (const [at, bytes] of releases) {
      const marker = new ByteWriter(4).i32(-bytes).result();
      this.#write(marker, at);
    }
  }

  #tree(name: string): TreeState {
    const tree = this.#trees.get(name);
    if (!tree) throw new RootWriterError(`${this.path}: no tree named '${name}'`);
    return tree;
  }

  #write(bytes: Uint8Array, at: number): void {
    let done = 0;
    while (done < bytes.length) {
      done += fs.writeSync(this.#fd, bytes, done, bytes.length - done, at + done);
    }
  }

  #allocate(bytes: number): number {
    const at = this.#end;
    this.#end += bytes;
    return at;
  }

  #release(slot: Slot): void {
    this.#holes.push([slot.seek, slot.bytes]);
    this.#pendingReleases.push([slot.seek, slot.bytes]);
  }

  #key(
    className: string,
    name: string,
    title: string,
    seekKey: number,
    objectBytes: number,
    storedBytes = objectBytes,
    seekParent = BEGIN,
  ): KeyHeader {
    return {
      className,
      name,
      title,
      objectBytes,
      storedBytes,
      cycle: 1,
      seekKey,
      seekParent,
      datime: datime(),
    };
  }

  #writeStart(): void {
    const names = tstringLength(this.#fileName) + tstringLength(this.#title);
    const keylen = keyLength("TFile", this.#fileName, this.#title, false);
    this.#nbytesName = keylen + names;
    this.#directoryAt = BEGIN + this.#nbytesName;
    this.#end = BEGIN + keylen + names + DIRECTORY_RECORD_BYTES;
    const w = new ByteWriter(BEGIN + 512);
    w.zeros(BEGIN);
    writeKey(
      w,
      this.#key(
        "TFile",
        this.#fileName,
        this.#title,
        BEGIN,
        names + DIRECTORY_RECORD_BYTES,
        undefined,
        0,
      ),
    );
    w.tstring(this.#fileName).tstring(this.#title);
    w.zeros(DIRECTORY_RECORD_BYTES);
    this.#write(w.result(), 0);

    this.#writeStreamerInfo(false);
  }

  /** Writes the StreamerInfo record at the end of the file (with the histogram classes). */
  #writeStreamerInfo(histograms: boolean): void {
    const body = streamerInfoListBody(histograms);
    const stored = compressBuffer(body, this.#compression);
    const big = isBigKey(this.#end, BEGIN);
    const infoKeylen = keyLength("TList", "StreamerInfo", "Doubly linked list", big);
    this.#seekInfo = this.#allocate(infoKeylen + stored.length);
    this.#nbytesInfo = infoKeylen + stored.length;
    const info = new ByteWriter(this.#nbytesInfo);
    writeKey(
      info,
      this.#key(
        "TList",
        "StreamerInfo",
        "Doubly linked list",
        this.#seekInfo,
        body.length,
        stored.length,
      ),
    );
    info.raw(stored);
    this.#write(info.result(), this.#seekInfo);
  }

  /** Compresses and places a branch's basket, or hands it to the compressor. */
  #writeBasket(tree: TreeState, b: BranchState): void {
    const count = b.buffered;
    const bytes = count * b.entrySize;
    b.buffered = 0;
    const data = b.buffer.subarray(b.dataStart, b.dataStart + bytes);
    const ticket = this.#compressor?.start(this, data, this.#compression);
    if (ticket !== undefined) {
      this.#pending.push({ tree, branch: b, count, bytes, ticket });
      this.#pendingBytes += bytes;
      this.#written++;
      return;
    }
    // Here: no compressor, its Workers still starting, no free slot, or a basket too large.
    const stored = compressBuffer(data, this.#compression);
    if (this.#pending.length === 0) {
      this.#placeBasket(tree, b, count, data, stored === data ? undefined : stored);
      return;
    }
    const kept = stored === data ? { data: data.slice() } : { stored };
    this.#pending.push({ tree, branch: b, count, bytes, ...kept });
    this.#pendingBytes += bytes;
    this.#written++;
  }

  /** Places the baskets the compressor has done, oldest first, up to the first still out. */
  #placeReturned(): void {
    const pool = this.#compressor;
    if (!pool || this.#failure || this.#closed) return;
    try {
      if (pool.failure) throw pool.failure;
      while (this.#pending.length > 0) {
        const p = this.#pending[0];
        if (p.ticket === undefined) {
          this.#placeBasket(p.tree, p.branch, p.count, p.data, p.stored);
        } else {
          const r = pool.result(p.ticket);
          if (!r) break;
          this.#placeBasket(p.tree, p.branch, p.count, r.input, r.stored);
          pool.release(p.ticket);
        }
        this.#pending.shift();
        this.#pendingBytes -= p.bytes;
        this.#placed++;
      }
    } catch (e) {
      this.#fail(e);
    }
  }

  /**
   * Writes a basket of `count` entries at the end of the file: `stored` when compressed, else
   * `data` as it is (its key header written in front of it when it sits in the branch's buffer,
   * which has room for one there).
   */
  #placeBasket(
    tree: TreeState,
    b: BranchState,
    count: number,
    data: Uint8Array | undefined,
    stored: Uint8Array | undefined,
  ): void {
    const objectBytes = count * b.entrySize;
    const at = this.#end;
    const big = isBigKey(at, BEGIN);
    const keylen = keyLength("TBasket", b.column.name, tree.name, big) + BASKET_HEADER_BYTES;
    const header = new ByteWriter(keylen);
    writeKey(header, {
      className: "TBasket",
      name: b.column.name,
      title: tree.name,
      objectBytes,
      storedBytes: stored?.length ?? objectBytes,
      cycle: 0,
      seekKey: at,
      seekParent: BEGIN,
      datime: datime(),
      extraKeyBytes: BASKET_HEADER_BYTES,
    });
    const bufferSize = Math.max(b.entriesPerBasket * b.entrySize, keylen + objectBytes);
    header.i16(3).i32(bufferSize).i32(b.entrySize).i32(count).i32(keylen + objectBytes).u8(0);
    const body = stored ?? data!;
    const nbytes = keylen + body.length;
    const inBuffer = body.buffer === b.buffer.buffer &&
      body.byteOffset === b.buffer.byteOffset + b.dataStart;
    if (inBuffer) {
      b.buffer.set(header.result(), b.dataStart - keylen);
      this.#write(b.buffer.subarray(b.dataStart - keylen, b.dataStart + body.length), at);
    } else {
      this.#write(header.result(), at);
      this.#write(body, at + keylen);
    }
    this.#end += nbytes;
    b.basketBytes.push(nbytes);
    b.basketSeek.push(at);
    b.entries += count;
    b.basketEntry.push(b.entries);
    b.totBytes += keylen + objectBytes;
    b.zipBytes += nbytes;
    tree.totBytes += keylen + objectBytes;
    tree.zipBytes += nbytes;
    if (b.basketSeek.length + 1 > tree.capacity) {
      tree.capacity = Math.max(tree.capacity * 2, b.basketSeek.length + 1);
    }
  }

  #treeKey(tree: TreeState, seekKey: number, objectBytes: number): KeyHeader {
    return {
      ...this.#key("TTree", tree.name, tree.title, seekKey, objectBytes),
      cycle: tree.cycle,
    };
  }

  #writeTree(tree: TreeState): void {
    const old = tree.record;
    let keylen = old?.keylen ?? keyLength("TTree", tree.name, tree.title, false);
    let object = serializeTree(tree, keylen);
    let at: number;
    if (old && old.objectBytes === object.length) {
      at = old.seekKey;
    } else {
      at = this.#end;
      const newKeylen = keyLength("TTree", tree.name, tree.title, isBigKey(at, BEGIN));
      if (newKeylen !== keylen) {
        keylen = newKeylen;
        object = serializeTree(tree, keylen);
      }
      this.#allocate(keylen + object.length);
      if (old) this.#release({ seek: old.seekKey, bytes: old.nbytes, dataBytes: old.objectBytes });
    }
    const w = new ByteWriter(keylen + object.length);
    const key = this.#treeKey(tree, at, object.length);
    writeKey(w, key);
    w.raw(object);
    this.#write(w.result(), at);
    tree.record = {
      seekKey: at,
      nbytes: keylen + object.length,
      keylen,
      objectBytes: object.length,
      datime: key.datime,
    };
  }

  /** Writes a record with room to grow: in its slot if it fits, else in a new slot at the end. */
  #writeSlotRecord(
    slot: Slot | undefined,
    data: Uint8Array,
    minBytes: number,
  ): Slot {
    let s = slot;
    if (!s || data.length > s.dataBytes) {
      const dataBytes = Math.max(minBytes, data.length * 2);
      const at = this.#end;
      const keylen = keyLength("TFile", this.#fileName, this.#title, isBigKey(at, BEGIN));
      this.#allocate(keylen + dataBytes);
      if (s) this.#release(s);
      s = { seek: at, bytes: keylen + dataBytes, dataBytes };
    }
    const w = new ByteWriter(s.bytes);
    writeKey(w, this.#key("TFile", this.#fileName, this.#title, s.seek, s.dataBytes));
    w.raw(data);
    w.zeros(s.dataBytes - data.length);
    this.#write(w.result(), s.seek);
    return s;
  }

  #writeKeysList(): void {
    const w = new ByteWriter(1024);
    const trees = [...this.#trees.values()].filter((t) => t.record);
    w.i32(trees.length + this.#objects.size);
    for (const t of trees) {
      const r = t.record!;
      writeKey(w, { ...this.#treeKey(t, r.seekKey, r.objectBytes), datime: r.datime });
    }
    for (const o of this.#objects.values()) writeKey(w, o.key);
    this.#keysList = this.#writeSlotRecord(this.#keysList, w.result(), MIN_KEYS_LIST_BYTES);
  }

  #freeListData(): Uint8Array {
    const w = new ByteWriter(256);
    const holes = [...this.#holes].sort((a, b) => a[0] - b[0]);
    for (const [first, bytes] of holes) writeFreeSegment(w, first, first + bytes - 1);
    writeFreeSegment(w, this.#end, freeSegmentInfinity(this.#end));
    return w.result();
  }

  #writeFreeList(): void {
    // The free list's own slot may move, which changes fEND and the holes: repeat until stable.
    for (;;) {
      const data = this.#freeListData();
      const fits = this.#freeList && data.length <= this.#freeList.dataBytes;
      if (fits) {
        this.#freeList = this.#writeSlotRecord(this.#freeList, data, MIN_FREE_LIST_BYTES);
        return;
      }
      const reserve = data.length + 2 * freeSegmentLength(Number.MAX_SAFE_INTEGER);
      this.#freeList = this.#writeSlotRecord(
        this.#freeList,
        new Uint8Array(reserve),
        MIN_FREE_LIST_BYTES,
      );
    }
  }

  #directoryAndHeader(): { directory: Uint8Array; header: Uint8Array } {
    const keys = this.#keysList!;
    const free = this.#freeList!;
    const dir = new ByteWriter(DIRECTORY_RECORD_BYTES);
    writeDirectory(dir, {
      created: this.#created,
      modified: datime(),
      nbytesKeys: keys.bytes,
      nbytesName: this.#nbytesName,
      seekDir: BEGIN,
      seekParent: 0,
      seekKeys: keys.seek,
      uuid: this.#uuid,
    });
    const header = fileHeaderBytes({
      end: this.#end,
      seekFree: free.seek,
      nbytesFree: free.bytes,
      nfree: this.#holes.length + 1,
      nbytesName: this.#nbytesName,
      compress: compressionCode(this.#compression),
      seekInfo: this.#seekInfo,
      nbytesInfo: this.#nbytesInfo,
      uuid: this.#uuid,
    });
    return { directory: dir.result(), header };
  }
}

/** fdatasync on the thread pool, leaving this thread free. */
function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())));
}

/**
 * Opens `path` for writing, created or emptied. Without O_TRUNC when the file is already empty
 * (as a store's freshly claimed name is): on ext4, closing a file that was opened with O_TRUNC
 * starts writeback of all its dirty pages (auto_da_alloc), which blocks close() for about
 * 0.4 s per GB.
 */
function openEmpty(path: string): number {
  const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o666);
  try {
    if (fs.fstatSync(fd).size > 0) fs.ftruncateSync(fd, 0);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  return fd;
}

function validateCompression(c: RootCompression, path: string): void {
  const max = c.algorithm === "zstd" ? 22 : 9;
  if (!["none", "zlib", "lz4", "zstd"].includes(c.algorithm)) {
    throw new RootWriterError(`${path}: unknown compression '${c.algorithm}'`);
  }
  if (c.level !== undefined && (!Number.isInteger(c.level) || c.level < 0 || c.level > max)) {
    throw new RootWriterError(
      `${path}: ${c.algorithm} level must be an integer 0-${max}, got ${c.level}`,
    );
  }
}

/** Creates (or truncates) a ROOT file at `path` and returns a writer for it. */
export function openRootWriter(path: string, options: RootWriterOptions = {}): RootWriter {
  return new RootWriter(path, options);
}

export { RootWriterError };
