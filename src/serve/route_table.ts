/**
 * Every route `daq serve` answers, in one list. To add endpoints (e.g. a page and its live
 * data), write a module exporting a `readonly ServeRoute[]` and add it here; nothing else
 * changes. Earlier routes win when two match.
 */
import { API_ROUTES } from "./api.ts";
import { jsonResponse, type ServeRoute } from "./routes.ts";

const INDEX: ServeRoute = {
  method: "GET",
  path: "/api",
  summary: "this list of endpoints",
  handle: () =>
    jsonResponse(
      SERVE_ROUTES.map((r) => ({ method: r.method, path: r.path, summary: r.summary })),
    ),
};

/** The routes of `daq serve`. */
export const SERVE_ROUTES: readonly ServeRoute[] = [INDEX, ...API_ROUTES];
