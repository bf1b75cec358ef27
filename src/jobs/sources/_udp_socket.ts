/**
 * A UDP socket read through libc (Deno FFI): `recvmmsg` takes up to `batch` datagrams per
 * call, at once while packets are queued and on a thread of its own when the queue is empty
 * (the job's thread stays free while it waits). The receive buffer size is set with SO_RCVBUF (or
 * SO_RCVBUFFORCE, above `net.core.rmem_max`, where the process may), and the kernel's own drop
 * counter for the socket is read from `/proc/net/udp` (`/proc/net/udp6` for IPv6).
 *
 * (`node:dgram` in Deno 2.9 delivered about 200 of 3000 packets sent at 5 k/s here, and
 * `Deno.listenDatagram` needs --unstable-net, takes one packet per call and cannot size its
 * buffer.)
 */

import { errno, errnoText, lib, readSmallFile } from "./_libc.ts";

/** The library the socket is read through, for the job's `ffi` permission. */
export const UDP_LIBRARY = "libc.so.6";

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVTIMEO = 20;
const SO_RCVBUFFORCE = 33;
const SO_TIMESTAMPNS = 35;
/** Control bytes per datagram: one cmsghdr (16) and a timespec (16). */
const CONTROL_BYTES = 32;
const MSG_TRUNC = 0x20;
const MSG_DONTWAIT = 0x40;
const MSG_WAITFORONE = 0x10000;
const MMSGHDR_BYTES = 64;
const IOVEC_BYTES = 16;

/** Why a UDP socket could not be opened. */
export class UdpSocketError extends Error {
  override name = "UdpSocketError";
}

/** Options of {@link openUdpSocket}. */
export interface UdpSocketOptions {
  /** IPv4 or IPv6 address to listen on (`0.0.0.0` or `::` for all), see {@link ipAddress}. */
  host: string;
  port: number;
  /** Receive buffer asked for, bytes (the kernel doubles it for its bookkeeping). */
  receiveBuffer: number;
  /** Longest datagram kept whole; longer ones are cut but their true length is reported. */
  maxDatagram: number;
  /** Datagrams taken per call, at most. */
  batch: number;
  /** How long one call waits for the first datagram, ms (a stop is noticed within it). */
  waitMs: number;
}

/** What one {@link UdpSocket.receive} took: `count` datagrams in `buffer` at `offsets`. */
export interface Datagrams {
  count: number;
  /** Datagram i starts at i * slotBytes. */
  buffer: Uint8Array;
  /** Bytes set aside per datagram (maxDatagram). */
  slotBytes: number;
  /** True length of datagram i (may exceed maxDatagram: it was cut). */
  lengths: Uint32Array;
  /** When the kernel received datagram i, ns since the epoch (SO_TIMESTAMPNS). */
  timestamps: BigInt64Array;
}

/** An open UDP socket. */
export interface UdpSocket {
  /** The port it is bound to (the one asked for, or the kernel's pick for 0). */
  port: number;
  /** The receive buffer the kernel granted, bytes (as SO_RCVBUF reports it). */
  receiveBuffer: number;
  /** Waits up to `waitMs` for datagrams and takes what is there, up to `batch`. */
  receive(): Promise<Datagrams>;
  /**
   * The kernel's receive drops for this socket (`/proc/net/udp`, or `udp6`), or undefined if
   * unknown.
   */
  kernelDrops(): number | undefined;
  close(): void;
  /** The memory the kernel writes through pointers (held so it is not collected). */
  readonly keepAlive: unknown;
}

/** An IP address in binary: 4 bytes (IPv4) or 16 (IPv6), in network order. */
export interface IpAddress {
  family: "ipv4" | "ipv6";
  bytes: Uint8Array;
}

/** The 4 bytes of dotted IPv4 text (no leading zeros, as inet_pton), or undefined. */
function ipv4Bytes(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p))) return undefined;
  const bytes = parts.map(Number);
  return bytes.some((b) => b > 255) ? undefined : bytes;
}

/** The 8 groups of IPv6 text (`::` for a run of zero groups, a dotted IPv4 tail), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string, last: boolean): number[] | undefined => {
    if (part === "") return [];
    const items = part.split(":");
    const out: number[] = [];
    for (const [i, item] of items.entries()) {
      const v4 = last && i === items.length - 1 ? ipv4Bytes(item) : undefined;
      if (v4) out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      else if (/^[0-9A-Fa-f]{1,4}$/.test(item)) out.push(parseInt(item, 16));
      else return undefined;
    }
    return out;
  };
  const head = groupsOf(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1], true) : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  // "::" stands for one zero group at least.
  const zeros = 8 - head.length - tail.length;
  return zeros < 1 ? undefined : [...head, ...new Array<number>(zeros).fill(0), ...tail];
}

/**
 * The address a UDP socket listens on, from its text (`0.0.0.0`, `::1`; no host names, which
 * would need a resolver): what `inet_pton` takes. Throws {@link UdpSocketError} naming it.
 */
export function ipAddress(host: string): IpAddress {
  const v4 = ipv4Bytes(host);
  if (v4) return { family: "ipv4", bytes: new Uint8Array(v4) };
  const groups = ipv6Groups(host);
  if (groups) {
    return { family: "ipv6", bytes: new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff])) };
  }
  throw new UdpSocketError(
    `"${host}" is not an IPv4 or IPv6 address (0.0.0.0 or [::] for all, 127.0.0.1 or [::1] ` +
      "for this host)",
  );
}

/** Opens, sizes and binds a UDP socket. Throws {@link UdpSocketError} naming the cause. */
export function openUdpSocket(options: UdpSocketOptions): UdpSocket {
  const c = lib();
  const address = ipAddress(options.host);
  const v6 = address.family === "ipv6";
  const fd = c.socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new UdpSocketError(`socket() failed: errno ${errno()}`);
  try {
    const int = new Int32Array([options.receiveBuffer]);
    const asBytes = new Uint8Array(int.buffer);
    if (c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, asBytes, 4) !== 0) {
      c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, asBytes, 4);
    }
    const timeout = new BigInt64Array([
      BigInt(Math.floor(options.waitMs / 1000)),
      BigInt(Math.round((options.waitMs % 1000) * 1000)),
    ]);
    c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, new Uint8Array(timeout.buffer), 16);
    c.setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, new Uint8Array(new Int32Array([1]).buffer), 4);
    // sockaddr_in: family, port (big-endian), address; sockaddr_in6: family, port, flow
    // info (u32), address, scope id (u32).
    const sa = new Uint8Array(v6 ? 28 : 16);
    new DataView(sa.buffer).setUint16(0, v6 ? AF_INET6 : AF_INET, true);
    new DataView(sa.buffer).setUint16(2, options.port, false);
    sa.set(address.bytes, v6 ? 8 : 4);
    if (c.bind(fd, sa, sa.length) !== 0) {
      const why = errnoText(errno());
      const host = v6 ? `[${options.host}]` : options.host;
      throw new UdpSocketError(`cannot listen on udp://${host}:${options.port}: ${why}`);
    }
    const length = new Uint32Array([sa.length]);
    c.getsockname(fd, sa, new Uint8Array(length.buffer));
    const port = new DataView(sa.buffer).getUint16(2, false);
    int[0] = 0;
    length[0] = 4;
    c.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, asBytes, new Uint8Array(length.buffer));
    return makeSocket(fd, port, int[0], v6 ? "/proc/net/udp6" : "/proc/net/udp", options);
  } catch (e) {
    c.close(fd);
    throw e;
  }
}

function makeSocket(
  fd: number,
  port: number,
  receiveBuffer: number,
  procFile: string,
  o: UdpSocketOptions,
): UdpSocket {
  const c = lib();
  const slot = o.maxDatagram;
  const buffer = new Uint8Array(slot * o.batch);
  const iovecs = new BigUint64Array(o.batch * 2);
  const headers = new Uint8Array(o.batch * MMSGHDR_BYTES);
  const hv = new DataView(headers.buffer);
  const control = new Uint8Array(o.batch * CONTROL_BYTES);
  const cv = new DataView(control.buffer);
  const controlBase = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(control)));
  const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
  const iovBase = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(iovecs)));
  for (let i = 0; i < o.batch; i++) {
    iovecs[2 * i] = base + BigInt(i * slot);
    iovecs[2 * i + 1] = BigInt(slot);
    hv.setBigUint64(i * MMSGHDR_BYTES + 16, iovBase + BigInt(i * IOVEC_BYTES), true);
    hv.setBigUint64(i * MMSGHDR_BYTES + 24, 1n, true);
    hv.setBigUint64(i * MMSGHDR_BYTES + 32, controlBase + BigInt(i * CONTROL_BYTES), true);
  }
  const headersPtr = Deno.UnsafePointer.of(headers);
  const lengths = new Uint32Array(o.batch);
  const timestamps = new BigInt64Array(o.batch);
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  let closed = false;
  let pending: Promise<number> | undefined;
  let used = o.batch;
  // The kernel reads the iovecs through raw pointers: keep them alive as long as the socket.
  const keepAlive = { buffer, iovecs, headers, control };
  return {
    keepAlive,
    port,
    receiveBuffer,
    async receive() {
      if (closed) return { count: 0, buffer, slotBytes: slot, lengths, timestamps };
      // The kernel sets msg_controllen to what it wrote: give those headers their room again.
      for (let i = 0; i < used; i++) {
        hv.setBigUint64(i * MMSGHDR_BYTES + 40, BigInt(CONTROL_BYTES), true);
      }
      // What is queued already is taken without leaving this thread (a call costs about a
      // microsecond); only an empty queue is waited on, in a call on another thread.
      let n = c.recvmmsg_now(fd, headersPtr, o.batch, MSG_DONTWAIT | MSG_TRUNC, null);
      if (n <= 0) {
        pending = c.recvmmsg_wait(fd, headersPtr, o.batch, MSG_WAITFORONE | MSG_TRUNC, null);
        n = await pending;
        pending = undefined;
      }
      if (n <= 0) return { count: 0, buffer, slotBytes: slot, lengths, timestamps };
      used = n;
      for (let i = 0; i < n; i++) {
        lengths[i] = hv.getUint32(i * MMSGHDR_BYTES + 56, true);
        // cmsghdr: len u64, level i32, type i32, then the timespec (sec i64, nsec i64).
        const at = i * CONTROL_BYTES;
        const has = Number(hv.getBigUint64(i * MMSGHDR_BYTES + 40, true)) >= CONTROL_BYTES &&
          cv.getInt32(at + 8, true) === SOL_SOCKET && cv.getInt32(at + 12, true) === SO_TIMESTAMPNS;
        timestamps[i] = has
          ? cv.getBigInt64(at + 16, true) * 1_000_000_000n + cv.getBigInt64(at + 24, true)
          : BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
      }
      return { count: n, buffer, slotBytes: slot, lengths, timestamps };
    },
    kernelDrops() {
      // Through libc: Deno asks for --allow-all to read files under /proc.
      const text = readSmallFile(procFile);
      if (text === undefined) return undefined;
      for (const line of text.split("\n")) {
        const fields = line.trim().split(/\s+/);
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
        if (fields.length >= 13 && (fields[1] + " ").endsWith(portHex)) return Number(fields[12]);
      }
      return undefined;
    },
    close() {
      if (closed) return;
      closed = true;
      // A recvmmsg in flight returns within waitMs; close after it so its fd is not reused.
      if (pending) pending.finally(() => c.close(fd));
      else c.close(fd);
    },
  };
}
