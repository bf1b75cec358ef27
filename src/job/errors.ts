/** Errors of the job API. */

/** A job definition that cannot be used (`defineJob`, or a module that exports no job). */
export class JobDefinitionError extends Error {
  override name = "JobDefinitionError";
}

/** Columns given to `ctx.sendColumns` or `ctx.sendRow` that do not fit; names the column. */
export class JobColumnsError extends Error {
  override name = "JobColumnsError";
}

/** A job module that cannot be used as a job type; the message says why (without the path). */
export class JobModuleError extends Error {
  override name = "JobModuleError";
}

/**
 * A job failure that a restart cannot mend (what the config asks for cannot work, e.g. a batch
 * larger than the store's ring file): the supervisor gives the job up at once (exit 2) instead of
 * restarting it in a loop. Throw it from `run`.
 */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}
