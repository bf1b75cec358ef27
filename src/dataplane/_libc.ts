/**
 * The few libc calls the ring file needs, through Deno FFI: open/ftruncate/lseek/close for the
 * file, mmap/munmap/msync for the mapping, and the futex syscall for sleeping until another
 * thread or process changes a word in the mapping.
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
