/**
 * Loading and validation of `daq` configs (TOML), with errors that name the file, the line
 * and the key path: `lab.toml:12: jobs[2].rate_hz: expected a positive number, got "fast"`.
 *
 * ```ts
 * import { type JobTypes, loadConfig } from "./mod.ts";
 * // The job types are handed in: the built-ins are BUILTIN_JOB_TYPES (src/jobs/catalogue.ts).
 * declare const jobTypes: JobTypes;
 * const config = await loadConfig("config/default.toml", { jobTypes });
 * for (const r of config.routes) console.log(`${r.from} -> ${r.to} (${r.key})`);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./load.ts";
export * from "./types.ts";
export * from "./units.ts";
export { describeField, tableSpecProblem } from "./_schema.ts";
export * from "./json_schema.ts";
export * from "./sequence.ts";
