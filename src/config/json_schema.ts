/** JSON Schema (draft 2020-12) of config tables, from their field specs: for editors and forms. */
import type { FieldSpec, TableSpec } from "./_schema.ts";

/** A JSON Schema object. */
export type JsonSchema = Record<string, unknown>;

// The forms parseDuration and parseSize (units.ts) take.
const DURATION_PATTERN = "^\\s*[0-9]+(\\.[0-9]+)?\\s*(ns|us|ms|s|min|m|h)\\s*$";
const SIZE_PATTERN = "^\\s*[0-9]+(\\.[0-9]+)?\\s*(B|KB|MB|GB|KiB|MiB|GiB)?\\s*$";

/** The JSON Schema of one field. */
export function fieldJsonSchema(field: FieldSpec): JsonSchema {
  const out: JsonSchema = {};
  if (field.doc) out.description = field.doc;
  switch (field.type) {
    case "string":
      out.type = "string";
      out.minLength = 1;
      if (field.choices) out.enum = [...field.choices];
      break;
    case "number":
      out.type = field.integer ? "integer" : "number";
      if (field.positive) out.exclusiveMinimum = 0;
      if (field.min !== undefined) out.minimum = field.min;
      if (field.max !== undefined) out.maximum = field.max;
      break;
    case "boolean":
      out.type = "boolean";
      break;
    case "duration":
      out.type = "string";
      out.pattern = DURATION_PATTERN;
      out.examples = ["100ms", "10s", "5min"];
      break;
    case "size":
      out.type = ["string", "integer"];
      out.pattern = SIZE_PATTERN;
      out.examples = ["64MiB", "512KiB", "1GB"];
      break;
    case "strings":
      out.type = "array";
      out.items = { type: "string", minLength: 1 };
      break;
    case "tables":
      out.type = "array";
      out.items = tableJsonSchema(field.fields);
      break;
  }
  if (field.default !== undefined) out.default = field.default;
  return out;
}

/** The JSON Schema of a table with fields `spec`: its keys, what is required, nothing else. */
export function tableJsonSchema(spec: TableSpec): JsonSchema {
  const required = Object.entries(spec).filter(([, f]) => f.required).map(([k]) => k);
  return {
    type: "object",
    properties: Object.fromEntries(Object.entries(spec).map(([k, f]) => [k, fieldJsonSchema(f)])),
    ...(required.length ? { required } : {}),
    additionalProperties: false,
  };
}
