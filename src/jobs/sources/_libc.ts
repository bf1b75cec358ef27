/**
 * The libc calls the instrument sources make through Deno FFI: sockets for UDP (`recvmmsg`),
 * a serial line's file and its termios settings, and reading kernel files such as
 * `/proc/net/udp`. Deno asks for `--allow-all` to open character devices (`/dev/ttyUSB0`,
 * `/dev/pts/N`) and files under `/proc`, so a Worker confined to its device could not open it
 * with `Deno.open`; through FFI it can (its permission is `ffi`).
 *
 * Blocking calls are declared twice: `*_now` runs on the job's thread (for calls that return at
 * once), `*_wait` on a thread of its own (`nonblocking`), so the job's thread stays free.
 */
const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read_now: { name: "read", parameters: ["i32", "buffer", "usize"], result: "isize" },
  read_wait: {
    name: "read",
    parameters: ["i32", "pointer", "usize"],
    result: "isize",
    nonblocking: true,
  },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  tcgetattr: { parameters: ["i32", "buffer"], result: "i32" },
  tcsetattr: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  tcflush: { parameters: ["i32", "i32"], result: "i32" },
  cfmakeraw: { parameters: ["buffer"], result: "void" },
  cfsetispeed: { parameters: ["buffer", "u32"], result: "i32" },
  cfsetospeed: { parameters: ["buffer", "u32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  recvmmsg_now: {
    name: "recvmmsg",
    parameters: ["i32", "pointer", "u32", "i32", "pointer"],
    result: "i32",
  },
  recvmmsg_wait: {
    name: "recvmmsg",
    parameters: ["i32", "pointer", "u32", "i32", "pointer"],
    result: "i32",
    nonblocking: true,
  },
} as const;

/** The libc functions, opened once per Worker. */
export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let libc: Libc | undefined;

/** libc, opened on first use. */
export function lib(): Libc {
  libc ??= Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  return libc;
}

/** errno of this thread right after a failed call on it. */
export function errno(): number {
  const p = lib().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** A few errno values by name, for messages. */
export function errnoText(e: number): string {
  const names: Record<number, string> = {
    1: "operation not permitted",
    2: "no such file or device",
    5: "I/O error",
    6: "no such device",
    13: "permission denied",
    16: "device busy",
    19: "no such device",
    20: "not a directory",
    21: "is a directory",
    25: "not a terminal (serial line)",
    98: "address in use",
    99: "address not on this host",
  };
  return names[e] ?? `errno ${e}`;
}

/** O_* flags used here. */
export const O = { RDONLY: 0, RDWR: 2, NOCTTY: 0o400, CLOEXEC: 0o2000000 } as const;

/** Reads a whole small file (such as `/proc/net/udp`) with open/read/close; undefined if it cannot. */
export function readSmallFile(path: string, maxBytes = 1 << 20): string | undefined {
  const c = lib();
  const fd = c.open(new TextEncoder().encode(path + "\0"), O.RDONLY | O.CLOEXEC, 0);
  if (fd < 0) return undefined;
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(65536);
      const n = Number(c.read_now(fd, buf, BigInt(buf.length)));
      if (n < 0) return undefined;
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total >= maxBytes) break;
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return new TextDecoder().decode(all);
  } finally {
    c.close(fd);
  }
}
