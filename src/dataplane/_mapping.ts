/**
 * Creating, validating and mapping a ring file; typed views over its header and data region.
 */
import * as libc from "./_libc.ts";
import * as L from "./_layout.ts";
import { RingFileError } from "./errors.ts";

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
 * Creates a new ring file at `path` (replacing an existing file: old readers keep the old one,
 * which their writer marks closed), writes its header and schema, and maps it.
 */
export function createMapping(path: string, init: NewRingHeader): RingMapping {
  const dataOffset = L.dataOffsetFor(init.schemaMessage.length);
  const fileBytes = dataOffset + init.capacity;
  try {
    Deno.removeSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const fd = libc.openFile(path, libc.O_RDWR | libc.O_CREAT | libc.O_EXCL, 0o644);
  if (fd < 0) throw osError(path, "open for create", fd);
  const rc = libc.truncateFile(fd, fileBytes);
  if (rc < 0) {
    libc.closeFile(fd);
    throw osError(path, `ftruncate to ${fileBytes} bytes`, rc);
  }
  // Write the fields the mapping needs to find its regions before mapping views over them.
  const p = libc.mapFile(fd, L.HEADER_BYTES, true);
  if (typeof p === "number") {
    libc.closeFile(fd);
    throw osError(path, "mmap of the header", p);
  }
  const header = new DataView(Deno.UnsafePointerView.getArrayBuffer(p, L.HEADER_BYTES));
  header.setBigUint64(L.H_CAPACITY, BigInt(init.capacity), true);
  header.setUint32(L.H_SCHEMA_LEN, init.schemaMessage.length, true);
  header.setUint32(L.H_DATA_OFFSET, dataOffset, true);
  libc.unmapFile(p, L.HEADER_BYTES);

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

/** Opens and maps an existing ring file, checking its magic, version and size. */
export function openMapping(path: string): RingMapping {
  const fd = libc.openFile(path, libc.O_RDWR);
  if (fd < 0) throw osError(path, "open", fd);
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
    throw new RingFileError(
      path,
      `file is ${fileBytes} bytes, expected ${expectedSize} ` +
        `(${dataOffset}-byte header and schema + ${capacity}-byte data region)`,
    );
  }
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
