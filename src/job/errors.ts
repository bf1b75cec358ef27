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
