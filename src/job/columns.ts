/**
 * Columns as scientists see them: named typed arrays (or plain number arrays) in, Arrow record
 * batches on the rings, and named typed arrays out again.
 */
import {
  type DataType,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
} from "apache-arrow";
import { unpackBits } from "../arrow/bits.ts";
import { batchStreamBytes } from "../transport/payload.ts";
import type { NumericArray } from "../arrow/types.ts";
import { JobColumnsError } from "./errors.ts";

/** The column types a job can declare and send. */
export type ColumnType =
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "float32"
  | "float64";

/** One declared column: its type, or its type and physical unit. */
export type ColumnDeclaration = ColumnType | {
  type: ColumnType;
  unit?: string;
  /** Values per row: a fixed-size array (Arrow `FixedSizeList<count>`); default 1. */
  count?: number;
};

/** Declared columns by name, in the order they are sent. */
export type Columns = Record<string, ColumnDeclaration>;

/** Values of one column for `ctx.sendColumns`: a typed array, or plain numbers or bigints. */
export type ColumnInput = NumericArray | readonly number[] | readonly bigint[];

/** The typed array of each column type. */
const ARRAYS = {
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

const ARROW_TYPES: Record<ColumnType, () => DataType> = {
  int8: () => new Int8(),
  int16: () => new Int16(),
  int32: () => new Int32(),
  int64: () => new Int64(),
  uint8: () => new Uint8(),
  uint16: () => new Uint16(),
  uint32: () => new Uint32(),
  uint64: () => new Uint64(),
  float32: () => new Float32(),
  float64: () => new Float64(),
};

/** The column type of a typed array. */
function typeOfArray(values: NumericArray): ColumnType {
  for (const [type, Ctor] of Object.entries(ARRAYS)) {
    if (values instanceof Ctor) return type as ColumnType;
  }
  throw new JobColumnsError(`unsupported array ${values.constructor.name}`);
}

/**
 * The bytes of one message holding a batch of `rows` rows of `columns`, as `sendColumns` and
 * `sendBatch` send it (for a job definition's `messageBytes`); undefined for columns that are
 * not fixed-width.
 */
export function batchBytes(columns: Columns, rows: number): number | undefined {
  return batchStreamBytes(schemaOfColumns(columns), rows);
}

/** The declared columns of a job as an Arrow schema (units as field metadata `unit`). */
export function schemaOfColumns(columns: Columns): Schema {
  return new Schema(
    Object.entries(columns).map(([name, d]) => {
      const { type, unit, count = 1 } = typeof d === "string" ? { type: d, unit: undefined } : d;
      if (!(type in ARRAYS)) {
        throw new JobColumnsError(
          `column "${name}": unknown type ${JSON.stringify(type)}; known: ${
            Object.keys(ARRAYS).join(", ")
          }`,
        );
      }
      const item = ARROW_TYPES[type]();
      const arrowType = count > 1 ? new FixedSizeList(count, new Field("item", item, false)) : item;
      return new Field(name, arrowType, false, unit ? new Map([["unit", unit]]) : null);
    }),
  );
}

/** Builds record batches from named columns, reusing one schema while the columns stay alike. */
export class ColumnBatcher {
  readonly #declared: Columns | undefined;
  #lastKey = "";
  #lastSchema: Schema | undefined;

  /** With `declared` columns, sent columns must match them (numbers are converted). */
  constructor(declared: Columns | undefined) {
    this.#declared = declared;
  }

  /** One batch of the given columns; throws {@link JobColumnsError} naming a bad column. */
  batch(columns: Readonly<Record<string, ColumnInput>>): RecordBatch {
    const names = Object.keys(columns);
    const declared = this.#declared;
    if (declared) {
      const missing = Object.keys(declared).find((n) => !(n in columns));
      if (missing !== undefined) throw new JobColumnsError(`column "${missing}" is missing`);
      const extra = names.find((n) => !(n in declared));
      if (extra !== undefined) {
        throw new JobColumnsError(
          `column "${extra}" is not declared; declared: ${Object.keys(declared).join(", ")}`,
        );
      }
    }
    const order = declared ? Object.keys(declared) : names;
    const arrays: NumericArray[] = [];
    const types: ColumnType[] = [];
    let rows = -1;
    for (const name of order) {
      const d = declared?.[name];
      if (typeof d === "object" && (d.count ?? 1) > 1) {
        throw new JobColumnsError(
          `column "${name}" is declared as ${d.count} values per row: send it with sendBatch`,
        );
      }
      const want = d === undefined ? undefined : typeof d === "string" ? d : d.type;
      const values = toArray(name, columns[name], want);
      if (rows === -1) rows = values.length;
      else if (values.length !== rows) {
        throw new JobColumnsError(
          `column "${name}" has ${values.length} values, column "${order[0]}" ${rows}`,
        );
      }
      arrays.push(values);
      types.push(typeOfArray(values));
    }
    const key = order.map((n, i) => `${n}:${types[i]}`).join(",");
    if (key !== this.#lastKey || !this.#lastSchema) {
      const decl: Columns = {};
      order.forEach((n, i) => {
        const d = declared?.[n];
        decl[n] = typeof d === "object" ? { type: types[i], unit: d.unit } : types[i];
      });
      this.#lastSchema = schemaOfColumns(decl);
      this.#lastKey = key;
    }
    const schema = this.#lastSchema;
    const length = Math.max(rows, 0);
    const children = arrays.map((data, i) =>
      makeData({ type: schema.fields[i].type, length, nullCount: 0, data } as never)
    );
    const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
    const batch = new RecordBatch(schema, struct);
    // The constructor copies the schema: the one kept here lets the schema's IPC message be
    // encoded once for all batches (planBatch caches it per schema object).
    (batch as { schema: Schema }).schema = schema;
    return batch;
  }
}

function toArray(name: string, values: ColumnInput | undefined, want?: ColumnType): NumericArray {
  if (ArrayBuffer.isView(values)) {
    if (want !== undefined && !(values instanceof ARRAYS[want])) {
      throw new JobColumnsError(
        `column "${name}": declared ${want}, got a ${values.constructor.name}`,
      );
    }
    return values;
  }
  if (!Array.isArray(values)) {
    throw new JobColumnsError(`column "${name}": expected a typed array or an array of numbers`);
  }
  const type = want ?? (typeof values[0] === "bigint" ? "int64" : "float64");
  const Ctor = ARRAYS[type];
  const big = type === "int64" || type === "uint64";
  const out = new Ctor(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (big) {
      (out as BigInt64Array)[i] = typeof v === "bigint" ? v : BigInt(Math.round(v as number));
    } else {
      if (typeof v !== "number") {
        throw new JobColumnsError(`column "${name}": value ${i} is not a number`);
      }
      (out as Float64Array)[i] = v;
    }
  }
  return out;
}

/** The values of every numeric and boolean column of `batch`, by name (views where possible). */
export function columnsOf(batch: RecordBatch): Record<string, NumericArray> {
  const out: Record<string, NumericArray> = {};
  const fields = batch.schema.fields;
  for (let i = 0; i < fields.length; i++) {
    const data = batch.data.children[i];
    const typeId = data.type.typeId;
    if (typeId === Type.Int || typeId === Type.Float) {
      const values = data.values as NumericArray;
      out[fields[i].name] = values.subarray(data.offset, data.offset + data.length) as NumericArray;
    } else if (typeId === Type.Bool) {
      out[fields[i].name] = unpackBits(data.values as Uint8Array, data.offset, data.length);
    }
  }
  return out;
}
