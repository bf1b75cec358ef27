import assert from "node:assert/strict";
import { join } from "node:path";
import * as arrow from "apache-arrow";
import * as arrowRs from "parquet-wasm";
import {
  openParquetWriter,
  parquetOptionsProblem,
  ParquetSchemaError,
} from "../../../src/formats/parquet/mod.ts";

const BASE_NS = 1_700_000_000_000_000_000n;

function testBatch(first: number, rows: number): arrow.RecordBatch {
  const at = <T>(f: (i: number) => T) => Array.from({ length: rows }, (_, i) => f(first + i));
  const bits = new Uint8Array(Math.ceil(rows / 8));
  at((i) => i % 3 === 0).forEach((b, i) => b && (bits[i >> 3] |= 1 << (i & 7)));
  return new arrow.RecordBatch({
    timestamp_ns: arrow.makeData({
      type: new arrow.TimestampNanosecond("UTC"),
      data: BigInt64Array.from(at((i) => BASE_NS + BigInt(i) * 100_000n)),
    }),
    i8: arrow.makeData({
      type: new arrow.Int8(),
      data: Int8Array.from(at((i) => (i % 256) - 128)),
    }),
    u16: arrow.makeData({ type: new arrow.Uint16(), data: Uint16Array.from(at((i) => i * 7)) }),
    i32: arrow.makeData({ type: new arrow.Int32(), data: Int32Array.from(at((i) => -i * 1001)) }),
    u64: arrow.makeData({
      type: new arrow.Uint64(),
      data: BigUint64Array.from(at((i) => 2n ** 63n + BigInt(i))),
    }),
    f32: arrow.makeData({ type: new arrow.Float32(), data: Float32Array.from(at((i) => i / 4)) }),
    sine: arrow.makeData({ type: new arrow.Float64(), data: Float64Array.from(at(Math.sin)) }),
    flag: arrow.makeData({ type: new arrow.Bool(), data: bits, length: rows }),
  });
}

/** Reads a file with arrow-rs (parquet-wasm), a reader that shares no code with the writer. */
function readWithArrowRs(path: string): arrow.Table {
  return arrow.tableFromIPC(arrowRs.readParquet(Deno.readFileSync(path)).intoIPCStream());
}

function assertRows(table: arrow.Table, rows: number): void {
  assert.equal(table.numRows, rows);
  const column = <T>(name: string) => Array.from(table.getChild(name)!.toArray() as ArrayLike<T>);
  const i = Array.from({ length: rows }, (_, k) => k);
  // arrow-rs returns timestamps as Timestamp<NANOSECOND, UTC>: compare the raw int64 values.
  const ts = table.getChild("timestamp_ns")!;
  assert.equal(String(ts.type), "Timestamp<NANOSECOND, UTC>");
  const raw = ts.data.flatMap((d) => Array.from(d.values as BigInt64Array));
  assert.deepEqual(raw, i.map((k) => BASE_NS + BigInt(k) * 100_000n));
  assert.deepEqual(column("i8"), i.map((k) => (k % 256) - 128));
  assert.deepEqual(column("u16"), i.map((k) => (k * 7) % 65536));
  assert.deepEqual(column("i32"), i.map((k) => (-k * 1001) | 0));
  assert.deepEqual(column("u64"), i.map((k) => 2n ** 63n + BigInt(k)));
  assert.deepEqual(column("f32"), i.map((k) => k / 4));
  assert.deepEqual(column("sine"), i.map(Math.sin));
  assert.deepEqual(i.map((k) => table.getChild("flag")!.get(k)), i.map((k) => k % 3 === 0));
  assert.deepEqual(
    table.schema.fields.map((f) => String(f.type)),
    [
      "Timestamp<NANOSECOND, UTC>",
      "Int8",
      "Uint16",
      "Int32",
      "Uint64",
      "Float32",
      "Float64",
      "Bool",
    ],
  );
}

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "daq_parquet_test_" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const compression of ["none", "zstd", "lz4"] as const) {
  Deno.test(`Parquet ${compression}: row groups by size, every column read back equal by arrow-rs`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "run.parquet");
      // ~35 bytes a row: 64 KiB row groups hold about 1900 rows; 8 KiB pages split them.
      const writer = openParquetWriter(path, {
        compression,
        rowGroupBytes: 64 << 10,
        pageBytes: 8 << 10,
        metadata: { daq_config: "x = 1" },
      });
      for (let first = 0; first < 9000; first += 1000) writer.write(testBatch(first, 1000));
      writer.write(testBatch(9000, 77));
      await writer.flush();
      await writer.close();
      await writer.close();
      assert.ok(writer.rowGroups >= 4, `row groups: ${writer.rowGroups}`);
      assert.equal(Deno.statSync(path).size, writer.bytes);
      const table = readWithArrowRs(path);
      assertRows(table, 9077);
      assert.equal(table.schema.metadata.get("daq_config"), "x = 1");
      if (compression !== "none") {
        const plain = join(dir, "plain.parquet");
        const other = openParquetWriter(plain);
        for (let first = 0; first < 9000; first += 1000) other.write(testBatch(first, 1000));
        other.write(testBatch(9000, 77));
        await other.close();
        assert.ok(writer.bytes < other.bytes * 0.8, `${writer.bytes} vs ${other.bytes}`);
      }
    });
  });
}

Deno.test("Parquet: nulls, unsupported types, other columns and bad options are errors naming them", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "run.parquet");
    const writer = openParquetWriter(path);
    const text = arrow.tableFromArrays({ s: ["a", "b"] }).batches[0];
    assert.throws(
      () => writer.write(text),
      (e) => e instanceof ParquetSchemaError && /"s"/.test(e.message),
    );
    const nulls = arrow.makeVector({
      type: new arrow.Float64(),
      data: new Float64Array(3),
      nullCount: 1,
      nullBitmap: Uint8Array.of(0b101),
    });
    const writer2 = openParquetWriter(join(dir, "n.parquet"));
    assert.throws(
      () => writer2.write(new arrow.RecordBatch({ v: nulls.data[0] })),
      /Column "v" has 1 nulls/,
    );
    writer.write(testBatch(0, 10));
    assert.throws(
      () => writer.write(arrow.tableFromArrays({ v: new Float64Array(2) }).batches[0]),
      /one schema/,
    );
    await writer.close();
    await writer2.close();
    assert.throws(() => openParquetWriter(path), /Cannot create Parquet file/);
    assert.match(parquetOptionsProblem({ compression: "snappy" as "zstd" })!, /none, zstd or lz4/);
    assert.match(parquetOptionsProblem({ compression: "lz4", compressionLevel: 2 })!, /takes no/);
    assert.match(
      parquetOptionsProblem({ rowGroupBytes: 10 })!,
      /row_group_size must be at least 1 KiB/,
    );
    assert.equal(readWithArrowRs(path).numRows, 10);
  });
});
