/**
 * Names of run folders: a pattern such as `run{number:06}` (the default: `run000042`) or
 * `{number}`; one `{number}` or `{number:0N}` placeholder, letters, digits, `_`, `.`, `-`.
 */
import { RunNamingError } from "./errors.ts";

/** The run folder pattern used when `[supervisor] run_dir` is not set. */
export const DEFAULT_RUN_DIR = "run{number:06}";

/** A parsed run folder pattern. */
export interface RunNaming {
  pattern: string;
  prefix: string;
  suffix: string;
  /** Digits the number is zero-padded to (1 for none). */
  width: number;
}

/** Parses a run folder pattern; throws {@link RunNamingError} naming what is wrong. */
export function parseRunNaming(pattern: string): RunNaming {
  const m = /^([A-Za-z0-9_.-]*)\{number(?::0(\d{1,2}))?\}([A-Za-z0-9_.-]*)$/.exec(pattern);
  if (!m) {
    throw new RunNamingError(
      pattern,
      'expected one {number} or {number:0N} placeholder among letters, digits, "_", "." and "-"',
    );
  }
  const width = m[2] === undefined ? 1 : Number(m[2]);
  if (width < 1 || width > 12) throw new RunNamingError(pattern, "pad to 1 to 12 digits");
  return { pattern, prefix: m[1], suffix: m[3], width };
}

/** The folder name of run `n`. */
export function runDirName(naming: RunNaming, n: number): string {
  return `${naming.prefix}${String(n).padStart(naming.width, "0")}${naming.suffix}`;
}

/** The run number of a folder name, or undefined when the name is not a run folder's. */
export function runNumberOf(naming: RunNaming, name: string): number | undefined {
  if (!name.startsWith(naming.prefix) || !name.endsWith(naming.suffix)) return undefined;
  const digits = name.slice(naming.prefix.length, name.length - naming.suffix.length);
  if (!/^\d+$/.test(digits) || digits.length < naming.width) return undefined;
  if (digits.length > naming.width && digits.startsWith("0")) return undefined;
  const n = Number(digits);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
