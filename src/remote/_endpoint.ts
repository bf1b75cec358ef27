import type * as zmq from "zeromq";
import { RemoteEndpointError } from "./errors.ts";

const TCP = /^tcp:\/\/(\*|\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+(?:;[A-Za-z0-9_.-]+)?):(\*|\d{1,5})$/;

/** Throws RemoteEndpointError unless `endpoint` is a tcp://, ipc:// or inproc:// address. */
export function checkEndpoint(endpoint: string): void {
  if (typeof endpoint !== "string" || endpoint === "") {
    throw new RemoteEndpointError(String(endpoint), "expected a non-empty endpoint string");
  }
  if (endpoint.startsWith("tcp://")) {
    const match = TCP.exec(endpoint);
    if (!match) {
      throw new RemoteEndpointError(
        endpoint,
        'malformed; expected "tcp://HOST:PORT" (HOST a name, address or *, PORT 0-65535 or *)',
      );
    }
    if (match[2] !== "*" && Number(match[2]) > 65535) {
      throw new RemoteEndpointError(endpoint, `port ${match[2]} is out of range 0-65535`);
    }
    return;
  }
  if (/^(ipc|inproc):\/\/.+/.test(endpoint)) return;
  throw new RemoteEndpointError(
    endpoint,
    'malformed; expected "tcp://HOST:PORT", "ipc://PATH" or "inproc://NAME"',
  );
}

/**
 * True when binding `endpoint` listens where other hosts can reach it: a tcp:// address other
 * than localhost, 127.x.x.x, ::1 or the loopback interface `lo` (so `*`, `0.0.0.0`, a public
 * address or another interface). ipc:// and inproc:// stay on this host.
 */
export function listensBeyondLoopback(endpoint: string): boolean {
  const match = TCP.exec(endpoint);
  if (!match) return false;
  const host = match[1].toLowerCase();
  return !(host === "localhost" || host === "lo" || host === "[::1]" || /^127\./.test(host));
}

/**
 * The warning for `endpoint` bound beyond loopback without CURVE; `setting` names what turns
 * CURVE on.
 */
export function openEndpointWarning(endpoint: string, setting: string): string {
  return `${endpoint} listens beyond loopback without CURVE (${setting}): anyone who ` +
    `can reach it can publish and subscribe, and read every message`;
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === "EADDRINUSE") return "address already in use (is another process bound to it?)";
  if (code === "EADDRNOTAVAIL") return "address not available on this host";
  if (code === "EINVAL") return "invalid endpoint";
  if (code === "ENODEV") return "no such network interface";
  if (code === "EPROTONOSUPPORT") return "transport not supported";
  return error instanceof Error ? error.message : String(error);
}

/** Binds `socket`, turning ZeroMQ failures into RemoteEndpointError; returns the bound address. */
export async function bindEndpoint(socket: zmq.Socket, endpoint: string): Promise<string> {
  checkEndpoint(endpoint);
  try {
    await socket.bind(endpoint);
  } catch (error) {
    throw new RemoteEndpointError(endpoint, `cannot bind: ${reasonOf(error)}`, { cause: error });
  }
  return socket.lastEndpoint ?? endpoint;
}

/** Connects `socket` (ZeroMQ reconnects on its own), turning failures into RemoteEndpointError. */
export function connectEndpoint(socket: zmq.Socket, endpoint: string): void {
  checkEndpoint(endpoint);
  try {
    socket.connect(endpoint);
  } catch (error) {
    throw new RemoteEndpointError(endpoint, `cannot connect: ${reasonOf(error)}`, {
      cause: error,
    });
  }
}
