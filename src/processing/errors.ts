/** Errors raised by the processing kernels while checking their specs and expressions. */

/**
 * A processor spec that cannot be used: `key` is the spec key at fault (`columns.sine`,
 * `bins`), `problem` says what is wrong. Config loaders prefix `key` with the job's path
 * (`jobs[2].columns.sine`).
 */
export class ProcessorSpecError extends Error {
  override name = "ProcessorSpecError";
  /** The spec key at fault, e.g. `columns.sine` or `window`. */
  readonly key: string;
  /** What is wrong, without the key. */
  readonly problem: string;

  /** Builds the error from the key at fault and a description of the problem. */
  constructor(key: string, problem: string) {
    super(`${key}: ${problem}`);
    this.key = key;
    this.problem = problem;
  }
}

/**
 * An expression that cannot be parsed or compiled. Its message reads
 * `power: unknown column 'curent' at 10 (known: voltage, current)`; `position` is the
 * 0-based offset in the expression text when known.
 */
export class ExprError extends ProcessorSpecError {
  override name = "ExprError";
  /** The expression text. */
  readonly expression: string;
  /** 0-based offset in `expression` where the problem was found, when known. */
  readonly position: number | undefined;

  /** Builds the error for the derived column `key` defined by `expression`. */
  constructor(key: string, expression: string, problem: string, position?: number) {
    super(key, position === undefined ? problem : `${problem} at ${position}`);
    this.expression = expression;
    this.position = position;
  }
}
