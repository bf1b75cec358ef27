/**
 * Creating, validating and mapping a ring file; typed views over its header and data region.
 */
import * as libc from "./_libc.ts";
import * as L from "./_layout.ts";
import { ENOENT, RingFileError, RingFileRefusedError, RingFileTruncatedError } from "./errors.ts";

/** An open, mapped ring file with views over its header and data region. */
export interface RingMapping {
  path: string;
  fd: number;
  pointer: Deno.PointerObject;
  fileBytes: number;
  capacity: number;
  dataOffset: number;
  /** The whole file. */
  file: Uint8Array;
  /** The header as u64 (for Atomics) and i32 (for the futex words and flags). */
  h64: BigInt64Array;
  h32: Int32Array;
  /** The data region (capacity bytes) as bytes, u32 words and a DataView. */
  data: Uint8Array;
  data32: Uint32Array;
  dataView: DataView;
  /** The stored Arrow IPC schema message. */
  schemaMessage: Uint8Array;
  headFutex: Deno.PointerObject;
  tailFutex: Deno.PointerObject;
}

/** What a new ring file's header says besides the defaults. */
export interface NewRingHeader {
  capacity: number;
  schemaMessage: Uint8Array;
  policy: number;
  streamId: bigint;
}

function osError(path: string, what: string, negErrno: number): RingFileError {
  return new RingFileError(path, `${what} failed (errno ${-negErrno})`, -negErrno);
}

function mapFd(path: string, fd: number, fileBytes: number): Deno.PointerObject {
  const p = libc.mapFile(fd, fileBytes, true);
  if (typeof p === "number") {
    libc.closeFile(fd);
    throw osError(path, `mmap of ${fileBytes} bytes`, p);
  }
  return p;
}

function viewsOver(
  path: string,
  fd: number,
  p: Deno.PointerObject,
  fileBytes: number,
): RingMapping {
  const buffer = Deno.UnsafePointerView.getArrayBuffer(p, fileBytes);
  const file = new Uint8Array(buffer);
  const header = new DataView(buffer, 0, L.HEADER_BYTES);
  const capacity = Number(header.getBigUint64(L.H_CAPACITY, true));
  const dataOffset = header.getUint32(L.H_DATA_OFFSET, true);
  const schemaLength = header.getUint32(L.H_SCHEMA_LEN, true);
  return {
    path,
    fd,
    pointer: p,
    fileBytes,
    capacity,
    dataOffset,
    file,
    h64: new BigInt64Array(buffer, 0, L.HEADER_BYTES / 8),
    h32: new Int32Array(buffer, 0, L.HEADER_BYTES / 4),
    data: new Uint8Array(buffer, dataOffset, capacity),
    data32: new Uint32Array(buffer, dataOffset, capacity / 4),
    dataView: new DataView(buffer, dataOffset, capacity),
    schemaMessage: file.subarray(L.HEADER_BYTES, L.HEADER_BYTES + schemaLength),
    headFutex: libc.offsetPointer(p, L.H_HEAD_FUTEX),
    tailFutex: libc.offsetPointer(p, L.H_TAIL_FUTEX),
  };
}

/**
 * Checks what `path` is before daq touches it: nothing (undefined), or a regular file of this
 * user (its stat). A symbolic link, anything but a regular file, or a file of another user is a
 * {@link RingFileRefusedError}: a ring file planted by someone else is never read into HDF5 or
 * written through.
 */
export function checkOwnFile(path: string): libc.FileStat | undefined {
  const st = libc.statPath(path);
  if (typeof st === "number") {
    if (-st === ENOENT) return undefined;
    throw osError(path, "stat", st);
  }
  const type = st.mode & libc.S_IFMT;
  if (type === libc.S_IFLNK) {
    throw new RingFileRefusedError(
      path,
      "is a symbolic link; daq does not follow links to ring files (remove it)",
    );
  }
  if (type !== libc.S_IFREG) {
    throw new RingFileRefusedError(path, "is not a regular file; daq ring files are regular files");
  }
  checkOwner(path, st, "file");
  return st;
}

/**
 * Checks that `dir` (a folder of ring files) is a real folder of this user, not a symbolic link:
 * {@link RingFileRefusedError} otherwise. False when it does not exist.
 */
export function checkOwnDir(dir: string): boolean {
  const st = libc.statPath(dir);
  if (typeof st === "number") {
    if (-st === ENOENT) return false;
    throw osError(dir, "stat", st);
  }
  const type = st.mode & libc.S_IFMT;
  if (type === libc.S_IFLNK) {
    throw new RingFileRefusedError(
      dir,
      "is a symbolic link; daq does not follow links to ring file folders (remove it)",
    );
  }
  if (type !== libc.S_IFDIR) throw new RingFileRefusedError(dir, "is not a folder");
  checkOwner(dir, st, "folder");
  return true;
}

function checkOwner(path: string, st: libc.FileStat, what: string): void {
  const uid = libc.effectiveUid();
  if (st.uid !== uid) {
    throw new RingFileRefusedError(
      path,
      `belongs to uid ${st.uid}, not to this user (uid ${uid}): daq uses only ring ${what}s ` +
        `of its own user`,
    );
  }
}

/**
 * Opens the regular file of this user at `path` (see {@link checkOwnFile}) without following
 * a symbolic link and checks that what was opened is what was checked. Undefined when there is
 * no file.
 */
function openOwnFile(path: string, flags: number): number | undefined {
  const st = checkOwnFile(path);
  if (st === undefined) return undefined;
  const fd = libc.openFile(path, flags | libc.O_NOFOLLOW | libc.O_NONBLOCK);
  if (fd < 0) {
    if (-fd === ENOENT) return undefined;
    if (-fd === libc.ELOOP) return openOwnFile(path, flags); // replaced meanwhile: check again
    throw osError(path, "open", fd);
  }
  const opened = libc.statFd(fd);
  if (typeof opened === "number" || opened.ino !== st.ino || opened.dev !== st.dev) {
    libc.closeFile(fd);
    throw new RingFileRefusedError(path, "was replaced while daq opened it");
  }
  return fd;
}

/** The writer pid in the header of the ring file open at `fd`, if it has a ring header. */
function headerPid(fd: number): number | undefined {
  const header = new Uint8Array(L.HEADER_BYTES);
  if (libc.readAt(fd, header, 0) !== L.HEADER_BYTES) return undefined;
  const h = new DataView(header.buffer);
  if (h.getBigUint64(L.H_MAGIC, true) !== L.MAGIC) return undefined;
  return h.getUint32(L.H_WRITER_PID, true);
}

/**
 * Takes the writer's lock (flock, exclusive) of the ring file open at `fd`. Held by another
 * process: {@link RingFileRefusedError} naming its pid. Held by this process: a Worker of this
 * process that was terminated without closing the ring (its fd stays open until the process
 * ends) wrote it; no Worker writes it any more, so it may be taken over.
 */
function claim(path: string, fd: number): void {
  const rc = libc.lockFile(fd);
  if (rc === 0) return;
  if (-rc !== libc.EWOULDBLOCK) throw osError(path, "flock", rc);
  const pid = headerPid(fd);
  if (pid === Deno.pid) return;
  throw new RingFileRefusedError(
    path,
    `in use: another daq (writer pid ${pid ?? "unknown"}) holds this ring file's lock; ` +
      `two runs must not share a ring file (give this one another supervisor id or ring path)`,
  );
}

/**
 * Checks that a new writer may take over the ring file at `path`: undefined when there is
 * none; else it must be a regular file of this user that no live writer holds (see
 * {@link claim}). Returns the fd, lock held, for the caller to close.
 */
export function claimExisting(path: string): number | undefined {
  const fd = openOwnFile(path, libc.O_RDONLY);
  if (fd === undefined) return undefined;
  try {
    claim(path, fd);
  } catch (e) {
    libc.closeFile(fd);
    throw e;
  }
  return fd;
}

/**
 * Creates a new ring file at `path` and maps it. An existing file there is replaced only when
 * it is a regular file of this user that no live writer holds (old readers keep the old one,
 * which their writer marked closed). The file's whole size is reserved on its filesystem first
 * (posix_fallocate), so a filesystem that cannot hold it is an error here, naming the sizes,
 * rather than SIGBUS at the first write into a page it cannot back. The new file's lock (flock)
 * is held until the mapping is closed.
 */
export function createMapping(path: string, init: NewRingHeader): RingMapping {
  const dataOffset = L.dataOffsetFor(init.schemaMessage.length);
  const fileBytes = dataOffset + init.capacity;
  const old = claimExisting(path);
  if (old !== undefined) {
    const rc = libc.unlinkPath(path);
    libc.closeFile(old);
    if (rc < 0 && -rc !== ENOENT) throw osError(path, "unlink of the old ring file", rc);
  }
  const fd = libc.openFile(path, libc.O_RDWR | libc.O_CREAT | libc.O_EXCL | libc.O_NOFOLLOW, 0o644);
  if (fd < 0) throw osError(path, "open for create", fd);
  const fail = (e: Error): never => {
    libc.unlinkPath(path);
    libc.closeFile(fd);
    throw e;
  };
  const locked = libc.lockFile(fd);
  if (locked < 0) {
    libc.closeFile(fd);
    throw new RingFileRefusedError(path, "another daq took this new ring file's lock first");
  }
  const mine = libc.statFd(fd);
  const named = libc.statPath(path);
  if (typeof mine === "number" || typeof named === "number" || mine.ino !== named.ino) {
    libc.closeFile(fd);
    throw new RingFileRefusedError(path, "another daq replaced this new ring file at once");
  }
  const rc = libc.truncateFile(fd, fileBytes);
  if (rc < 0) fail(osError(path, `ftruncate to ${fileBytes} bytes`, rc));
  const reserved = libc.reserveSpace(fd, fileBytes);
  if (reserved < 0) {
    const free = libc.freeBytes(fd);
    const room = free >= 0 ? `; the filesystem has ${free} bytes free` : "";
    const why = -reserved === libc.ENOSPC ? "no space left on device" : `errno ${-reserved}`;
    fail(
      new RingFileError(
        path,
        `cannot reserve ${fileBytes} bytes for the ring file (${why})${room}: ` +
          `make the ring smaller or put it on a larger filesystem`,
        -reserved,
      ),
    );
  }
  // Write the fields the mapping needs to find its regions before mapping views over them.
  const p = libc.mapFile(fd, L.HEADER_BYTES, true);
  if (typeof p === "number") fail(osError(path, "mmap of the header", p));
  const headerPointer = p as Deno.PointerObject;
  const header = new DataView(Deno.UnsafePointerView.getArrayBuffer(headerPointer, L.HEADER_BYTES));
  header.setBigUint64(L.H_CAPACITY, BigInt(init.capacity), true);
  header.setUint32(L.H_SCHEMA_LEN, init.schemaMessage.length, true);
  header.setUint32(L.H_DATA_OFFSET, dataOffset, true);
  libc.unmapFile(headerPointer, L.HEADER_BYTES);

  const m = viewsOver(path, fd, mapFd(path, fd, fileBytes), fileBytes);
  const h = new DataView(m.file.buffer, 0, L.HEADER_BYTES);
  m.file.set(init.schemaMessage, L.HEADER_BYTES);
  h.setUint32(L.H_VERSION, L.FORMAT_VERSION, true);
  h.setBigUint64(L.H_STREAM_ID, init.streamId, true);
  h.setBigInt64(L.H_CREATED_NS, BigInt(Date.now()) * 1_000_000n, true);
  h.setUint32(L.H_POLICY, init.policy, true);
  h.setUint32(L.H_WRITER_PID, Deno.pid, true);
  // The magic goes last: a reader that sees it sees a complete header.
  Atomics.store(m.h64, 0, BigInt.asIntN(64, L.MAGIC));
  return m;
}

/**
 * Removes the ring file at `path` if it is still the one with stream id `streamId` and no live
 * writer holds it; true when removed. Never removes another writer's ring, a symbolic link or
 * another user's file.
 */
export function removeRingFile(path: string, streamId: bigint): boolean {
  let fd: number | undefined;
  try {
    fd = claimExisting(path);
  } catch (e) {
    if (e instanceof RingFileRefusedError) return false;
    throw e;
  }
  if (fd === undefined) return false;
  try {
    const header = new Uint8Array(L.HEADER_BYTES);
    if (libc.readAt(fd, header, 0) !== L.HEADER_BYTES) return false;
    const h = new DataView(header.buffer);
    if (h.getBigUint64(L.H_MAGIC, true) !== L.MAGIC) return false;
    if (h.getBigUint64(L.H_STREAM_ID, true) !== BigInt.asUintN(64, streamId)) return false;
    const rc = libc.unlinkPath(path);
    if (rc < 0 && -rc !== ENOENT) throw osError(path, "unlink", rc);
    return rc === 0;
  } finally {
    libc.closeFile(fd);
  }
}

/**
 * Opens and maps an existing ring file, checking its magic, version and size. With `own`, the
 * file must be a regular file of this user, not reached through a symbolic link (see
 * {@link checkOwnFile}): what a consumer reads goes into HDF5 as this run's data.
 */
export function openMapping(path: string, own = false): RingMapping {
  const fd = own
    ? openOwnFile(path, libc.O_RDWR) ?? -ENOENT
    : libc.openFile(path, libc.O_RDWR | libc.O_NONBLOCK);
  if (fd < 0) throw osError(path, "open", fd);
  const st = libc.statFd(fd);
  if (typeof st !== "number" && (st.mode & libc.S_IFMT) !== libc.S_IFREG) {
    libc.closeFile(fd);
    throw new RingFileError(path, "is not a regular file");
  }
  const size = libc.fileSize(fd);
  if (size < 0) {
    libc.closeFile(fd);
    throw osError(path, "lseek", size);
  }
  if (size < L.HEADER_BYTES) {
    libc.closeFile(fd);
    throw new RingFileError(
      path,
      `file is ${size} bytes, smaller than the ${L.HEADER_BYTES}-byte ring header`,
    );
  }
  const p = mapFd(path, fd, size);
  try {
    validate(path, new DataView(Deno.UnsafePointerView.getArrayBuffer(p, size)));
  } catch (e) {
    libc.unmapFile(p, size);
    libc.closeFile(fd);
    throw e;
  }
  return viewsOver(path, fd, p, size);
}

function hex(n: bigint): string {
  return "0x" + BigInt.asUintN(64, n).toString(16).toUpperCase().padStart(16, "0");
}

function validate(path: string, h: DataView): void {
  const fileBytes = h.byteLength;
  const capacity = Number(h.getBigUint64(L.H_CAPACITY, true));
  const dataOffset = h.getUint32(L.H_DATA_OFFSET, true);
  const magic = h.getBigUint64(L.H_MAGIC, true);
  if (magic !== L.MAGIC) {
    throw new RingFileError(path, `bad magic ${hex(magic)}, expected ${hex(L.MAGIC)}`);
  }
  const version = h.getUint32(L.H_VERSION, true);
  if (version !== L.FORMAT_VERSION) {
    throw new RingFileError(
      path,
      `format version ${version}, expected ${L.FORMAT_VERSION}`,
    );
  }
  const schemaLength = h.getUint32(L.H_SCHEMA_LEN, true);
  const expectedOffset = L.dataOffsetFor(schemaLength);
  if (dataOffset !== expectedOffset) {
    throw new RingFileError(
      path,
      `data offset ${dataOffset}, expected ${expectedOffset} for a ${schemaLength}-byte schema`,
    );
  }
  if (capacity <= 0 || capacity % L.RECORD_ALIGN !== 0) {
    throw new RingFileError(path, `capacity ${capacity} is not a positive multiple of 8`);
  }
  const expectedSize = dataOffset + capacity;
  if (fileBytes !== expectedSize) {
    const Error = fileBytes < expectedSize ? RingFileTruncatedError : RingFileError;
    throw new Error(
      path,
      `file is ${fileBytes} bytes, expected ${expectedSize} ` +
        `(${dataOffset}-byte header and schema + ${capacity}-byte data region)`,
    );
  }
}

/**
 * Throws a {@link RingFileError} when the file has become smaller than the mapping (another
 * program truncated it): touching the pages past its end would kill the whole process with
 * SIGBUS. One lseek, about 0.3 us.
 */
export function checkSize(m: RingMapping, who: string): void {
  const size = libc.fileSize(m.fd);
  if (size >= m.fileBytes) return;
  throw new RingFileTruncatedError(
    m.path,
    `the ring file shrank to ${size} bytes under this ${who}, expected ${m.fileBytes}: ` +
      `another program truncated it`,
  );
}

/** Unmaps and closes. */
export function closeMapping(m: RingMapping): void {
  libc.unmapFile(m.pointer, m.fileBytes);
  libc.closeFile(m.fd);
}

/** Flushes the whole mapping to the file (msync MS_SYNC). */
export function syncMappingToFile(m: RingMapping): void {
  const rc = libc.syncMapping(m.pointer, m.fileBytes);
  if (rc < 0) throw osError(m.path, "msync", rc);
}
