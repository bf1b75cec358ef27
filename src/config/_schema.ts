// The small validator behind config loading: field specs, conversion of durations and
// sizes, unknown-key detection with the nearest known key suggested.
import { ConfigError } from "./errors.ts";
import { parseDuration, parseSize } from "./units.ts";

/** One key of a config table: its type, default and limits. */
export type FieldSpec =
  & { doc?: string; required?: boolean }
  & (
    | { type: "string"; default?: string; choices?: readonly string[] }
    | {
      type: "number";
      default?: number;
      min?: number;
      max?: number;
      integer?: boolean;
      positive?: boolean;
    }
    | { type: "boolean"; default?: boolean }
    | { type: "duration"; default?: string; allowZero?: boolean }
    | { type: "size"; default?: string; min?: number }
    | { type: "strings"; default?: string[] }
    | { type: "tables"; fields: Record<string, FieldSpec>; default?: Record<string, unknown>[] }
  );

/** The fields of one config table. */
export type TableSpec = Record<string, FieldSpec>;

/** Where values are validated: the file, its text (to find lines) and the key path so far. */
export interface ValidationSite {
  file: string;
  text: string;
  /** Key path prefix such as `jobs[2]` (already local to `file`). */
  path: string;
  /** How the path is shown to people (e.g. with the job index across all files). */
  shownPath: string;
}

/** Validates `input` against `spec`; returns the table with defaults filled and units converted. */
export function validateTable(
  input: Record<string, unknown>,
  spec: TableSpec,
  site: ValidationSite,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!(key in spec)) {
      const near = nearestKey(key, Object.keys(spec));
      const hint = near ? ` (did you mean "${near}"?)` : "";
      fail(site, key, `unknown key${hint}; known keys: ${Object.keys(spec).join(", ")}`);
    }
  }
  for (const [key, field] of Object.entries(spec)) {
    const value = input[key];
    if (value === undefined) {
      if (field.required) fail(site, key, `missing required key (${describe(field)})`);
      if (field.default !== undefined) out[key] = convert(field.default, field, site, key);
      continue;
    }
    out[key] = convert(value, field, site, key);
  }
  return out;
}

function convert(value: unknown, field: FieldSpec, site: ValidationSite, key: string): unknown {
  const bad = (): never => fail(site, key, `expected ${describe(field)}, got ${show(value)}`);
  switch (field.type) {
    case "string":
      if (typeof value !== "string" || value === "") bad();
      if (field.choices && !field.choices.includes(value as string)) bad();
      return value;
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) bad();
      const n = value as number;
      if (field.positive && !(n > 0)) bad();
      if (field.integer && !Number.isInteger(n)) bad();
      if (field.min !== undefined && n < field.min) bad();
      if (field.max !== undefined && n > field.max) bad();
      return n;
    }
    case "boolean":
      if (typeof value !== "boolean") bad();
      return value;
    case "duration": {
      const ms = typeof value === "string" ? parseDuration(value) : undefined;
      if (ms === undefined || (!field.allowZero && ms <= 0)) bad();
      return ms;
    }
    case "size": {
      const n = typeof value === "string"
        ? parseSize(value)
        : typeof value === "number"
        ? value
        : undefined;
      if (
        n === undefined || !Number.isInteger(n) || n <= 0 ||
        (field.min !== undefined && n < field.min)
      ) {
        bad();
      }
      return n;
    }
    case "strings":
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) bad();
      return value;
    case "tables": {
      if (!Array.isArray(value)) bad();
      return (value as unknown[]).map((item, i) => {
        const itemKey = `${key}[${i}]`;
        if (item === null || typeof item !== "object" || Array.isArray(item)) {
          fail(site, itemKey, `expected a table, got ${show(item)}`);
        }
        return validateTable(item as Record<string, unknown>, field.fields, {
          ...site,
          path: `${site.path}.${itemKey}`,
          shownPath: `${site.shownPath}.${itemKey}`,
        });
      });
    }
  }
}

/** Throws a {@link ConfigError} at `site` + `key` saying `problem`. */
export function fail(site: ValidationSite, key: string, problem: string): never {
  const localPath = site.path ? `${site.path}.${key}` : key;
  const shown = site.shownPath ? `${site.shownPath}.${key}` : key;
  throw new ConfigError(
    { file: site.file, line: findLine(site.text, localPath), key: shown },
    problem,
  );
}

function describe(field: FieldSpec): string {
  switch (field.type) {
    case "string":
      return field.choices
        ? `one of ${field.choices.map((c) => `"${c}"`).join(", ")}`
        : "a non-empty string";
    case "number": {
      const kind = field.integer ? "an integer" : "a number";
      if (field.positive) return field.integer ? "a positive integer" : "a positive number";
      if (field.min !== undefined && field.max !== undefined) {
        return `${kind} from ${field.min} to ${field.max}`;
      }
      if (field.min !== undefined) return `${kind} >= ${field.min}`;
      return kind;
    }
    case "boolean":
      return "true or false";
    case "duration":
      return `a duration such as "100ms", "10s", "5min"${field.allowZero ? " (or 0s)" : ""}`;
    case "size":
      return `a size such as "64MiB", "512KiB", "1GB"${
        field.min !== undefined ? ` (at least ${field.min} bytes)` : ""
      }`;
    case "strings":
      return "a list of non-empty strings";
    case "tables":
      return "a list of tables";
  }
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "object") return "a table";
  return String(value);
}

/** The known key closest to `key` by edit distance, when it is close enough to be a typo. */
export function nearestKey(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  return bestDist <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/**
 * Finds the 1-based line of a key path such as `jobs[2].channels[0].freq_hz` in TOML text,
 * following `[[jobs]]` / `[[jobs.channels]]` headers and `key =` lines. Undefined when not found.
 */
export function findLine(text: string, path: string): number | undefined {
  const lines = text.split("\n");
  const segments = path.split(".").filter((s) => s !== "");
  let from = 0;
  let found: number | undefined;
  const tablePath: string[] = [];
  for (const seg of segments) {
    const m = /^(.+?)(?:\[(\d+)\])?$/.exec(seg)!;
    const name = m[1];
    const index = m[2] === undefined ? undefined : Number(m[2]);
    tablePath.push(name);
    const header = new RegExp(
      `^\\s*\\[\\[?\\s*${escape(tablePath.join("."))}\\s*\\]\\]?\\s*(#.*)?$`,
    );
    const keyLine = new RegExp(`^\\s*["']?${escape(name)}["']?\\s*=`);
    let count = 0;
    let hit: number | undefined;
    for (let i = from; i < lines.length; i++) {
      if (header.test(lines[i])) {
        if (index === undefined || count === index) {
          hit = i;
          break;
        }
        count++;
      } else if (keyLine.test(lines[i])) {
        hit = i;
        break;
      }
    }
    if (hit === undefined) return found;
    found = hit + 1;
    from = hit + 1;
  }
  return found;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
