/**
 * The supervisor: starts each job of a config in its own Worker, wires the rings of every
 * route, gathers stats, restarts crashed jobs with backoff and stops everything in order.
 *
 * ```ts
 * import { loadConfig } from "../config/mod.ts";
 * import { startSupervisor } from "./mod.ts";
 * const sup = startSupervisor(await loadConfig(), { onStats: (s) => console.log(s.jobs) });
 * setTimeout(() => sup.stop("enough"), 2000);
 * const result = await sup.done;
 * ```
 *
 * @module
 */
export * from "./supervisor.ts";
export * from "./stats.ts";
