/**
 * `daq serve`: the acquisition as a service that stays up between runs, driven over HTTP.
 *
 * - `service.ts`: {@link createService}, the state machine (idle, running, paused, stopping)
 *   over numbered runs (`src/runs`), transport-free.
 * - `routes.ts`: {@link ServeRoute}, one endpoint (method, path pattern with `:params`,
 *   handler getting a {@link RouteContext} with the request, params and service).
 * - `route_table.ts`: {@link SERVE_ROUTES}, every route in one list. **To add endpoints**
 *   (the dashboard's page and live data, say), write a module exporting a
 *   `readonly ServeRoute[]` and add it to that list: the server applies the token rule,
 *   limits and JSON errors to every route alike. Validate inputs with `_validate.ts`.
 * - `api.ts`: the API routes; `metrics.ts`: `/metrics`; `auth.ts`: token file and loopback.
 * - `server.ts`: {@link startHttpServer} on `Deno.serve`, and {@link handleRequest}, the
 *   whole request path without a socket (for tests).
 *
 * Rules every route gets: POST needs `Authorization: Bearer TOKEN`; listening beyond
 * loopback, every request does; bodies over 64 KiB get 413; errors are `{"error": "..."}`
 * with 400 (naming the field), 401, 404, 405, 409 (state), 415; no CORS headers.
 *
 * ```ts
 * import { loadConfig } from "../config/mod.ts";
 * import { BUILTIN_JOB_TYPES } from "../jobs/catalogue.ts";
 * import { createService, SERVE_ROUTES, startHttpServer } from "./mod.ts";
 * const service = createService(await loadConfig(undefined, { jobTypes: BUILTIN_JOB_TYPES }));
 * const http = await startHttpServer({
 *   hostname: "127.0.0.1", port: 0, token: "a-token-of-16-chars+", service, routes: SERVE_ROUTES,
 * });
 * console.log(`http://127.0.0.1:${http.port}/api/status`);
 * await service.start({ comment: "first light" });
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./routes.ts";
export * from "./service.ts";
export * from "./server.ts";
export * from "./auth.ts";
export { SERVE_ROUTES } from "./route_table.ts";
export { metricsText } from "./metrics.ts";
