import * as arrow from "apache-arrow";
import { unpackBits } from "../../arrow/bits.ts";
import type { NumericArray } from "../../arrow/types.ts";
import { Hdf5SchemaError } from "./errors.ts";

/** Typed arrays that HDF5 columns are written from. */
export type ColumnValues = NumericArray;

/** How one Arrow column is stored as an HDF5 dataset. */
export interface ColumnLayout {
  /** Column (and dataset) name. */
  name: string;
  /** h5wasm dtype string (Python struct codes). */
  dtype: string;
  /** Bytes of one value. */
  valueBytes: number;
  /** Values per row: 1 for scalar columns, n for `FixedSizeList[n]`. */
  width: number;
  /** 2 for `FixedSizeList` columns (a rows × n dataset), else 1. */
  rank: 1 | 2;
  /** `String(field.type)`, used to refuse a type change of an existing column. */
  arrowType: string;
  /** Text attributes of the dataset. */
  textAttributes: Record<string, string>;
  /** Whether the values are Arrow booleans stored as uint8. */
  isBool: boolean;
}

/** Unit attribute of nanosecond timestamps. */
export const NANOSECONDS_SINCE_EPOCH = "ns since 1970-01-01T00:00:00Z";

const TIME_UNIT_TEXT: Record<number, string> = {
  [arrow.TimeUnit.SECOND]: "s since 1970-01-01T00:00:00Z",
  [arrow.TimeUnit.MILLISECOND]: "ms since 1970-01-01T00:00:00Z",
  [arrow.TimeUnit.MICROSECOND]: "us since 1970-01-01T00:00:00Z",
  [arrow.TimeUnit.NANOSECOND]: NANOSECONDS_SINCE_EPOCH,
};

interface ValueType {
  dtype: string;
  valueBytes: number;
  isBool: boolean;
  unit?: string;
  timezone?: string;
}

function valueType(type: arrow.DataType): ValueType | undefined {
  if (arrow.DataType.isInt(type)) {
    const codes: Record<number, string> = { 8: "b", 16: "h", 32: "i", 64: "q" };
    const code = codes[type.bitWidth];
    return {
      dtype: "<" + (type.isSigned ? code : code.toUpperCase()),
      valueBytes: type.bitWidth / 8,
      isBool: false,
    };
  }
  if (arrow.DataType.isFloat(type)) {
    if (type.precision === arrow.Precision.SINGLE) {
      return { dtype: "<f", valueBytes: 4, isBool: false };
    }
    if (type.precision === arrow.Precision.DOUBLE) {
      return { dtype: "<d", valueBytes: 8, isBool: false };
    }
    return undefined;
  }
  if (arrow.DataType.isBool(type)) return { dtype: "<B", valueBytes: 1, isBool: true };
  if (arrow.DataType.isTimestamp(type)) {
    return {
      dtype: "<q",
      valueBytes: 8,
      isBool: false,
      unit: TIME_UNIT_TEXT[type.unit],
      timezone: type.timezone ?? undefined,
    };
  }
  return undefined;
}

/**
 * Decides how `field` is stored, or throws {@linkcode Hdf5SchemaError} naming the column when
 * HDF5 has no plain type for it.
 */
export function columnLayout(source: string, field: arrow.Field): ColumnLayout {
  checkName(source, field.name, "column");
  let width = 1;
  let values = valueType(field.type);
  if (arrow.DataType.isFixedSizeList(field.type)) {
    width = field.type.listSize;
    values = valueType(field.type.children[0].type);
  }
  if (values === undefined || width < 1) {
    throw new Hdf5SchemaError(
      `Column "${field.name}" of source "${source}" has Arrow type ${field.type}, which the ` +
        "HDF5 writer cannot store: expected an integer, float32, float64, bool or timestamp " +
        "column, or a FixedSizeList of one of these",
    );
  }
  const textAttributes: Record<string, string> = { arrow_type: String(field.type) };
  const unit = field.metadata.get("unit") ??
    values.unit ??
    (field.name === "timestamp_ns" && values.dtype === "<q" ? NANOSECONDS_SINCE_EPOCH : undefined);
  if (unit !== undefined) {
    textAttributes.unit = unit;
    // NeXus readers (h5web, silx, NeXpy) look for "units".
    textAttributes.units = unit;
  }
  if (values.timezone !== undefined) textAttributes.timezone = values.timezone;
  // The instrument a column was read from (e.g. its *IDN? answer), from the source's metadata.
  const instrument = field.metadata.get("instrument");
  if (instrument !== undefined) textAttributes.instrument = instrument;
  return {
    name: field.name,
    dtype: values.dtype,
    valueBytes: values.valueBytes,
    width,
    rank: arrow.DataType.isFixedSizeList(field.type) ? 2 : 1,
    arrowType: String(field.type),
    textAttributes,
    isBool: values.isBool,
  };
}

const EMPTY_VALUES: Record<string, () => ColumnValues> = {
  "<b": () => new Int8Array(0),
  "<B": () => new Uint8Array(0),
  "<h": () => new Int16Array(0),
  "<H": () => new Uint16Array(0),
  "<i": () => new Int32Array(0),
  "<I": () => new Uint32Array(0),
  "<q": () => new BigInt64Array(0),
  "<Q": () => new BigUint64Array(0),
  "<f": () => new Float32Array(0),
  "<d": () => new Float64Array(0),
};

/** An empty typed array of the class h5wasm expects for `dtype`. */
export function emptyValues(dtype: string): ColumnValues {
  return EMPTY_VALUES[dtype]();
}

/** Names reserved inside a source group. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(["_lost"]);

/** Throws {@linkcode Hdf5SchemaError} when `name` cannot be an HDF5 link name. */
export function checkName(source: string, name: string, what: "column" | "source"): void {
  const bad = name === "" || name === "." || name === ".." || name.includes("/") ||
    name.includes("\0") || RESERVED_NAMES.has(name);
  if (bad) {
    const where = what === "column" ? ` of source "${source}"` : "";
    throw new Hdf5SchemaError(
      `${what === "column" ? "Column" : "Source"} name "${name}"${where} cannot be an HDF5 name: ` +
        `expected a non-empty name without "/" that is not one of ${[...RESERVED_NAMES]}`,
    );
  }
}

/**
 * Returns the values of `data` as a contiguous typed array of `rows × width` values, ready for
 * HDF5. A zero-copy view when possible; a copy for booleans (unpacked to 0/1) and for columns
 * with nulls (floats get NaN, others 0 at null rows).
 */
export function columnValues(data: arrow.Data, layout: ColumnLayout): ColumnValues {
  const rows = data.length;
  const count = rows * layout.width;
  const valuesData = layout.rank === 1 ? data : data.children[0];
  let values: ColumnValues;
  if (layout.isBool) {
    values = unpackBits(valuesData.values as Uint8Array, valuesData.offset, count);
  } else {
    values = (valuesData.values as ColumnValues).subarray(0, count);
  }
  if (data.nullCount > 0) values = blankNullRows(data, values, layout);
  return values;
}

function blankNullRows(data: arrow.Data, values: ColumnValues, layout: ColumnLayout): ColumnValues {
  const copy = values.slice();
  const blank = copy instanceof BigInt64Array || copy instanceof BigUint64Array
    ? 0n
    : layout.dtype === "<f" || layout.dtype === "<d"
    ? NaN
    : 0;
  for (let row = 0; row < data.length; row++) {
    if (data.getValid(row)) continue;
    (copy as { fill(value: number | bigint, start: number, end: number): unknown })
      .fill(blank, row * layout.width, (row + 1) * layout.width);
  }
  return copy;
}

/** Describes an Arrow schema as JSON text, for the `arrow_schema` attribute. */
export function schemaJson(schema: arrow.Schema): string {
  const fieldJson = (field: arrow.Field): unknown => ({
    name: field.name,
    type: String(field.type),
    nullable: field.nullable,
    ...(field.metadata.size > 0 ? { metadata: Object.fromEntries(field.metadata) } : {}),
    ...(field.type.children?.length ? { children: field.type.children.map(fieldJson) } : {}),
  });
  return JSON.stringify({
    fields: schema.fields.map(fieldJson),
    ...(schema.metadata.size > 0 ? { metadata: Object.fromEntries(schema.metadata) } : {}),
  });
}
