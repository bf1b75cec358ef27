/**
 * The route table of `daq serve`: each HTTP endpoint is one {@link ServeRoute}, a method, a
 * path pattern (`/api/runs/:n`: `:n` matches one path segment, given in `params`) and a
 * handler. The server checks the token, limits and errors around every handler, so a
 * handler only validates its own inputs (see `_validate.ts`) and answers.
 */
import type { DaqService } from "./service.ts";
import { ServeError } from "./errors.ts";

/** What a handler gets. */
export interface RouteContext {
  request: Request;
  url: URL;
  /** The `:name` segments of the path, decoded. */
  params: Record<string, string>;
  /** The acquisition service: state, runs, stats, control. */
  service: DaqService;
}

/** One endpoint. */
export interface ServeRoute {
  method: "GET" | "POST";
  /** Path pattern: literal segments and `:name` segments, e.g. `/api/jobs/:name/restart`. */
  path: string;
  /** One line for the index at `GET /api`. */
  summary: string;
  handle(ctx: RouteContext): Response | Promise<Response>;
}

/** A JSON response. */
export function jsonResponse(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * Finds the route for `method` and `pathname`; `undefined` when no route has the path, a 405
 * {@link ServeError} when some route has it with another method.
 */
export function matchRoute(
  routes: readonly ServeRoute[],
  method: string,
  pathname: string,
): { route: ServeRoute; params: Record<string, string> } | undefined {
  const segments = pathname.split("/");
  let otherMethod = false;
  for (const route of routes) {
    const pattern = route.path.split("/");
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      if (pattern[i].startsWith(":")) {
        if (segments[i] === "") ok = false;
        else {
          try {
            params[pattern[i].slice(1)] = decodeURIComponent(segments[i]);
          } catch {
            throw new ServeError(400, `path segment ${i} is not valid percent-encoding`);
          }
        }
      } else ok = pattern[i] === segments[i];
    }
    if (!ok) continue;
    if (route.method === method || (method === "HEAD" && route.method === "GET")) {
      return { route, params };
    }
    otherMethod = true;
  }
  if (otherMethod) throw new ServeError(405, `${method} is not allowed on ${pathname}`);
  return undefined;
}
