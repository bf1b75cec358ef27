/**
 * A program's output lines read as rows without I/O: `csv`, `json` (one object per line) and
 * `whitespace`-separated, against declared columns.
 */
import { SpecError } from "./errors.ts";

/** Line formats. */
export const LINE_FORMATS = ["csv", "json", "whitespace"] as const;

/** A line format. */
export type LineFormat = (typeof LINE_FORMATS)[number];

/** Column types a line may carry. */
export const LINE_COLUMN_TYPES = ["float64", "int64"] as const;

/** A declared column. */
export interface LineColumn {
  name: string;
  type: (typeof LINE_COLUMN_TYPES)[number];
  unit?: string;
}

/**
 * What a line gave: values in column order (number for float64, bigint for int64), a header
 * line (the column names: skipped, not an error), or a problem whose `kind` stays the same
 * for lines that fail the same way (to log each kind once).
 */
export type LineResult =
  | { ok: true; values: (number | bigint)[] }
  | { ok: "header" }
  | { ok: false; kind: string; detail: string };

const FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const SPECIAL = /^([-+]?)(nan|inf|infinity)$/i;
const INT = /^[-+]?\d{1,19}$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Checks declared columns; throws {@link SpecError} with key `columns[i].<key>`. */
export function checkLineColumns(columns: LineColumn[]): void {
  if (columns.length === 0) throw new SpecError("columns", "declare at least one column");
  const names = new Set<string>();
  columns.forEach((c, i) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c.name)) {
      throw new SpecError(
        `columns[${i}].name`,
        `expected letters, digits and _, got ${JSON.stringify(c.name)}`,
      );
    }
    if (c.name === "timestamp_ns") {
      throw new SpecError(`columns[${i}].name`, `"timestamp_ns" is added by the job itself`);
    }
    if (names.has(c.name)) {
      throw new SpecError(`columns[${i}].name`, `"${c.name}" is declared twice`);
    }
    names.add(c.name);
    if (!LINE_COLUMN_TYPES.includes(c.type)) {
      throw new SpecError(
        `columns[${i}].type`,
        `expected ${LINE_COLUMN_TYPES.join(" or ")}, got ${JSON.stringify(c.type)}`,
      );
    }
  });
}

function convert(text: string, column: LineColumn): number | bigint | string {
  if (column.type === "int64") {
    if (!INT.test(text)) return `column "${column.name}" is not an integer`;
    const v = BigInt(text);
    if (v < INT64_MIN || v > INT64_MAX) return `column "${column.name}" is out of int64 range`;
    return v;
  }
  if (FLOAT.test(text)) return Number(text);
  const s = SPECIAL.exec(text);
  if (s) return s[2].toLowerCase() === "nan" ? NaN : s[1] === "-" ? -Infinity : Infinity;
  return `column "${column.name}" is not a number`;
}

function fromFields(fields: string[], columns: LineColumn[]): LineResult {
  if (fields.length !== columns.length) {
    return { ok: false, kind: `${fields.length} fields, expected ${columns.length}`, detail: "" };
  }
  if (fields.every((f, i) => f === columns[i].name)) return { ok: "header" };
  const values: (number | bigint)[] = [];
  for (let i = 0; i < columns.length; i++) {
    const v = convert(fields[i], columns[i]);
    if (typeof v === "string") return { ok: false, kind: v, detail: fields[i] };
    values.push(v);
  }
  return { ok: true, values };
}

/**
 * Reads one line (without its line break) as a row of `columns`.
 *
 * @example
 * ```ts
 * import { parseLine } from "./lines.ts";
 * import assert from "node:assert/strict";
 * const cols = [{ name: "t", type: "float64" as const }, { name: "n", type: "int64" as const }];
 * assert.deepEqual(parseLine("21.5, 7", "csv", cols), { ok: true, values: [21.5, 7n] });
 * assert.deepEqual(parseLine('{"t": 1e3, "n": 2}', "json", cols), { ok: true, values: [1000, 2n] });
 * assert.equal(parseLine("21.5 x", "whitespace", cols).ok, false);
 * ```
 */
export function parseLine(line: string, format: LineFormat, columns: LineColumn[]): LineResult {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  switch (format) {
    case "csv":
      return fromFields(text.split(",").map((f) => f.trim()), columns);
    case "whitespace": {
      const t = text.trim();
      return fromFields(t === "" ? [] : t.split(/\s+/), columns);
    }
    case "json":
      return fromJson(text, columns);
  }
}

function fromJson(text: string, columns: LineColumn[]): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, kind: "not JSON", detail: "" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, kind: "not a JSON object", detail: "" };
  }
  const record = value as Record<string, unknown>;
  const values: (number | bigint)[] = [];
  for (const column of columns) {
    if (!Object.hasOwn(record, column.name)) {
      return { ok: false, kind: `missing key "${column.name}"`, detail: "" };
    }
    const v = record[column.name];
    if (column.type === "int64") {
      // JSON numbers above 2^53 have lost digits already: only safe integers are taken.
      if (typeof v !== "number" || !Number.isSafeInteger(v)) {
        return { ok: false, kind: `key "${column.name}" is not a safe integer`, detail: String(v) };
      }
      values.push(BigInt(v));
    } else if (typeof v === "number") {
      values.push(v);
    } else if (v === null) {
      values.push(NaN);
    } else {
      return {
        ok: false,
        kind: `key "${column.name}" is not a number`,
        detail: JSON.stringify(v) ?? "",
      };
    }
  }
  return { ok: true, values };
}
