/** Column types a ROOT TTree leaf can hold, and their mapping from Arrow schemas. */

import * as arrow from "apache-arrow";

/** Element types of a TTree column (one TBranch with one TLeaf). */
export type RootLeafType =
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float32"
  | "float64"
  | "bool";

/** One column of a tree: a scalar per entry, or a fixed-size array per entry when `length` is set. */
export interface RootColumn {
  name: string;
  type: RootLeafType;
  /** Elements per entry for a fixed-size array column (e.g. 1024 waveform samples). */
  length?: number;
}

/** A column or schema that ROOT cannot hold; the message names the column. */
export class RootSchemaError extends Error {
  override name = "RootSchemaError";
}

/** How each leaf type is stored: ROOT type letter, TLeaf class, bytes per element. */
export const LEAF_INFO: Record<
  RootLeafType,
  { letter: string; leafClass: string; size: number; unsigned: boolean }
> = {
  int8: { letter: "B", leafClass: "TLeafB", size: 1, unsigned: false },
  uint8: { letter: "b", leafClass: "TLeafB", size: 1, unsigned: true },
  int16: { letter: "S", leafClass: "TLeafS", size: 2, unsigned: false },
  uint16: { letter: "s", leafClass: "TLeafS", size: 2, unsigned: true },
  int32: { letter: "I", leafClass: "TLeafI", size: 4, unsigned: false },
  uint32: { letter: "i", leafClass: "TLeafI", size: 4, unsigned: true },
  int64: { letter: "L", leafClass: "TLeafL", size: 8, unsigned: false },
  uint64: { letter: "l", leafClass: "TLeafL", size: 8, unsigned: true },
  float32: { letter: "F", leafClass: "TLeafF", size: 4, unsigned: false },
  float64: { letter: "D", leafClass: "TLeafD", size: 8, unsigned: false },
  bool: { letter: "O", leafClass: "TLeafO", size: 1, unsigned: false },
};

const SUPPORTED = "Int8-64, Uint8-64, Float32, Float64, Bool, Timestamp, " +
  "or a FixedSizeList of one of those";

/** Checks a column definition; throws RootSchemaError naming the column (and tree, if given). */
export function validateColumn(column: RootColumn, tree?: string): void {
  const where = `${tree === undefined ? "" : `tree '${tree}', `}column '${column.name}'`;
  if (column.name.length === 0) throw new RootSchemaError(`${where}: empty column name`);
  if (/[\/\[\]:\s]/.test(column.name)) {
    throw new RootSchemaError(`${where}: name must not contain '/', '[', ']', ':' or spaces`);
  }
  if (!(column.type in LEAF_INFO)) {
    throw new RootSchemaError(`${where}: unknown leaf type '${column.type}'`);
  }
  if (column.length !== undefined && (!Number.isInteger(column.length) || column.length < 1)) {
    throw new RootSchemaError(
      `${where}: array length must be a positive integer, got ${column.length}`,
    );
  }
}

function leafTypeOf(type: arrow.DataType): RootLeafType | undefined {
  if (arrow.DataType.isInt(type)) {
    const t = type as arrow.Int;
    return `${t.isSigned ? "int" : "uint"}${t.bitWidth}` as RootLeafType;
  }
  if (arrow.DataType.isFloat(type)) {
    const t = type as arrow.Float;
    if (t.precision === arrow.Precision.SINGLE) return "float32";
    if (t.precision === arrow.Precision.DOUBLE) return "float64";
    return undefined;
  }
  if (arrow.DataType.isBool(type)) return "bool";
  if (arrow.DataType.isTimestamp(type)) return "int64";
  return undefined;
}

/** The ROOT column for one Arrow field; throws RootSchemaError for types ROOT cannot hold. */
export function rootColumnFromArrowField(field: arrow.Field): RootColumn {
  const type = field.type;
  const scalar = leafTypeOf(type);
  if (scalar) return { name: field.name, type: scalar };
  if (arrow.DataType.isFixedSizeList(type)) {
    const list = type as arrow.FixedSizeList;
    const inner = leafTypeOf(list.children[0].type);
    if (inner) return { name: field.name, type: inner, length: list.listSize };
    throw new RootSchemaError(
      `column '${field.name}': FixedSizeList of ${list.children[0].type} cannot be stored ` +
        `in a ROOT TTree leaf (supported: ${SUPPORTED})`,
    );
  }
  throw new RootSchemaError(
    `column '${field.name}': Arrow type ${type} cannot be stored in a ROOT TTree leaf ` +
      `(supported: ${SUPPORTED})`,
  );
}

/**
 * Maps an Arrow schema to ROOT columns: Int8..Uint64, Float32/64, Bool and Timestamp
 * (written as Long64_t, in the timestamp's own unit), and FixedSizeList of those as
 * fixed-size arrays per entry. Throws RootSchemaError naming the first column ROOT cannot
 * hold (strings, variable-length or nested lists, structs, dictionaries, ...), has a name a
 * branch cannot take, or appears twice.
 */
export function rootColumnsFromArrowSchema(schema: arrow.Schema): RootColumn[] {
  const columns = schema.fields.map(rootColumnFromArrowField);
  const seen = new Set<string>();
  for (const c of columns) {
    validateColumn(c);
    if (seen.has(c.name)) throw new RootSchemaError(`column '${c.name}': duplicate column name`);
    seen.add(c.name);
  }
  return columns;
}
