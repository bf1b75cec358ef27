/**
 * What the processor jobs share: kernel columns from received Arrow batches and back, the
 * columns their inputs declare, and kernel spec errors as config problems.
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
  type RecordBatch,
  RecordBatch as ArrowRecordBatch,
  Schema,
  Struct,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
} from "apache-arrow";
import type { ColumnDeclaration, Columns, ColumnType, InputSchema } from "../../job/mod.ts";
import {
  type Column,
  type ColumnInfo,
  type ColumnValues,
  ProcessorSpecError,
} from "../../processing/mod.ts";

const ARROW_OF: [new (n: number) => ColumnValues, () => DataType, ColumnType][] = [
  [Float64Array, () => new Float64(), "float64"],
  [Float32Array, () => new Float32(), "float32"],
  [BigInt64Array, () => new Int64(), "int64"],
  [BigUint64Array, () => new Uint64(), "uint64"],
  [Int32Array, () => new Int32(), "int32"],
  [Int16Array, () => new Int16(), "int16"],
  [Int8Array, () => new Int8(), "int8"],
  [Uint32Array, () => new Uint32(), "uint32"],
  [Uint16Array, () => new Uint16(), "uint16"],
  [Uint8Array, () => new Uint8(), "uint8"],
];

function arrowTypeOf(values: ColumnValues): { type: DataType; name: ColumnType } {
  for (const [Ctor, make, name] of ARROW_OF) {
    if (values instanceof Ctor) return { type: make(), name };
  }
  throw new TypeError(`unsupported column array ${values.constructor.name}`);
}

/** The column type name of an Arrow number type, or undefined for other types. */
function typeName(type: DataType): ColumnType | undefined {
  if (type.typeId === Type.Int) {
    const t = type as Int32;
    return `${t.isSigned ? "int" : "uint"}${t.bitWidth}` as ColumnType;
  }
  if (type.typeId === Type.Float) return (type as Float64).precision === 2 ? "float64" : "float32";
  if (type.typeId === Type.Bool) return "uint8";
  return undefined;
}

/**
 * The number columns of a received batch (views on the ring, valid until the next batch),
 * with their units; fixed-size lists of numbers as columns with `listSize`.
 */
export function kernelColumns(batch: RecordBatch, numeric: Record<string, ColumnValues>): Column[] {
  const out: Column[] = [];
  const fields = batch.schema.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const unit = f.metadata.get("unit");
    const values = numeric[f.name];
    if (values !== undefined) {
      out.push(unit === undefined ? { name: f.name, values } : { name: f.name, values, unit });
      continue;
    }
    if (f.type.typeId === Type.FixedSizeList) {
      const data = batch.data.children[i];
      const child = data.children[0];
      const size = (f.type as FixedSizeList).listSize;
      if (child && (child.type.typeId === Type.Float || child.type.typeId === Type.Int)) {
        const v = child.values as Float64Array;
        const start = data.offset * size + child.offset;
        out.push({
          name: f.name,
          values: v.subarray(start, start + data.length * size),
          unit,
          listSize: size,
        });
      }
    }
  }
  return out;
}

/** The columns an input declares, as the kernels describe them (undefined when it declares none). */
export function columnInfos(schema: Schema | undefined): ColumnInfo[] | undefined {
  if (!schema) return undefined;
  return schema.fields.map((f) => {
    const unit = f.metadata.get("unit");
    if (f.type.typeId === Type.FixedSizeList) {
      const list = f.type as FixedSizeList;
      return { name: f.name, unit, listSize: list.listSize, type: typeName(list.valueType) };
    }
    return { name: f.name, unit, type: typeName(f.type) ?? String(f.type) };
  });
}

/** The declared columns of the first input that declares any (undefined when none does). */
export function firstInputColumns(inputs: readonly InputSchema[]): ColumnInfo[] | undefined {
  for (const i of inputs) if (i.schema) return columnInfos(i.schema);
  return undefined;
}

/**
 * Runs `check` on the declared columns of every input that declares them; the first spec
 * error, with the input named, as a config problem.
 */
export function checkEachInput(
  inputs: readonly InputSchema[],
  check: (columns: ColumnInfo[]) => void,
): { key: string; problem: string } | undefined {
  for (const input of inputs) {
    const columns = columnInfos(input.schema);
    if (!columns) continue;
    const problem = specProblem(() => check(columns));
    if (problem) {
      return {
        key: problem.key,
        problem: `${problem.problem} (input "${input.key}" from job "${input.from}")`,
      };
    }
  }
  return undefined;
}

/** A kernel spec error thrown by `check`, as `{ key, problem }` for the config loader. */
export function specProblem(check: () => void): { key: string; problem: string } | undefined {
  try {
    check();
    return undefined;
  } catch (e) {
    if (e instanceof ProcessorSpecError) return { key: e.key, problem: e.problem };
    throw e;
  }
}

/** Kernel column descriptions as a job's declared columns (scalar columns of known type only). */
export function declaredColumns(infos: readonly ColumnInfo[] | undefined): Columns | undefined {
  if (!infos) return undefined;
  const out: Columns = {};
  for (const c of infos) {
    if (c.listSize || !c.type || !ARROW_OF.some(([, , n]) => n === c.type)) return undefined;
    const d: ColumnDeclaration = c.unit
      ? { type: c.type as ColumnType, unit: c.unit }
      : c.type as ColumnType;
    out[c.name] = d;
  }
  return out;
}

/** Builds Arrow batches of kernel columns, one schema object while the columns stay alike. */
export class BatchBuilder {
  #key = "";
  #schema: Schema | undefined;

  /** One record batch holding `columns` (no copy). */
  batch(columns: readonly Column[]): RecordBatch {
    const types = columns.map((c) => arrowTypeOf(c.values));
    const key = columns.map((c, i) =>
      `${c.name}:${types[i].name}:${c.unit ?? ""}:${c.listSize ?? 0}`
    )
      .join("\u0000");
    if (key !== this.#key || !this.#schema) {
      this.#schema = new Schema(columns.map((c, i) => {
        const meta = c.unit ? new Map([["unit", c.unit]]) : null;
        const type = c.listSize
          ? new FixedSizeList(c.listSize, new Field("item", types[i].type, false))
          : types[i].type;
        return new Field(c.name, type, false, meta);
      }));
      this.#key = key;
    }
    const schema = this.#schema;
    const rows = columns.length === 0 ? 0 : columns[0].values.length / (columns[0].listSize ?? 1);
    const children = columns.map((c, i) => {
      const type = schema.fields[i].type;
      if (!c.listSize) {
        return makeData({ type, length: rows, nullCount: 0, data: c.values } as never);
      }
      const child = makeData({
        type: types[i].type,
        length: rows * c.listSize,
        nullCount: 0,
        data: c.values,
      } as never);
      return makeData({ type, length: rows, nullCount: 0, child } as never);
    });
    const struct = makeData({
      type: new Struct(schema.fields),
      length: rows,
      nullCount: 0,
      children,
    });
    const batch = new ArrowRecordBatch(schema, struct);
    // Keep this schema object: planBatch encodes a schema's IPC message once per object.
    (batch as { schema: Schema }).schema = schema;
    return batch;
  }
}

/** Rows of kernel columns. */
export function rowsOf(columns: readonly Column[]): number {
  const c = columns[0];
  return c ? c.values.length / (c.listSize ?? 1) : 0;
}
