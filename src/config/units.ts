/** Parsing of the human-readable durations and sizes used in configs and CLI options. */

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/**
 * Parses a duration such as `"100ms"`, `"10s"`, `"1.5min"` or `"2h"` into milliseconds.
 * Returns `undefined` when the text is not a duration.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseDuration("1.5s"), 1500);
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|ms|s|min|m|h)\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[m[2]];
}

/**
 * Parses a size such as `"64MiB"`, `"1GB"` or `"4096"` into bytes.
 * Returns `undefined` when the text is not a size.
 *
 * @example
 * ```ts
 * import { parseSize } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseSize("64KiB"), 65536);
 * ```
 */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2] ?? ""]);
}

/** Formats a byte count for people: `1.5 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
