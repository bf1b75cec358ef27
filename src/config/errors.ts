/** Errors raised while loading and validating configs. */

/** Where in a config a problem sits: the file, the line when known, and the key path. */
export interface ConfigLocation {
  /** Path of the TOML file, or `<default>` for the embedded default config. */
  file: string;
  /** 1-based line in `file`, when it could be found. */
  line?: number;
  /** 1-based column, when the TOML parser gave one. */
  column?: number;
  /** Key path such as `jobs[2].rate_hz`. */
  key?: string;
}

/**
 * A config that cannot be used. Its message reads
 * `config/lab.toml:12: jobs[2].rate_hz: expected a positive number, got "fast"`.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  /** Where the problem is. */
  readonly location: ConfigLocation;
  /** What is wrong, without the location. */
  readonly problem: string;

  /** Builds the error from a location and a description of the problem. */
  constructor(location: ConfigLocation, problem: string) {
    super(`${formatLocation(location)}: ${problem}`);
    this.location = location;
    this.problem = problem;
  }
}

function formatLocation(loc: ConfigLocation): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.column !== undefined) s += `:${loc.column}`;
  if (loc.key) s += `: ${loc.key}`;
  return s;
}
