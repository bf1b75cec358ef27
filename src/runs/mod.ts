/**
 * Numbered runs. Every acquisition (`daq run`, `daq serve`) is a run with a number that grows
 * by one per data dir and is never reused, a folder `<data_dir>/run000042/` (pattern
 * `[supervisor] run_dir`, default `run{number:06}`) under which every store writes
 * `<job>/...`, and a manifest `manifest.json` (see {@link RunManifest}) written at the start,
 * kept up to date while it runs and completed at the stop, each time atomically.
 *
 * Layout of a data dir:
 * ```text
 * data/
 *   .daq-last-run         highest run number given (never goes down)
 *   .daq-runs.lock        taken while a number is given
 *   .daq-active/42        run 42 is being made by this pid on this host
 *   run000042/
 *     manifest.json
 *     csv/csv_....csv
 * ```
 *
 * ```ts
 * import { loadConfig } from "../config/mod.ts";
 * import { BUILTIN_JOB_TYPES } from "../jobs/catalogue.ts";
 * import { startRun, verifyRun } from "./mod.ts";
 * const run = await startRun(await loadConfig(undefined, { jobTypes: BUILTIN_JOB_TYPES }), { comment: "first light" });
 * setTimeout(() => run.stop("enough"), 2000);
 * const manifest = await run.done;
 * console.log(manifest.run, manifest.status, (await verifyRun(run.dir)).mismatches);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./naming.ts";
export * from "./manifest.ts";
export { hashFile } from "./files.ts";
export { listRunDirs } from "./numbers.ts";
export { type Run, type RunOptions, type RunSetting, startRun } from "./run.ts";
export { type FileMismatch, type VerifyResult, verifyRun } from "./verify.ts";
export {
  runSequence,
  type SequenceOptions,
  type SequenceResult,
  sourceRows,
  stepComment,
  stepSettings,
} from "./sequence.ts";
