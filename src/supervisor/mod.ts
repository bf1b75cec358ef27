/**
 * The supervisor: starts each job of a config in its own Worker, wires the rings of every
 * route, gathers stats, restarts crashed jobs with backoff and stops everything in order.
 *
 * ```ts
 * import { loadConfig } from "../config/mod.ts";
 * import { BUILTIN_JOB_TYPES } from "../jobs/catalogue.ts";
 * import { startSupervisor } from "./mod.ts";
 * const config = await loadConfig(undefined, { jobTypes: BUILTIN_JOB_TYPES });
 * const sup = startSupervisor(config, { onStats: (s) => console.log(s.jobs) });
 * setTimeout(() => sup.stop("enough"), 2000);
 * const result = await sup.done;
 * ```
 *
 * @module
 */
export * from "./supervisor.ts";
export * from "./stats.ts";
