/** The HTTP API of `daq serve`: status, stats stream, runs, run control, jobs, metrics. */
import { METRICS_CONTENT_TYPE, metricsText } from "./metrics.ts";
import { jsonResponse, type RouteContext, type ServeRoute } from "./routes.ts";
import type { ServeStatus, StartRequest } from "./service.ts";
import type { DaqConfig } from "../config/types.ts";
import { ConfigError } from "../config/mod.ts";
import { isSettingValue, resolveSequence } from "../config/mod.ts";
import { ServeError } from "./errors.ts";
import {
  intQuery,
  jobNameParam,
  onlyKeys,
  optionalString,
  readJsonBody,
  runNumberParam,
} from "./_validate.ts";

/** Longest operator comment taken, in characters. */
export const MAX_COMMENT = 4096;

/**
 * Validates the body of `POST /api/runs`: `comment`, and `sequence`: `true` for the config's
 * `[[sequence]]`, or a list of steps as in TOML (`{"duration": "30s", "set": {...}}`).
 */
export function parseStartBody(body: Record<string, unknown>, config: DaqConfig): StartRequest {
  onlyKeys(body, ["comment", "sequence"]);
  const comment = optionalString(body, "comment", MAX_COMMENT);
  const raw = body.sequence;
  if (raw === undefined || raw === false) return { comment };
  if (raw === true) {
    if (!config.sequence?.length) {
      throw new ServeError(400, 'field "sequence": the config has no [[sequence]] steps');
    }
    return { comment, sequence: config.sequence };
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new ServeError(400, 'field "sequence": expected true or a list of steps');
  }
  try {
    const at = { file: "request", text: "", path: "", shownPath: "" };
    return { comment, sequence: resolveSequence(raw, at, config.jobs.map((j) => j.name)) };
  } catch (e) {
    if (e instanceof ConfigError) {
      throw new ServeError(400, `field "${e.location.key ?? "sequence"}": ${e.problem}`);
    }
    throw e;
  }
}

/** Validates the body of `POST /api/jobs/NAME/settings`. */
export function parseSettingBody(body: Record<string, unknown>): { name: string; value: unknown } {
  onlyKeys(body, ["name", "value"]);
  const name = optionalString(body, "name", 128);
  if (name === undefined || !/^[A-Za-z_][A-Za-z0-9_.:-]*$/.test(name)) {
    throw new ServeError(400, 'field "name": expected a setting name such as "voltage"');
  }
  if (body.value === undefined) throw new ServeError(400, 'field "value": missing');
  if (!isSettingValue(body.value)) {
    throw new ServeError(
      400,
      'field "value": expected a finite number, a boolean or a string of at most 256 characters',
    );
  }
  return { name, value: body.value };
}

async function noBody(ctx: RouteContext): Promise<void> {
  onlyKeys(await readJsonBody(ctx.request), []);
}

/** Each published status encoded once, however many streams send it. */
const encodedEvents = new WeakMap<ServeStatus, Uint8Array>();

/** Server-Sent Events of the service's statuses; `?every=N` sends one status in N. */
function statsStream(ctx: RouteContext): Response {
  const every = intQuery(ctx.url, "every", 1, 1000) ?? 1;
  const encoder = new TextEncoder();
  let unsubscribe = () => {};
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let n = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (s: ServeStatus) => {
        if (n++ % every !== 0) return;
        let event = encodedEvents.get(s);
        if (!event) {
          event = encoder.encode(`event: status\ndata: ${JSON.stringify(s)}\n\n`);
          encodedEvents.set(s, event);
        }
        try {
          controller.enqueue(event);
        } catch {
          unsubscribe();
        }
      };
      send(ctx.service.status());
      unsubscribe = ctx.service.subscribe(send);
      keepAlive = setInterval(() => {
        try {
          controller.enqueue(encoder.encode(": keep-alive\n\n"));
        } catch {
          clearInterval(keepAlive);
        }
      }, 15_000);
      ctx.request.signal.addEventListener("abort", () => {
        unsubscribe();
        clearInterval(keepAlive);
        try {
          controller.close();
        } catch {
          // already closed
        }
      });
    },
    cancel() {
      unsubscribe();
      clearInterval(keepAlive);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

/** The routes of the API. */
export const API_ROUTES: readonly ServeRoute[] = [
  {
    method: "GET",
    path: "/api/status",
    summary: "state, run number, run time, per-job state and stats",
    handle: (ctx) => jsonResponse(ctx.service.status()),
  },
  {
    method: "GET",
    path: "/api/stats/stream",
    summary: "the status as Server-Sent Events, one per stats tick (?every=N: one in N)",
    handle: statsStream,
  },
  {
    method: "GET",
    path: "/api/runs",
    summary: "the runs of the data dir",
    handle: async (ctx) => jsonResponse(await ctx.service.runs()),
  },
  {
    method: "GET",
    path: "/api/runs/:n",
    summary: "the manifest of run N",
    handle: async (ctx) => jsonResponse(await ctx.service.run(runNumberParam(ctx.params.n))),
  },
  {
    method: "POST",
    path: "/api/runs",
    summary: 'start a run: {"comment": "..."}, or a sequence: {"sequence": true | [steps]}',
    handle: async (ctx) => {
      const req = parseStartBody(await readJsonBody(ctx.request), ctx.service.config);
      return jsonResponse(await ctx.service.start(req), 201);
    },
  },
  {
    method: "POST",
    path: "/api/runs/current/stop",
    summary: "stop the current run (answers with its manifest)",
    handle: async (ctx) => {
      await noBody(ctx);
      return jsonResponse(await ctx.service.stop());
    },
  },
  {
    method: "POST",
    path: "/api/runs/current/pause",
    summary: "pause the sources of the current run",
    handle: async (ctx) => {
      await noBody(ctx);
      await ctx.service.pause();
      return jsonResponse(ctx.service.status());
    },
  },
  {
    method: "POST",
    path: "/api/runs/current/resume",
    summary: "resume the current run",
    handle: async (ctx) => {
      await noBody(ctx);
      await ctx.service.resume();
      return jsonResponse(ctx.service.status());
    },
  },
  {
    method: "POST",
    path: "/api/jobs/:name/restart",
    summary: "restart a job of the current run",
    handle: async (ctx) => {
      const name = jobNameParam(ctx.params.name);
      await noBody(ctx);
      ctx.service.restartJob(name);
      return jsonResponse({ restarted: name });
    },
  },
  {
    method: "POST",
    path: "/api/jobs/:name/settings",
    summary: 'send a setting to a job: {"name": "voltage", "value": 1.5}',
    handle: async (ctx) => {
      const job = jobNameParam(ctx.params.name);
      const { name, value } = parseSettingBody(await readJsonBody(ctx.request));
      await ctx.service.applySetting(job, name, value);
      return jsonResponse({ job, name, value });
    },
  },
  {
    method: "GET",
    path: "/api/alarms",
    summary: "the current run's alarms: state (ok, triggered, acknowledged), value, times",
    handle: (ctx) => jsonResponse(ctx.service.alarms()),
  },
  {
    method: "POST",
    path: "/api/alarms/:name/acknowledge",
    summary: "acknowledge a triggered alarm of the current run",
    handle: async (ctx) => {
      const name = ctx.params.name;
      if (name.length > 200) throw new ServeError(400, "alarm name: longer than 200 characters");
      await noBody(ctx);
      return jsonResponse(ctx.service.acknowledgeAlarm(name, "api"));
    },
  },
  {
    method: "GET",
    path: "/metrics",
    summary: "Prometheus metrics",
    handle: (ctx) =>
      new Response(metricsText(ctx.service), { headers: { "content-type": METRICS_CONTENT_TYPE } }),
  },
];
