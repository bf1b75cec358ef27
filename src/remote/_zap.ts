// ZAP (ZeroMQ RFC 27) handler enforcing per-domain allow-lists of CURVE client keys. One
// handler per ZeroMQ context (per thread here); it answers every request while any domain is
// registered; requests for unregistered domains are accepted (CURVE itself already checked
// that the client knows the server key).
import * as zmq from "zeromq";
import { backoff } from "./_poll.ts";
import { z85Encode } from "./_z85.ts";

const ZAP_ENDPOINT = "inproc://zeromq.zap.01";

/** A registered allow-list; call `release()` when its socket closes. */
export interface ZapRegistration {
  /** ZAP domain to set on the server socket. */
  domain: string;
  /** Requests denied so far for this domain. */
  denied(): number;
  /** Removes the domain; stops the handler when none is left. */
  release(): void;
}

interface Domain {
  allowed: Set<string>;
  denied: number;
}

const domains = new Map<string, Domain>();
let handler: { socket: zmq.Reply; stopped: boolean; done: Promise<void> } | undefined;
let nextDomain = 0;

const text = new TextDecoder();

async function serve(state: { socket: zmq.Reply; stopped: boolean }): Promise<void> {
  const { socket } = state;
  for (let attempt = 0; !state.stopped;) {
    if (!socket.readable) {
      await backoff(attempt++, true);
      continue;
    }
    attempt = 0;
    const [version, requestId, domainFrame, , , mechanism, ...credentials] = await socket
      .receive();
    const domain = domains.get(text.decode(domainFrame));
    let ok = true;
    if (domain !== undefined) {
      const key = text.decode(mechanism) === "CURVE" && credentials[0]?.length === 32
        ? z85Encode(credentials[0])
        : undefined;
      ok = key !== undefined && domain.allowed.has(key);
      if (!ok) domain.denied++;
    }
    await socket.send([
      version,
      requestId,
      ok ? "200" : "400",
      ok ? "OK" : "client key not allowed",
      "",
      "",
    ]);
  }
}

let stopping: Promise<void> = Promise.resolve();
let starting: Promise<void> | undefined;

async function startHandler(): Promise<void> {
  if (handler !== undefined) return;
  if (starting !== undefined) return await starting;
  starting = (async () => {
    await stopping;
    const socket = new zmq.Reply({ linger: 0 });
    await socket.bind(ZAP_ENDPOINT);
    const state = { socket, stopped: false, done: Promise.resolve() };
    state.done = serve(state).catch(() => {}).finally(() => socket.close());
    handler = state;
  })();
  try {
    await starting;
  } finally {
    starting = undefined;
  }
}

/** Registers an allow-list under a fresh ZAP domain once the handler is listening. */
export async function registerZapDomain(allowedKeys: readonly string[]): Promise<ZapRegistration> {
  const name = `daq-remote-${Deno.pid}-${nextDomain++}`;
  const domain: Domain = { allowed: new Set(allowedKeys), denied: 0 };
  domains.set(name, domain);
  await startHandler();
  return {
    domain: name,
    denied: () => domain.denied,
    release() {
      domains.delete(name);
      if (domains.size === 0 && handler !== undefined) {
        handler.stopped = true;
        stopping = handler.done;
        handler = undefined;
      }
    },
  };
}
