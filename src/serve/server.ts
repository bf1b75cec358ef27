/**
 * The HTTP server of `daq serve` on `Deno.serve`: routes from a table, the bearer token on
 * every POST (and on everything when listening beyond loopback), 401/404/405/413/400/409 as
 * JSON `{"error": "..."}`, no CORS (no `Access-Control-*` header ever; `OPTIONS` gets 405).
 */
import { bearerMatches, isLoopback } from "./auth.ts";
import { ServeError } from "./errors.ts";
import { jsonResponse, matchRoute, type ServeRoute } from "./routes.ts";
import type { DaqService } from "./service.ts";

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  token: string;
  service: DaqService;
  routes: readonly ServeRoute[];
  onLog?(level: "info" | "warn" | "error", text: string): void;
}

/** A running HTTP server. */
export interface HttpServer {
  /** The address it listens on. */
  hostname: string;
  port: number;
  /** Whether every endpoint needs the token (listening beyond loopback). */
  tokenEverywhere: boolean;
  /** Stops listening; open streams are closed. */
  shutdown(): Promise<void>;
  finished: Promise<void>;
}

/** Longest request URL taken, in characters. */
const MAX_URL = 2048;

/** Answers one request with `routes`: the whole request path, testable without a socket. */
export async function handleRequest(
  request: Request,
  options: Pick<HttpServerOptions, "token" | "service" | "routes" | "onLog"> & {
    tokenEverywhere: boolean;
  },
): Promise<Response> {
  try {
    if (request.url.length > MAX_URL) throw new ServeError(414, `URL longer than ${MAX_URL}`);
    const url = new URL(request.url);
    const method = request.method;
    if (method !== "GET" && method !== "HEAD" && method !== "POST") {
      throw new ServeError(405, `${method} is not allowed (no CORS here)`);
    }
    const needsToken = options.tokenEverywhere || method === "POST";
    if (needsToken && !bearerMatches(request.headers.get("authorization"), options.token)) {
      return new Response(
        JSON.stringify({ error: "missing or wrong token (Authorization: Bearer TOKEN)" }),
        {
          status: 401,
          headers: {
            "content-type": "application/json; charset=utf-8",
            "www-authenticate": 'Bearer realm="daq"',
          },
        },
      );
    }
    const contentType = request.headers.get("content-type");
    if (
      method === "POST" && contentType !== null &&
      !/^application\/json\s*(;|$)/i.test(contentType)
    ) {
      throw new ServeError(415, `content-type ${contentType}: expected application/json`);
    }
    const found = matchRoute(options.routes, method, url.pathname);
    if (!found) throw new ServeError(404, `no endpoint ${url.pathname} (GET /api lists them)`);
    return await found.route.handle({
      request,
      url,
      params: found.params,
      service: options.service,
    });
  } catch (e) {
    if (e instanceof ServeError) return jsonResponse({ error: e.message }, e.status);
    options.onLog?.("error", `HTTP ${request.method} ${request.url}: ${(e as Error).stack ?? e}`);
    return jsonResponse({ error: `internal error: ${(e as Error).message}` }, 500);
  }
}

/** Starts listening; resolves once the socket is open. */
export function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const tokenEverywhere = !isLoopback(options.hostname);
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    onListen: resolve,
    onError: (e) => {
      options.onLog?.("error", `HTTP: ${(e as Error).message}`);
      return jsonResponse({ error: "internal error" }, 500);
    },
  }, (request) => handleRequest(request, { ...options, tokenEverywhere }));
  return listening.then((addr) => ({
    hostname: addr.hostname,
    port: addr.port,
    tokenEverywhere,
    shutdown: () => server.shutdown(),
    finished: server.finished,
  }));
}
