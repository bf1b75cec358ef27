// Shared parsing of command-line options.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseDuration } from "../config/units.ts";

/** A command line that cannot be used: printed with the command's usage, exit code 1. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses `args` for one command; unknown options and missing values become {@link UsageError}. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`daq ${command}: ${(e as Error).message}`);
  }
}

/** Parses a `--duration`-style option value into ms; throws {@link UsageError}. */
export function durationOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(
      `--${name}: expected a positive duration such as "10s" or "500ms", got "${value}"`,
    );
  }
  return ms;
}
