// Shared parsing of command-line options.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { MAX_DURATION_MS } from "../config/_schema.ts";
import { parseDuration } from "../config/units.ts";

/** A command line that cannot be used: printed with the command's usage, exit code 1. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Parses `args` for one command; unknown options and missing values become {@link UsageError}.
 * A value that starts with "-" (a CURVE key may) is taken as the value of the option before it
 * unless it is itself one of the command's options.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: string[],
  options: T,
) {
  const names = new Set(
    Object.entries(options).flatMap((
      [name, o],
    ) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]),
  );
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const option = args[i].startsWith("--") ? options[args[i].slice(2)] : undefined;
    const value = args[i + 1];
    if (option?.type === "string" && value?.startsWith("-") && !names.has(value.split("=")[0])) {
      joined.push(`${args[i]}=${value}`);
      i++;
    } else joined.push(args[i]);
  }
  try {
    return parseArgs({ args: joined, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`daq ${command}: ${(e as Error).message}`);
  }
}

/**
 * Parses a `--duration`-style option value into ms, at most what a timer waits in one go
 * (596h); throws {@link UsageError}.
 */
export function durationOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0 || ms > MAX_DURATION_MS) {
    throw new UsageError(
      `--${name}: expected a positive duration such as "10s" or "500ms", at most 596h, got "${value}"`,
    );
  }
  return ms;
}
