/**
 * File naming for stores that write one file after another (HDF5, CSV, ROOT):
 * `<prefix>_<YYYYMMDD-HHMMSS>_<NNN><ext>`, or `<prefix>_<NNN><ext>` without a date.
 *
 * The counter is one more than the highest counter already present in the folder for the
 * same prefix, date and extension, so a new name never points at an existing file and
 * names sort in the order the files were made. Pair it with an exclusive create
 * (`Deno.openSync(path, { createNew: true })`) to close the race with another process.
 *
 * @module
 */

import { join } from "node:path";

/** Options for {@linkcode nextFileName}. */
export interface NextFileNameOptions {
  /** Extension with its dot, e.g. `".h5"`. */
  ext: string;
  /** Time to put in the name (UTC), or `null` for no date part. Default: now. */
  date?: Date | null;
  /** Digits of the counter, zero padded. Default: 3. */
  counterDigits?: number;
}

/** Formats a date as `YYYYMMDD-HHMMSS` in UTC. */
export function fileTimeStamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/**
 * Returns the path of the next file to write in `dir`, which does not exist yet:
 * `<dir>/<prefix>_<YYYYMMDD-HHMMSS>_<NNN><ext>` (UTC), or `<dir>/<prefix>_<NNN><ext>` when
 * `date` is `null`. Counters start at 001.
 *
 * @example
 * ```ts
 * import { nextFileName } from "./file_name.ts";
 * const path = nextFileName("data", "run", { ext: ".h5", date: new Date(0) });
 * // "data/run_19700101-000000_001.h5" in an empty folder
 * ```
 */
export function nextFileName(dir: string, prefix: string, options: NextFileNameOptions): string {
  const date = options.date === undefined ? new Date() : options.date;
  const digits = options.counterDigits ?? 3;
  const stem = date === null ? `${prefix}_` : `${prefix}_${fileTimeStamp(date)}_`;
  let counter = highestCounter(dir, stem, options.ext) + 1;
  let path = join(dir, `${stem}${String(counter).padStart(digits, "0")}${options.ext}`);
  while (exists(path)) {
    counter++;
    path = join(dir, `${stem}${String(counter).padStart(digits, "0")}${options.ext}`);
  }
  return path;
}

function highestCounter(dir: string, stem: string, ext: string): number {
  let highest = 0;
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
  for (const entry of entries) {
    const name = entry.name;
    if (!name.startsWith(stem)) continue;
    // Also count leftovers such as `name.h5.partial` so their counter is not reused.
    const rest = name.slice(stem.length);
    const match = /^(\d+)(.*)$/.exec(rest);
    if (match === null || !match[2].startsWith(ext)) continue;
    highest = Math.max(highest, Number(match[1]));
  }
  return highest;
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
