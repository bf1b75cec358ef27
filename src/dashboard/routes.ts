/**
 * The dashboard's endpoints for `daq serve`: the page and its assets (uPlot included, so it
 * works with no internet), the keys that can be watched, and `/api/live`, a Server-Sent
 * Events stream of one key's columns reduced to min/max per pixel, at most ten updates a
 * second. Every update holds the whole window from the server's history and a sequence
 * number, so a browser that reconnects (with `Last-Event-ID`) goes on without a gap.
 */
import { type DaqService, jsonResponse, ServeError, type ServeRoute } from "../serve/mod.ts";
import { createLiveData, type LiveData, type LiveRequest, TAP_POLL_MS } from "./live.ts";

const PAGE = new URL("./page/", import.meta.url);
const UPLOT = new URL("../../node_modules/uplot/dist/", import.meta.url);

const ASSETS: Record<string, { url: URL; type: string }> = {
  "/": { url: new URL("index.html", PAGE), type: "text/html; charset=utf-8" },
  "/assets/dashboard.js": { url: new URL("dashboard.js", PAGE), type: "text/javascript" },
  "/assets/dashboard.css": { url: new URL("dashboard.css", PAGE), type: "text/css" },
  "/assets/uPlot.iife.min.js": {
    url: new URL("uPlot.iife.min.js", UPLOT),
    type: "text/javascript",
  },
  "/assets/uPlot.min.css": { url: new URL("uPlot.min.css", UPLOT), type: "text/css" },
};

const assetCache = new Map<string, Uint8Array>();

function asset(path: string): ServeRoute {
  const { url, type } = ASSETS[path];
  return {
    method: "GET",
    path,
    summary: path === "/" ? "the dashboard page" : `dashboard asset ${path.slice(8)}`,
    handle: async () => {
      let body = assetCache.get(path);
      if (!body) assetCache.set(path, body = await Deno.readFile(url));
      return new Response(body as Uint8Array<ArrayBuffer>, {
        headers: {
          "content-type": type,
          "cache-control": "no-cache",
          "content-security-policy":
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
          "x-content-type-options": "nosniff",
        },
      });
    },
  };
}

const lives = new WeakMap<DaqService, LiveData>();

/** The live data of `service`, made at the first request. */
function liveOf(service: DaqService): LiveData {
  let live = lives.get(service);
  if (!live) lives.set(service, live = createLiveData(() => service.taps()));
  return live;
}

/** Viewers' windows, s. */
const MIN_WINDOW_S = 10;
const MAX_WINDOW_S = 600;
const MAX_COLUMNS = 32;

function numberParam(url: URL, name: string, min: number, max: number, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ServeError(
      400,
      `${name}: expected a number from ${min} to ${max}, got "${raw.slice(0, 40)}"`,
    );
  }
  return n;
}

/** Parses and checks the query of `/api/live`. */
export function liveRequestOf(
  url: URL,
): { key: string; columns: string[]; windowMs: number; width: number } {
  const key = url.searchParams.get("key");
  if (!key || key.length > 256) {
    throw new ServeError(400, "key: expected a route key (GET /api/live/keys)");
  }
  const columnsRaw = url.searchParams.get("columns") ?? "";
  const columns = columnsRaw === "" ? [] : columnsRaw.split(",");
  if (columns.length > MAX_COLUMNS || columns.some((c) => c === "" || c.length > 256)) {
    throw new ServeError(
      400,
      `columns: expected up to ${MAX_COLUMNS} comma-separated column names`,
    );
  }
  return {
    key,
    columns,
    windowMs: numberParam(url, "window", MIN_WINDOW_S, MAX_WINDOW_S, 30) * 1000,
    width: Math.floor(numberParam(url, "width", 10, 4096, 800)),
  };
}

/** The last update made for each distinct request as SSE data bytes, shared by its viewers. */
const recentUpdates = new WeakMap<LiveData, Map<string, { at: number; data: Uint8Array }>>();
const encoder = new TextEncoder();

/**
 * The update for `asked` as the bytes of an SSE `data:` field and the end of its event, made at
 * most once a poll for all viewers asking alike.
 */
function updateData(live: LiveData, asked: LiveRequest): Uint8Array {
  let cache = recentUpdates.get(live);
  if (!cache) recentUpdates.set(live, cache = new Map());
  const id = `${asked.key}\n${asked.columns.join(",")}\n${asked.windowMs}\n${asked.width}`;
  const now = performance.now();
  const hit = cache.get(id);
  if (hit && now - hit.at < TAP_POLL_MS / 2) return hit.data;
  const update = live.update(asked);
  const data = encoder.encode(
    `data: ${JSON.stringify(update ?? { key: asked.key, gone: true })}\n\n`,
  );
  for (const [k, v] of cache) if (now - v.at > 10_000) cache.delete(k);
  cache.set(id, { at: now, data });
  return data;
}

const KEYS: ServeRoute = {
  method: "GET",
  path: "/api/live/keys",
  summary: "route keys that live plots can show",
  handle: ({ service }) => jsonResponse(liveOf(service).keys()),
};

const LIVE: ServeRoute = {
  method: "GET",
  path: "/api/live",
  summary: "SSE: one key's columns as min/max per pixel (?key=&columns=&window=s&width=px)",
  handle: ({ service, url, request }) => {
    const live = liveOf(service);
    const asked = liveRequestOf(url);
    // A browser that reconnects says where it was; its numbers go on from there.
    const resumed = Number(request.headers.get("last-event-id") ?? 0);
    let seq = Number.isSafeInteger(resumed) && resumed > 0 ? resumed : 0;
    let timer: ReturnType<typeof setInterval> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = () => {
          seq++;
          try {
            const id = encoder.encode(`id: ${seq}\n`);
            const data = updateData(live, asked);
            const event = new Uint8Array(id.length + data.length);
            event.set(id);
            event.set(data, id.length);
            controller.enqueue(event);
          } catch {
            clearInterval(timer);
          }
        };
        send();
        timer = setInterval(send, TAP_POLL_MS);
        request.signal.addEventListener("abort", () => {
          clearInterval(timer);
          try {
            controller.close();
          } catch { /* closed already */ }
        });
      },
      cancel() {
        clearInterval(timer);
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  },
};

const LOG: ServeRoute = {
  method: "GET",
  path: "/api/log",
  summary: "the service's log lines after ?since=ID (the last 500 kept)",
  handle: ({ service, url }) => {
    const since = numberParam(url, "since", 0, Number.MAX_SAFE_INTEGER, 0);
    return jsonResponse(service.logLines(since));
  },
};

/** The dashboard's routes; add them to the `daq serve` route table. */
export const DASHBOARD_ROUTES: readonly ServeRoute[] = [
  ...Object.keys(ASSETS).map(asset),
  KEYS,
  LIVE,
  LOG,
];

/** Tap drops of `service`'s live data so far (0 when nobody watched). */
export function tapDropsOf(service: DaqService): number {
  return lives.get(service)?.tapDrops() ?? 0;
}
