/** Deterministic Arrow batches for the HDF5 tests, with the expected value of every cell. */

import * as arrow from "apache-arrow";

/** One column of the test batch: its Arrow type, unit and value of row `i`. */
export interface TestColumn {
  name: string;
  type: arrow.DataType;
  unit?: string;
  /** numpy dtype string h5py should report. */
  numpyDtype: string;
  /** Values per row (FixedSizeList size, else 1). */
  width: number;
  integer: boolean;
  /** Values of global row `i` (`width` of them). */
  valuesOf(i: number): (number | bigint)[];
}

const BASE_NS = 1_700_000_000_000_000_000n;

/** Every column type the writer supports. */
export const ALL_TYPES: TestColumn[] = [
  {
    name: "timestamp_ns",
    type: new arrow.Int64(),
    numpyDtype: "<i8",
    width: 1,
    integer: true,
    valuesOf: (i) => [BASE_NS + BigInt(i) * 1000n],
  },
  {
    name: "stamp",
    type: new arrow.TimestampNanosecond(),
    numpyDtype: "<i8",
    width: 1,
    integer: true,
    valuesOf: (i) => [BASE_NS + BigInt(i) * 1000n + 1n],
  },
  {
    name: "i8",
    type: new arrow.Int8(),
    numpyDtype: "|i1",
    width: 1,
    integer: true,
    valuesOf: (i) => [BigInt(((i * 37) % 256) - 128)],
  },
  {
    name: "u8",
    type: new arrow.Uint8(),
    numpyDtype: "|u1",
    width: 1,
    integer: true,
    valuesOf: (i) => [BigInt((i * 7) % 256)],
  },
  {
    name: "i16",
    type: new arrow.Int16(),
    numpyDtype: "<i2",
    width: 1,
    integer: true,
    valuesOf: (i) => [BigInt(((i * 331) % 65536) - 32768)],
  },
  {
    name: "u16",
    type: new arrow.Uint16(),
    numpyDtype: "<u2",
    width: 1,
    integer: true,
    valuesOf: (i) => [BigInt((i * 331) % 65536)],
  },
  {
    name: "i32",
    type: new arrow.Int32(),
    numpyDtype: "<i4",
    width: 1,
    integer: true,
    valuesOf: (i) => [BigInt(-2147483648 + i * 104729)],
  },
  {
    name: "u32",
    type: new arrow.Uint32(),
    numpyDtype: "<u4",
    width: 1,
    integer: true,
    valuesOf: (i) => [BigInt(4294967295 - i * 104729)],
  },
  {
    name: "i64",
    type: new arrow.Int64(),
    numpyDtype: "<i8",
    width: 1,
    integer: true,
    valuesOf: (i) => [-(2n ** 62n) + BigInt(i) * 1234567890123n],
  },
  {
    name: "u64",
    type: new arrow.Uint64(),
    numpyDtype: "<u8",
    width: 1,
    integer: true,
    valuesOf: (i) => [2n ** 63n + BigInt(i) * 3n],
  },
  {
    name: "f32",
    type: new arrow.Float32(),
    unit: "A",
    numpyDtype: "<f4",
    width: 1,
    integer: false,
    valuesOf: (i) => [Math.fround(i * 0.25 - 3)],
  },
  {
    name: "sine",
    type: new arrow.Float64(),
    unit: "V",
    numpyDtype: "<f8",
    width: 1,
    integer: false,
    valuesOf: (i) => [Math.sin(i) * 1e3],
  },
  {
    name: "flag",
    type: new arrow.Bool(),
    numpyDtype: "|u1",
    width: 1,
    integer: true,
    valuesOf: (i) => [i % 3 === 0 ? 1n : 0n],
  },
  {
    name: "position",
    type: new arrow.FixedSizeList(3, new arrow.Field("xyz", new arrow.Float32())),
    unit: "mm",
    numpyDtype: "<f4",
    width: 3,
    integer: false,
    valuesOf: (i) => [i, i + 0.5, -i],
  },
  {
    name: "pair",
    type: new arrow.FixedSizeList(2, new arrow.Field("n", new arrow.Int16())),
    numpyDtype: "<i2",
    width: 2,
    integer: true,
    valuesOf: (i) => [BigInt(i % 1000), BigInt(-(i % 1000))],
  },
];

/** Builds rows `[first, first + rows)` of `columns` as one record batch. */
export function testBatch(
  first: number,
  rows: number,
  columns: TestColumn[] = ALL_TYPES,
): arrow.RecordBatch {
  const fields = columns.map((column) =>
    new arrow.Field(
      column.name,
      column.type,
      true,
      column.unit === undefined ? undefined : new Map([["unit", column.unit]]),
    )
  );
  const children = columns.map((column, index) => columnData(fields[index], column, first, rows));
  const schema = new arrow.Schema(fields);
  const data = arrow.makeData({ type: new arrow.Struct(fields), length: rows, children });
  return new arrow.RecordBatch(schema, data);
}

function columnData(
  field: arrow.Field,
  column: TestColumn,
  first: number,
  rows: number,
): arrow.Data {
  const flat: (number | bigint)[] = [];
  for (let i = first; i < first + rows; i++) flat.push(...column.valuesOf(i));
  if (arrow.DataType.isFixedSizeList(field.type)) {
    const childType = field.type.children[0].type;
    return arrow.makeData({
      type: field.type,
      length: rows,
      child: primitiveData(childType, flat),
    });
  }
  return primitiveData(field.type, flat);
}

// deno-lint-ignore no-explicit-any
function primitiveData(type: arrow.DataType, flat: (number | bigint)[]): arrow.Data<any> {
  if (arrow.DataType.isBool(type)) {
    const bitmap = new Uint8Array(Math.ceil(flat.length / 8));
    flat.forEach((v, i) => {
      if (v) bitmap[i >> 3] |= 1 << (i & 7);
    });
    return arrow.makeData({ type, data: bitmap, length: flat.length });
  }
  const ArrayType = type.ArrayType as unknown as new (values: ArrayLike<unknown>) => ArrayLike<
    unknown
  >;
  const bigint = ArrayType === BigInt64Array || ArrayType === BigUint64Array;
  const values = new ArrayType(flat.map((v) => bigint ? BigInt(v) : Number(v)));
  // deno-lint-ignore no-explicit-any
  return arrow.makeData({ type, data: values as any, length: flat.length } as any);
}

/** The values of `column` for rows `[first, first + rows)`, flattened. */
export function expectedValues(column: TestColumn, first: number, rows: number) {
  const flat: (number | bigint)[] = [];
  for (let i = first; i < first + rows; i++) flat.push(...column.valuesOf(i));
  return flat;
}

/** Timestamp + sine + noise rows like the simulated source, for speed runs. */
export function simBatch(first: number, rows: number): arrow.RecordBatch {
  const timestamps = new BigInt64Array(rows);
  const sine = new Float64Array(rows);
  const noise = new Float64Array(rows);
  let seed = first + 1;
  for (let i = 0; i < rows; i++) {
    timestamps[i] = BASE_NS + BigInt(first + i) * 1000n;
    sine[i] = Math.sin((first + i) / 100);
    seed = (seed * 1103515245 + 12345) % 2147483648;
    noise[i] = seed / 2147483648 - 0.5;
  }
  return new arrow.RecordBatch({
    timestamp_ns: arrow.makeData({ type: new arrow.Int64(), data: timestamps }),
    sine: arrow.makeData({ type: new arrow.Float64(), data: sine }),
    noise: arrow.makeData({ type: new arrow.Float64(), data: noise }),
  });
}
