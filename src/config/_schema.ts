// The small validator behind config loading: field specs, conversion of durations and
// sizes, unknown-key detection with the nearest known key suggested.
import { ConfigError } from "./errors.ts";
import { parseDuration, parseSize } from "./units.ts";

/** One key of a config table: its type, default and limits. */
export type FieldSpec =
  & { doc?: string; required?: boolean }
  & (
    | {
      type: "string";
      default?: string;
      choices?: readonly string[];
      /** `name`: a {@link NAME_RULE} name; `folder`: a folder path other than the root. */
      format?: "name" | "folder";
    }
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
    | { type: "size"; default?: string; min?: number; max?: number }
    | { type: "strings"; default?: readonly string[]; format?: "name" | "pattern" }
    | { type: "numbers"; default?: readonly number[] }
    | {
      type: "tables";
      fields: Record<string, FieldSpec>;
      default?: readonly Record<string, unknown>[];
    }
    | {
      /**
       * A table whose keys are chosen by the user (column names, say), each value checked by
       * `values`: a field spec, or `{ type: "table", fields }` for a sub-table.
       */
      type: "map";
      values: FieldSpec | { type: "table"; fields: Record<string, FieldSpec> };
      default?: Readonly<Record<string, unknown>>;
    }
  );

/**
 * Names that become part of paths and keys (supervisor id, job names, route keys, file name
 * prefixes): one path component of letters, digits, `_`, `-` and `.`, not `.` or `..`.
 */
export const NAME_RULE = {
  maxLength: 64,
  text: 'up to 64 letters, digits, "_", "-" or "." (not "." or "..")',
};

/** Items of one list (`strings`, `tables`) at most: configs are written by people. */
export const MAX_LIST_ITEMS = 1024;
/** Characters of one string at most (longer than any path Linux takes). */
export const MAX_STRING_LENGTH = 4096;
/** Longest duration: what a timer can wait in one go (2^31 - 1 ms, about 24.8 days). */
export const MAX_DURATION_MS = 2 ** 31 - 1;
/** Largest size when a field gives no `max`: 1 TiB. */
export const MAX_SIZE_BYTES = 2 ** 40;

/** Whether `text` is a name by {@link NAME_RULE}. */
export function isName(text: string): boolean {
  return text.length <= NAME_RULE.maxLength && /^[A-Za-z0-9_.-]+$/.test(text) && text !== "." &&
    text !== "..";
}

/** Whether `text` holds a control character (none belongs in a config string). */
export function hasControlCharacter(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return /[\x00-\x1f\x7f]/.test(text);
}

/**
 * What is wrong with `dir` as a folder for data (`data_dir`, `out_dir`, `--data-dir`): empty,
 * the root, or holding control characters; undefined when it is usable.
 */
export function folderProblem(dir: string): string | undefined {
  if (dir === "") return "expected a folder, got an empty path (it would mean the root folder)";
  if (/^\/+$/.test(dir)) return `expected a folder other than the root, got ${JSON.stringify(dir)}`;
  if (hasControlCharacter(dir) || dir.length > MAX_STRING_LENGTH) {
    return `expected a folder path without control characters, got ${show(dir)}`;
  }
  return undefined;
}

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
      if (field.required) fail(site, key, `missing required key (${describeField(field)})`);
      if (field.default !== undefined) out[key] = convert(field.default, field, site, key);
      continue;
    }
    out[key] = convert(value, field, site, key);
  }
  return out;
}

function convert(value: unknown, field: FieldSpec, site: ValidationSite, key: string): unknown {
  const bad = (): never => fail(site, key, `expected ${describeField(field)}, got ${show(value)}`);
  switch (field.type) {
    case "string": {
      if (typeof value !== "string" || value === "") bad();
      const text = value as string;
      if (hasControlCharacter(text) || text.length > MAX_STRING_LENGTH) bad();
      if (field.choices && !field.choices.includes(text)) bad();
      if (field.format === "name" && !isName(text)) bad();
      if (field.format === "folder") {
        const problem = folderProblem(text);
        if (problem) fail(site, key, problem);
      }
      return value;
    }
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) bad();
      const n = value as number;
      if (field.positive && !(n > 0)) bad();
      if (field.integer && !Number.isSafeInteger(n)) bad();
      if (field.min !== undefined && n < field.min) bad();
      if (field.max !== undefined && n > field.max) bad();
      return n;
    }
    case "boolean":
      if (typeof value !== "boolean") bad();
      return value;
    case "duration": {
      const ms = typeof value === "string" ? parseDuration(value) : undefined;
      if (ms === undefined || (!field.allowZero && ms <= 0) || ms > MAX_DURATION_MS) bad();
      return ms;
    }
    case "size": {
      const n = typeof value === "string"
        ? parseSize(value)
        : typeof value === "number"
        ? value
        : undefined;
      if (
        n === undefined || !Number.isSafeInteger(n) || n <= 0 ||
        (field.min !== undefined && n < field.min) || n > (field.max ?? MAX_SIZE_BYTES)
      ) {
        bad();
      }
      return n;
    }
    case "strings": {
      if (!Array.isArray(value) || value.length > MAX_LIST_ITEMS) bad();
      const ok = (v: unknown) =>
        typeof v === "string" && v !== "" && !hasControlCharacter(v) &&
        v.length <= MAX_STRING_LENGTH &&
        (field.format !== "name" || isName(v)) &&
        (field.format !== "pattern" || isName(v.endsWith("*") ? v.slice(0, -1) || "x" : v));
      (value as unknown[]).forEach((v, i) => {
        if (!ok(v)) fail(site, `${key}[${i}]`, `expected ${describeItem(field)}, got ${show(v)}`);
      });
      return value;
    }
    case "numbers": {
      if (!Array.isArray(value) || value.length > MAX_LIST_ITEMS) bad();
      (value as unknown[]).forEach((v, i) => {
        if (typeof v !== "number" || !Number.isFinite(v)) {
          fail(site, `${key}[${i}]`, `expected a finite number, got ${show(v)}`);
        }
      });
      return value;
    }
    case "map": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) bad();
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length > MAX_LIST_ITEMS) {
        fail(site, key, `expected at most ${MAX_LIST_ITEMS} keys, got ${entries.length}`);
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of entries) {
        const itemKey = `${key}.${k}`;
        if (k === "" || hasControlCharacter(k) || k.length > 256) {
          fail(site, itemKey, "expected a key of 1-256 characters without control characters");
        }
        const values = field.values;
        if (values.type === "table") {
          if (v === null || typeof v !== "object" || Array.isArray(v)) {
            fail(site, itemKey, `expected a table, got ${show(v)}`);
          }
          out[k] = validateTable(v as Record<string, unknown>, values.fields, {
            ...site,
            path: `${site.path}.${itemKey}`,
            shownPath: `${site.shownPath}.${itemKey}`,
          });
        } else {
          out[k] = convert(v, values, site, itemKey);
        }
      }
      return out;
    }
    case "tables": {
      if (!Array.isArray(value)) bad();
      if ((value as unknown[]).length > MAX_LIST_ITEMS) {
        fail(site, key, `expected at most ${MAX_LIST_ITEMS} tables, got ${(value as []).length}`);
      }
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

/** How a field is described in errors and listings: "a positive integer", `one of "a", "b"`. */
export function describeField(field: FieldSpec): string {
  switch (field.type) {
    case "string":
      return field.choices
        ? `one of ${field.choices.map((c) => `"${c}"`).join(", ")}`
        : field.format === "name"
        ? `a name of ${NAME_RULE.text}`
        : "a non-empty string without control characters";
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
      return `a duration such as "100ms", "10s", "5min"${
        field.allowZero ? " (or 0s)" : ""
      }, at most 596h`;
    case "size": {
      const limits = [
        ...(field.min !== undefined ? [`at least ${exactSize(field.min)}`] : []),
        `at most ${exactSize(field.max ?? MAX_SIZE_BYTES)}`,
      ];
      return `a size such as "64MiB", "512KiB", "1GB" (${limits.join(", ")})`;
    }
    case "strings":
      return `a list of at most ${MAX_LIST_ITEMS} ${describeItem(field)}s`;
    case "numbers":
      return `a list of at most ${MAX_LIST_ITEMS} numbers`;
    case "tables":
      return "a list of tables";
    case "map":
      return field.values.type === "table"
        ? "a table of tables"
        : `a table whose values are ${describeField(field.values)}`;
  }
}

function describeItem(field: { format?: "name" | "pattern" }): string {
  if (field.format === "name") return `name (${NAME_RULE.text})`;
  if (field.format === "pattern") {
    return `route key (${NAME_RULE.text}), or a prefix of one followed by "*"`;
  }
  return "non-empty string without control characters";
}

/** A size exactly, as configs write it: `64KiB`, `1GiB`, else `N bytes`. */
export function exactSize(n: number): string {
  for (const [unit, f] of [["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 1024]]) {
    if (n % (f as number) === 0) return `${n / (f as number)}${unit}`;
  }
  return `${n} bytes`;
}

function show(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 60)}...` : value) +
      (value.length > 80 ? ` (${value.length} characters)` : "");
  }
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

/** The keys each field type takes besides `type`, `doc` and `required`. */
const SPEC_KEYS: Record<FieldSpec["type"], readonly string[]> = {
  string: ["default", "choices", "format"],
  number: ["default", "min", "max", "integer", "positive"],
  boolean: ["default"],
  duration: ["default", "allowZero"],
  size: ["default", "min", "max"],
  strings: ["default", "format"],
  numbers: ["default"],
  tables: ["fields", "default"],
  map: ["values", "default"],
};

/**
 * What is wrong with `spec` as the field specs of a job type (one written outside daq), naming
 * the field: unknown types or keys, limits of the wrong kind, a default its own spec refuses.
 * Undefined when every field is usable.
 */
export function tableSpecProblem(spec: unknown, path = ""): string | undefined {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    return `${path || "fields"}: expected an object of field specs`;
  }
  for (const [key, field] of Object.entries(spec as Record<string, unknown>)) {
    const at = path ? `${path}.${key}` : key;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `${at}: a key is letters, digits and "_"`;
    if (field === null || typeof field !== "object" || Array.isArray(field)) {
      return `${at}: expected a field spec such as { type: "number", default: 1 }`;
    }
    const f = field as Record<string, unknown>;
    const types = Object.keys(SPEC_KEYS);
    if (typeof f.type !== "string" || !types.includes(f.type)) {
      return `${at}: type ${JSON.stringify(f.type)} is not one of ${types.join(", ")}`;
    }
    const allowed = ["type", "doc", "required", ...SPEC_KEYS[f.type as FieldSpec["type"]]];
    const unknown = Object.keys(f).find((k) => !allowed.includes(k));
    if (unknown !== undefined) {
      const near = nearestKey(unknown, allowed);
      return `${at}: unknown key "${unknown}"${
        near ? ` (did you mean "${near}"?)` : ""
      } for a ${f.type} field`;
    }
    const kinds: Record<string, string> = {
      doc: "string",
      required: "boolean",
      min: "number",
      max: "number",
      integer: "boolean",
      positive: "boolean",
      allowZero: "boolean",
    };
    for (const [k, kind] of Object.entries(kinds)) {
      if (f[k] !== undefined && typeof f[k] !== kind) return `${at}.${k}: expected a ${kind}`;
    }
    if (
      f.choices !== undefined &&
      (!Array.isArray(f.choices) || f.choices.some((c) => typeof c !== "string" || c === ""))
    ) return `${at}.choices: expected a list of non-empty strings`;
    if (f.format !== undefined && !["name", "folder", "pattern"].includes(f.format as string)) {
      return `${at}.format: expected "name", "folder" or "pattern"`;
    }
    if (f.type === "tables") {
      const inner = tableSpecProblem(f.fields, `${at}.fields`);
      if (inner !== undefined) return inner;
    }
    if (f.type === "map") {
      const v = f.values as Record<string, unknown> | undefined;
      if (v === null || typeof v !== "object" || Array.isArray(v)) {
        return `${at}.values: expected a field spec, or { type: "table", fields }`;
      }
      const inner = v.type === "table"
        ? tableSpecProblem(v.fields, `${at}.values.fields`)
        : tableSpecProblem({ values: v }, at);
      if (inner !== undefined) return inner;
    }
    if (f.default !== undefined) {
      try {
        convert(f.default, f as FieldSpec, { file: "", text: "", path: "", shownPath: "" }, at);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return `${at}.default: ${e.problem}`;
      }
    }
  }
  return undefined;
}
