/**
 * A byte stream to an instrument: a TCP connection or a serial line. Reads never block a stop:
 * closing the link ends a pending read at once (TCP), or within 100 ms (serial: the line is
 * set up so that a read returns after 0.1 s without data). Serial lines are opened and set up
 * through libc (termios), since Deno asks for --allow-all to open a character device.
 */
import type { InstrumentAddress } from "../../instruments/mod.ts";
import { errno, errnoText, lib, O } from "./_libc.ts";

/** An open link. */
export interface ByteLink {
  /** Reads into `buffer`: bytes read, 0 when nothing came for a while (serial), null at EOF. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes it; a pending read ends. Safe to call twice. */
  close(): void;
}

/** Why a link could not be opened (refused, unreachable, timed out, no such device). */
export class LinkError extends Error {
  override name = "LinkError";
}

/**
 * Opens a TCP connection or a serial line, giving up after `timeoutMs` or when `signal` is
 * aborted. Throws {@link LinkError} naming the address and the cause.
 */
export async function openLink(
  address: InstrumentAddress,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ByteLink> {
  if (address.scheme === "serial") return openSerial(address);
  if (address.scheme !== "tcp") throw new LinkError(`${address.scheme} is not a stream link`);
  const where = `tcp://${address.host}:${address.port}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const connecting = Deno.connect({ hostname: address.host, port: address.port });
  const gaveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LinkError(`${where}: no connection within ${timeoutMs} ms`)),
      timeoutMs,
    );
    onAbort = () => reject(new LinkError(`${where}: stopped while connecting`));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  let conn: Deno.TcpConn;
  try {
    conn = await Promise.race([connecting, gaveUp]);
  } catch (e) {
    connecting.then((c) => c.close(), () => {});
    if (e instanceof LinkError) throw e;
    throw new LinkError(`${where}: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort!);
  }
  conn.setNoDelay(true);
  let closed = false;
  return {
    read: (buffer) => conn.read(buffer),
    async write(bytes) {
      let at = 0;
      while (at < bytes.length) at += await conn.write(bytes.subarray(at));
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // already closed by the peer
      }
    },
  };
}

/** Linux termios speed constants (B*) by baud rate. */
const SPEEDS: Record<number, number> = {
  50: 1,
  75: 2,
  110: 3,
  134: 4,
  150: 5,
  200: 6,
  300: 7,
  600: 8,
  1200: 9,
  1800: 10,
  2400: 11,
  4800: 12,
  9600: 13,
  19200: 14,
  38400: 15,
  57600: 0o10001,
  115200: 0o10002,
  230400: 0o10003,
  460800: 0o10004,
  500000: 0o10005,
  576000: 0o10006,
  921600: 0o10007,
  1000000: 0o10010,
  1152000: 0o10011,
  1500000: 0o10012,
  2000000: 0o10013,
  2500000: 0o10014,
  3000000: 0o10015,
  3500000: 0o10016,
  4000000: 0o10017,
};
// struct termios (glibc, x86_64): c_iflag, c_oflag, c_cflag, c_lflag (u32 each), c_line,
// c_cc[32], 3 bytes padding, c_ispeed, c_ospeed: 60 bytes.
const TERMIOS_BYTES = 60;
const C_CFLAG = 8;
const C_CC = 17;
const VTIME = 5;
const VMIN = 6;
const CSIZE = 0o60;
const CSTOPB = 0o100;
const CREAD = 0o200;
const PARENB = 0o400;
const PARODD = 0o1000;
const CLOCAL = 0o4000;
const TCSANOW = 0;
const TCIOFLUSH = 2;

/**
 * The termios settings of a serial line opened by {@link openLink}: raw (no echo, no line
 * editing, no translation), the address's speed, data bits, parity and stop bits, the modem
 * lines ignored (CLOCAL), and reads that return after 0.1 s without data (VMIN 0, VTIME 1).
 */
export function serialTermios(
  current: Uint8Array,
  address: Extract<InstrumentAddress, { scheme: "serial" }>,
): Uint8Array {
  const c = lib();
  const t = current.slice();
  c.cfmakeraw(t);
  const view = new DataView(t.buffer);
  let cflag = view.getUint32(C_CFLAG, true);
  cflag &= ~(CSIZE | CSTOPB | PARENB | PARODD);
  cflag |= [0, 0o20, 0o40, 0o60][address.dataBits - 5] | CREAD | CLOCAL;
  if (address.stopBits === 2) cflag |= CSTOPB;
  if (address.parity !== "none") cflag |= PARENB | (address.parity === "odd" ? PARODD : 0);
  view.setUint32(C_CFLAG, cflag, true);
  t[C_CC + VMIN] = 0;
  t[C_CC + VTIME] = 1;
  c.cfsetispeed(t, SPEEDS[address.baud]);
  c.cfsetospeed(t, SPEEDS[address.baud]);
  return t;
}

function openSerial(address: Extract<InstrumentAddress, { scheme: "serial" }>): ByteLink {
  const where = `serial://${address.path}`;
  const c = lib();
  const fd = c.open(
    new TextEncoder().encode(address.path + "\0"),
    O.RDWR | O.NOCTTY | O.CLOEXEC,
    0,
  );
  if (fd < 0) throw new LinkError(`${where}: ${errnoText(errno())}`);
  const termios = new Uint8Array(TERMIOS_BYTES);
  if (c.tcgetattr(fd, termios) !== 0) {
    const why = errnoText(errno());
    c.close(fd);
    throw new LinkError(`${where}: ${why}`);
  }
  if (c.tcsetattr(fd, TCSANOW, serialTermios(termios, address)) !== 0) {
    const why = errnoText(errno());
    c.close(fd);
    throw new LinkError(`${where}: cannot set the line up: ${why}`);
  }
  c.tcflush(fd, TCIOFLUSH);
  let closed = false;
  let reading: Promise<number | bigint> | undefined;
  // One buffer the kernel reads into (a pointer must stay valid while the call waits).
  const inbox = new Uint8Array(4096);
  const inboxPtr = Deno.UnsafePointer.of(inbox);
  return {
    async read(buffer) {
      if (closed) return null;
      // VMIN 0 / VTIME 1: returns 0 bytes after 0.1 s without data (the line has no end).
      reading = c.read_wait(fd, inboxPtr, BigInt(Math.min(buffer.length, inbox.length)));
      const n = Number(await reading);
      reading = undefined;
      if (closed) {
        c.close(fd);
        return null;
      }
      if (n < 0) throw new LinkError(`${where}: read failed`);
      buffer.set(inbox.subarray(0, n));
      return n;
    },
    write(bytes) {
      if (closed) return Promise.reject(new LinkError(`${where}: closed`));
      let at = 0;
      while (at < bytes.length) {
        const n = Number(c.write(fd, bytes.subarray(at), BigInt(bytes.length - at)));
        if (n < 0) {
          return Promise.reject(new LinkError(`${where}: write failed: ${errnoText(errno())}`));
        }
        at += n;
      }
      return Promise.resolve();
    },
    close() {
      if (closed) return;
      closed = true;
      // A read in flight returns within 0.1 s and closes the file then.
      if (!reading) c.close(fd);
    },
  };
}
