/**
 * A byte stream to an instrument: a TCP connection or a serial line. Reads never block a stop:
 * closing the link ends a pending read at once (TCP), or within 100 ms (serial: the line is
 * set up so that a read returns after 0.1 s without data).
 */
import type { InstrumentAddress } from "../../instruments/mod.ts";

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

/** The command that sets a serial line up for {@link openLink}: raw, no echo, 0.1 s reads. */
export function sttyArgs(address: Extract<InstrumentAddress, { scheme: "serial" }>): string[] {
  const parity = address.parity === "none"
    ? ["-parenb"]
    : address.parity === "even"
    ? ["parenb", "-parodd"]
    : ["parenb", "parodd"];
  return [
    "-F",
    address.path,
    "raw",
    "-echo",
    "clocal",
    String(address.baud),
    `cs${address.dataBits}`,
    ...parity,
    address.stopBits === 2 ? "cstopb" : "-cstopb",
    "min",
    "0",
    "time",
    "1",
  ];
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
  if (address.scheme === "serial") return await openSerial(address, signal);
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

async function openSerial(
  address: Extract<InstrumentAddress, { scheme: "serial" }>,
  signal: AbortSignal,
): Promise<ByteLink> {
  const where = `serial://${address.path}`;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("stty", { args: sttyArgs(address), stderr: "piped", signal })
      .output();
  } catch (e) {
    throw new LinkError(`${where}: cannot run stty: ${(e as Error).message}`);
  }
  if (out.code !== 0) {
    const why = new TextDecoder().decode(out.stderr).trim().replace(/^stty: /, "");
    throw new LinkError(`${where}: ${why || `stty exited ${out.code}`}`);
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(address.path, { read: true, write: true });
  } catch (e) {
    throw new LinkError(`${where}: ${(e as Error).message}`);
  }
  let closed = false;
  let reading: Promise<number | null> | undefined;
  const closeFile = () => {
    try {
      file.close();
    } catch {
      // already closed
    }
  };
  return {
    async read(buffer) {
      if (closed) return null;
      // VMIN 0 / VTIME 1: a read with nothing to give returns 0 bytes after 0.1 s, which
      // Deno reports as null. The line has no end of file: that is "nothing yet".
      reading = file.read(buffer);
      const n = await reading.finally(() => reading = undefined);
      if (closed) {
        closeFile();
        return null;
      }
      return n ?? 0;
    },
    async write(bytes) {
      let at = 0;
      while (at < bytes.length) at += await file.write(bytes.subarray(at));
    },
    close() {
      if (closed) return;
      closed = true;
      // A read in flight ends within 0.1 s and closes the file then.
      if (!reading) closeFile();
    },
  };
}
