/** Instrument addresses: `tcp://host:port`, `udp://host:port`, `serial:///dev/tty?baud=...`. */
import { AddressError } from "./errors.ts";

/** A TCP or UDP endpoint. */
export interface NetAddress {
  scheme: "tcp" | "udp";
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  port: number;
}

/** A serial line: device path and line settings (8N1 unless `mode` says otherwise). */
export interface SerialAddress {
  scheme: "serial";
  /** Absolute device path, e.g. `/dev/ttyUSB0`. */
  path: string;
  baud: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: "none" | "even" | "odd";
  stopBits: 1 | 2;
}

/** Any instrument address. */
export type InstrumentAddress = NetAddress | SerialAddress;

/** Baud rates a Linux serial line can be set to (termios B* constants). */
export const BAUD_RATES: readonly number[] = [
  50,
  75,
  110,
  134,
  150,
  200,
  300,
  600,
  1200,
  1800,
  2400,
  4800,
  9600,
  19200,
  38400,
  57600,
  115200,
  230400,
  460800,
  500000,
  576000,
  921600,
  1000000,
  1152000,
  1500000,
  2000000,
  2500000,
  3000000,
  3500000,
  4000000,
];

const PARITY = { N: "none", E: "even", O: "odd" } as const;

/**
 * Parses an instrument address, accepting only the schemes in `schemes`. Serial addresses
 * take `baud` (default 9600) and `mode` (`8N1` by default: data bits, parity N/E/O, stop
 * bits) as query parameters. Throws {@link AddressError} naming what is wrong.
 *
 * @example
 * ```ts
 * import { parseAddress } from "./address.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseAddress("tcp://192.168.1.20:5025", ["tcp", "serial"]), {
 *   scheme: "tcp", host: "192.168.1.20", port: 5025,
 * });
 * const serial = parseAddress("serial:///dev/ttyUSB0?baud=115200", ["tcp", "serial"]);
 * assert.equal(serial.scheme === "serial" && serial.baud, 115200);
 * ```
 */
export function parseAddress(
  text: string,
  schemes: readonly InstrumentAddress["scheme"][],
): InstrumentAddress {
  const fail = (problem: string): never => {
    throw new AddressError(text, problem);
  };
  const expected = schemes.map((s) => s === "serial" ? "serial:///dev/..." : `${s}://host:port`)
    .join(" or ");
  const m = /^([a-z]+):\/\/(.*)$/.exec(text);
  if (!m) return fail(`expected ${expected}`);
  const scheme = m[1] as InstrumentAddress["scheme"];
  if (!schemes.includes(scheme)) {
    return fail(`scheme "${m[1]}" is not supported here; expected ${expected}`);
  }
  const rest = m[2];
  if (scheme === "serial") return parseSerial(rest, fail);
  return parseNet(scheme, rest, fail);
}

function parseNet(scheme: "tcp" | "udp", rest: string, fail: (p: string) => never): NetAddress {
  if (/[\/?#@\s]/.test(rest)) return fail(`expected ${scheme}://host:port and nothing after it`);
  let host: string;
  let portText: string;
  const v6 = /^\[([0-9A-Fa-f:.]+)\]:(.*)$/.exec(rest);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon < 0) return fail("missing :port");
    host = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
    if (host.includes(":")) return fail("an IPv6 host must be written in brackets: [::1]:port");
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
      return fail(host === "" ? "missing host" : `"${host}" is not a host name or IP address`);
    }
  }
  if (!/^\d{1,5}$/.test(portText)) return fail(`port "${portText}" is not a number`);
  const port = Number(portText);
  if (port < 1 || port > 65535) return fail(`port ${port} is out of range 1-65535`);
  return { scheme, host, port };
}

function parseSerial(rest: string, fail: (p: string) => never): SerialAddress {
  const q = rest.indexOf("?");
  const path = q < 0 ? rest : rest.slice(0, q);
  if (!path.startsWith("/") || path === "/") {
    return fail("expected an absolute device path: serial:///dev/ttyUSB0");
  }
  if (/[\s\0]/.test(path)) return fail("the device path contains white space");
  const address: SerialAddress = {
    scheme: "serial",
    path,
    baud: 9600,
    dataBits: 8,
    parity: "none",
    stopBits: 1,
  };
  const seen = new Set<string>();
  for (const pair of q < 0 ? [] : rest.slice(q + 1).split("&")) {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    if (seen.has(key)) fail(`"${key}" given twice`);
    seen.add(key);
    if (key === "baud") {
      const baud = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!BAUD_RATES.includes(baud)) {
        fail(`baud "${value}" is not a serial line speed (9600, 19200, 38400, 57600, 115200, ...)`);
      }
      address.baud = baud;
    } else if (key === "mode") {
      const mode = /^([5-8])([NEO])([12])$/.exec(value);
      if (!mode) {
        fail(`mode "${value}" is not like 8N1 (data bits 5-8, parity N/E/O, stop bits 1-2)`);
      }
      address.dataBits = Number(mode![1]) as SerialAddress["dataBits"];
      address.parity = PARITY[mode![2] as keyof typeof PARITY];
      address.stopBits = Number(mode![3]) as SerialAddress["stopBits"];
    } else {
      fail(`unknown parameter "${key}" (serial addresses take baud and mode)`);
    }
  }
  return address;
}

/** Formats an address back into its text form (the canonical one: defaults written out). */
export function formatAddress(address: InstrumentAddress): string {
  if (address.scheme === "serial") {
    const parity = address.parity[0].toUpperCase();
    return `serial://${address.path}?baud=${address.baud}&mode=${address.dataBits}${parity}${address.stopBits}`;
  }
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `${address.scheme}://${host}:${address.port}`;
}
