/**
 * The few libc calls the ring file needs, through Deno FFI: open/ftruncate/lseek/close for the
 * file, posix_fallocate to reserve its space, flock to claim it, statx/fstatvfs/geteuid to check
 * what it is and whose, mmap/munmap/msync for the mapping, and the futex syscall for sleeping
 * until another thread or process changes a word in the mapping. Linux x86-64 (flag values,
 * syscall number).
 *
 * One library handle per isolate (each Worker opens its own).
 */

const SYMBOLS = {
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  mmap: {
    parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"],
    result: "pointer",
  },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  msync: { parameters: ["pointer", "usize", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  posix_fallocate: { parameters: ["i32", "i64", "i64"], result: "i32" },
  flock: { parameters: ["i32", "i32"], result: "i32" },
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  fstatvfs: { parameters: ["i32", "buffer"], result: "i32" },
  geteuid: { parameters: [], result: "u32" },
  unlink: { parameters: ["buffer"], result: "i32" },
  pread: { parameters: ["i32", "buffer", "usize", "i64"], result: "i64" },
  futex_wait_async: {
    name: "syscall",
    parameters: ["i64", "pointer", "i32", "i32", "buffer", "pointer", "i32"],
    result: "i64",
    nonblocking: true,
  },
  futex_sync: {
    name: "syscall",
    parameters: ["i64", "pointer", "i32", "i32", "buffer", "pointer", "i32"],
    result: "i64",
  },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let libc: Libc | undefined;

function lib(): Libc {
  libc ??= Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  return libc;
}

export const O_RDONLY = 0;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_CLOEXEC = 0o2000000;
export const O_NONBLOCK = 0o4000;
export const O_NOFOLLOW = 0o400000;
export const ENOSPC = 28;
export const ELOOP = 40;
export const EWOULDBLOCK = 11;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;
const STATX_BASIC_STATS = 0x7ff;
/** File type bits of a mode, and the types daq meets. */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const MAP_POPULATE = 0x8000;
const MS_SYNC = 4;
const SEEK_END = 2;
const SYS_FUTEX = 202n;
const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const EAGAIN = 11;
const ETIMEDOUT = 110;
const EINTR = 4;

/** The current errno of this thread, read right after a failed call. */
export function errno(): number {
  const p = lib().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** Opens `path` with open(2) flags; returns the fd or -errno. */
export function openFile(path: string, flags: number, mode = 0o644): number {
  const cPath = new TextEncoder().encode(path + "\0");
  const fd = lib().open(cPath, flags | O_CLOEXEC, mode);
  return fd < 0 ? -errno() : fd;
}

/** Sets the size of an open file; returns 0 or -errno. */
export function truncateFile(fd: number, size: number): number {
  return lib().ftruncate(fd, BigInt(size)) < 0 ? -errno() : 0;
}

/** The size of an open file in bytes, or -errno. */
export function fileSize(fd: number): number {
  const end = lib().lseek(fd, 0n, SEEK_END);
  return end < 0 ? -errno() : Number(end);
}

/** Reserves the blocks of bytes [0, length) of an open file (posix_fallocate); 0 or -errno. */
export function reserveSpace(fd: number, length: number): number {
  const rc = lib().posix_fallocate(fd, 0n, BigInt(length));
  return rc === 0 ? 0 : -rc;
}

/** Takes an exclusive flock on an open file without waiting; 0, or -errno (EWOULDBLOCK: held). */
export function lockFile(fd: number): number {
  return lib().flock(fd, LOCK_EX | LOCK_NB) < 0 ? -errno() : 0;
}

/** Releases a flock taken by {@link lockFile}. */
export function unlockFile(fd: number): void {
  lib().flock(fd, LOCK_UN);
}

/** What statx says about a file: its type and permission bits, owner, size and identity. */
export interface FileStat {
  mode: number;
  uid: number;
  size: number;
  ino: bigint;
  dev: bigint;
}

function statx(dirFd: number, path: string, flags: number): FileStat | number {
  const buf = new Uint8Array(256);
  const cPath = new TextEncoder().encode(path + "\0");
  if (lib().statx(dirFd, cPath, flags, STATX_BASIC_STATS, buf) < 0) return -errno();
  const v = new DataView(buf.buffer);
  return {
    mode: v.getUint16(28, true),
    uid: v.getUint32(20, true),
    size: Number(v.getBigUint64(40, true)),
    ino: v.getBigUint64(32, true),
    dev: (BigInt(v.getUint32(136, true)) << 32n) | BigInt(v.getUint32(140, true)),
  };
}

/** statx of an open file; a {@link FileStat} or -errno. */
export function statFd(fd: number): FileStat | number {
  return statx(fd, "", AT_EMPTY_PATH);
}

/** statx of `path` itself (a symlink is not followed); a {@link FileStat} or -errno. */
export function statPath(path: string): FileStat | number {
  return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
}

/** Bytes an unprivileged user may still allocate on the filesystem of an open file, or -errno. */
export function freeBytes(fd: number): number {
  const buf = new Uint8Array(112);
  if (lib().fstatvfs(fd, buf) < 0) return -errno();
  const v = new DataView(buf.buffer);
  return Number(v.getBigUint64(8, true)) * Number(v.getBigUint64(32, true));
}

/** The effective user id of this process. */
export function effectiveUid(): number {
  return lib().geteuid();
}

/** Removes the name `path` (unlink); 0 or -errno. */
export function unlinkPath(path: string): number {
  const cPath = new TextEncoder().encode(path + "\0");
  return lib().unlink(cPath) < 0 ? -errno() : 0;
}

/** Reads up to `bytes.length` bytes at `offset` of an open file; the count, or -errno. */
export function readAt(fd: number, bytes: Uint8Array<ArrayBuffer>, offset: number): number {
  const n = lib().pread(fd, bytes, BigInt(bytes.length), BigInt(offset));
  return n < 0n ? -errno() : Number(n);
}

/** Closes an fd. */
export function closeFile(fd: number): void {
  lib().close(fd);
}

/** Maps `length` bytes of `fd` shared; returns the address, or -errno as a number. */
export function mapFile(
  fd: number,
  length: number,
  writable: boolean,
): Deno.PointerObject | number {
  const prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;
  const p = lib().mmap(null, BigInt(length), prot, MAP_SHARED | MAP_POPULATE, fd, 0n);
  const address = Deno.UnsafePointer.value(p);
  if (p === null || address === 0xffffffffffffffffn || address === -1n) return -errno();
  return p;
}

/** Unmaps a mapping made by {@link mapFile}. */
export function unmapFile(p: Deno.PointerObject, length: number): void {
  lib().munmap(p, BigInt(length));
}

/** Flushes a mapping to its file (MS_SYNC); returns 0 or -errno. */
export function syncMapping(p: Deno.PointerObject, length: number): number {
  return lib().msync(p, BigInt(length), MS_SYNC) < 0 ? -errno() : 0;
}

function timespec(timeoutMs: number): Uint8Array {
  const ts = new BigInt64Array(2);
  const ms = Math.max(0, timeoutMs);
  ts[0] = BigInt(Math.floor(ms / 1000));
  ts[1] = BigInt(Math.floor((ms % 1000) * 1e6));
  return new Uint8Array(ts.buffer);
}

/** What a futex wait ended with. */
export type FutexWaitResult = "woken" | "not-equal" | "timed-out";

function waitResult(rc: bigint): FutexWaitResult {
  if (rc >= 0n) return "woken";
  const e = errno();
  if (e === EAGAIN) return "not-equal";
  if (e === ETIMEDOUT) return "timed-out";
  if (e === EINTR) return "woken";
  throw new Error(`futex wait failed with errno ${e}`);
}

/**
 * Sleeps on the 32-bit word at `address` while it still holds `expected`, for at most
 * `timeoutMs`, without blocking the calling thread (runs on Deno's FFI thread pool).
 * Shared (not private) futex: wakes come from other processes too.
 */
export async function futexWaitAsync(
  address: Deno.PointerObject,
  expected: number,
  timeoutMs: number,
): Promise<FutexWaitResult> {
  const rc = await lib().futex_wait_async(
    SYS_FUTEX,
    address,
    FUTEX_WAIT,
    expected,
    timespec(timeoutMs),
    null,
    0,
  );
  // errno lives in the pool thread that ran the call; a negative result with the word
  // unchanged is reported as a timeout or spurious wake, which callers treat alike.
  return rc >= 0n ? "woken" : "timed-out";
}

/** Like {@link futexWaitAsync} but blocks the calling thread. */
export function futexWaitSync(
  address: Deno.PointerObject,
  expected: number,
  timeoutMs: number,
): FutexWaitResult {
  const rc = lib().futex_sync(
    SYS_FUTEX,
    address,
    FUTEX_WAIT,
    expected,
    timespec(timeoutMs),
    null,
    0,
  );
  return waitResult(rc);
}

/** Wakes every thread (any process) sleeping on the word at `address`. */
export function futexWake(address: Deno.PointerObject): void {
  lib().futex_sync(SYS_FUTEX, address, FUTEX_WAKE, 0x7fffffff, null, null, 0);
}

/** The pointer `offset` bytes after `p`. */
export function offsetPointer(p: Deno.PointerObject, offset: number): Deno.PointerObject {
  return Deno.UnsafePointer.offset(p, offset) as Deno.PointerObject;
}
