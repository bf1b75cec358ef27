/**
 * The browser dashboard of `daq serve`, at `/`: run state and control, the jobs table, live
 * plots of any route's columns taken from the rings by taps that never slow the acquisition
 * (`live.ts`, the producers' tap rings), rates and ring fill of the run, runs with their manifests,
 * and the log. The page (`page/`) and uPlot are served by `daq` itself, so it works with no
 * internet.
 *
 * Endpoints it adds to the serve route table ({@link DASHBOARD_ROUTES}):
 * - `GET /`, `GET /assets/*`: the page, its script and styles, uPlot.
 * - `GET /api/live/keys`: route keys that can be watched now.
 * - `GET /api/live?key=K&columns=a,b&window=S&width=PX`: Server-Sent Events, at most ten a
 *   second: `{seq, key, endMs, windowMs, series: {col: {t, min, max}}, waveforms, columns,
 *   tap: {seen, drops, batches, rows}}`, each column reduced to one min/max pair per pixel.
 * - `GET /api/log?since=ID`: the service's log lines after `since`.
 *
 * ```ts
 * import { loadConfig } from "../config/mod.ts";
 * import { BUILTIN_JOB_TYPES } from "../jobs/catalogue.ts";
 * import { createService, SERVE_ROUTES, startHttpServer } from "../serve/mod.ts";
 * import { DASHBOARD_ROUTES } from "./mod.ts";
 * const service = createService(await loadConfig(undefined, { jobTypes: BUILTIN_JOB_TYPES }));
 * const http = await startHttpServer({
 *   hostname: "127.0.0.1", port: 0, token: "a-token-of-16-chars+", service,
 *   routes: [...SERVE_ROUTES, ...DASHBOARD_ROUTES],
 * });
 * console.log(`open http://127.0.0.1:${http.port}/`);
 * ```
 *
 * @module
 */
export { DASHBOARD_ROUTES, liveRequestOf, tapDropsOf } from "./routes.ts";
export {
  createLiveData,
  type LiveData,
  type LiveRequest,
  type LiveUpdate,
  type TapRoute,
} from "./live.ts";
export {
  type ColumnHistory,
  createColumnHistory,
  type PlotSeries,
  reduceTrace,
} from "./history.ts";
