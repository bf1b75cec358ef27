import assert from "node:assert/strict";
import { join } from "node:path";
import * as arrow from "apache-arrow";
import * as arrowRs from "parquet-wasm";
import {
  ArrowFileWriteError,
  arrowOptionsProblem,
  openArrowFileWriter,
} from "../../../src/formats/arrow_ipc/mod.ts";

const READER = new URL("./read_arrow_ipc.py", import.meta.url).pathname;

interface PyArrowFile {
  metadata: Record<string, string>;
  fields: [string, string][];
  rows: number;
  /** Rows of each record batch, in file order. */
  batches: number[];
  codecs: string[];
  columns: Record<string, string[]>;
}

/** Reads a file with the spec-based Python reader (no Arrow library involved). */
async function readWithPython(path: string): Promise<PyArrowFile> {
  const out = await new Deno.Command("/usr/bin/python3", { args: [READER, path] }).output();
  assert.ok(
    out.success,
    `read_arrow_ipc.py failed on ${path}:\n${new TextDecoder().decode(out.stderr)}`,
  );
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

function testBatch(first: number, rows: number): arrow.RecordBatch {
  const at = (f: (i: number) => number) => Array.from({ length: rows }, (_, i) => f(first + i));
  return new arrow.RecordBatch({
    timestamp_ns: arrow.makeData({
      type: new arrow.TimestampNanosecond(),
      data: BigInt64Array.from(at((i) => i), (i) => 1_700_000_000_000_000_000n + BigInt(i) * 100n),
    }),
    i8: arrow.makeData({
      type: new arrow.Int8(),
      data: Int8Array.from(at((i) => (i % 256) - 128)),
    }),
    u16: arrow.makeData({ type: new arrow.Uint16(), data: Uint16Array.from(at((i) => i * 7)) }),
    i32: arrow.makeData({ type: new arrow.Int32(), data: Int32Array.from(at((i) => -i * 1001)) }),
    u64: arrow.makeData({
      type: new arrow.Uint64(),
      data: BigUint64Array.from(at((i) => i), (i) => 2n ** 63n + BigInt(i)),
    }),
    f32: arrow.makeData({ type: new arrow.Float32(), data: Float32Array.from(at((i) => i / 4)) }),
    sine: arrow.makeData({ type: new arrow.Float64(), data: Float64Array.from(at(Math.sin)) }),
  });
}

/** Values of each column as the Python reader prints them: integers exact, floats as numbers. */
function expected(first: number, rows: number): Record<string, (string | number)[]> {
  const at = (f: (i: number) => string | number) =>
    Array.from({ length: rows }, (_, i) => f(first + i));
  return {
    timestamp_ns: at((i) => String(1_700_000_000_000_000_000n + BigInt(i) * 100n)),
    i8: at((i) => String((i % 256) - 128)),
    u16: at((i) => String((i * 7) % 65536)),
    i32: at((i) => String(-i * 1001)),
    u64: at((i) => String(2n ** 63n + BigInt(i))),
    f32: at((i) => i / 4),
    sine: at(Math.sin),
  };
}

function parsed(columns: Record<string, string[]>): Record<string, (string | number)[]> {
  return Object.fromEntries(
    Object.entries(columns).map((
      [name, values],
    ) => [name, name === "f32" || name === "sine" ? values.map(Number) : values]),
  );
}

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "daq_arrow_test_" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const compression of ["none", "lz4", "zstd"] as const) {
  Deno.test(`Arrow IPC file, ${compression}: every column reads back equal in an independent reader`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, `run.arrow`);
      const writer = openArrowFileWriter(path, { compression, metadata: { daq_config: "x = 1" } });
      writer.write(testBatch(0, 5000));
      writer.write(testBatch(5000, 3000));
      assert.equal(writer.rows, 8000);
      await writer.close();
      await writer.close();
      assert.equal(Deno.statSync(path).size, writer.bytes);
      const file = await readWithPython(path);
      assert.equal(file.rows, 8000);
      assert.deepEqual(file.codecs, [compression]);
      assert.equal(file.metadata.daq_config, "x = 1");
      assert.deepEqual(parsed(file.columns), expected(0, 8000));
      if (compression !== "none") {
        assert.ok(writer.bytes < 8000 * 31, `${compression} shrinks the file: ${writer.bytes}`);
      }
    });
  });
}

for (const compression of ["none", "lz4", "zstd"] as const) {
  Deno.test(`Arrow IPC file, ${compression}: small batches are gathered into larger record batches, written when full, at sync and at close`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "run.arrow");
      const writer = openArrowFileWriter(path, { compression, batchRows: 4096 });
      let next = 0;
      const write = (rows: number) => {
        writer.write(testBatch(next, rows));
        next += rows;
      };
      // 13 batches of 300 rows fit in 4096; the 14th makes the gathered 3900 rows go out.
      for (let i = 0; i < 20; i++) write(300);
      assert.equal(writer.batches, 1);
      assert.equal(writer.rows, 6000);
      assert.equal(writer.bufferedBytes, 2100 * 35); // 35 bytes a row
      await writer.sync();
      assert.equal(writer.batches, 2);
      assert.equal(writer.bufferedBytes, 0);
      // Half the target or more goes out as it is; 1000 more rows wait for the close.
      write(3000);
      assert.equal(writer.batches, 3);
      for (let i = 0; i < 10; i++) write(100);
      assert.equal(writer.batches, 3);
      await writer.close();
      assert.equal(writer.batches, 4);
      assert.equal(Deno.statSync(path).size, writer.bytes);
      const file = await readWithPython(path);
      assert.deepEqual(file.batches, [3900, 2100, 3000, 1000]);
      assert.equal(file.rows, 10_000);
      assert.deepEqual(parsed(file.columns), expected(0, 10_000));
    });
  });
}

Deno.test("Arrow IPC file: booleans at odd bit offsets and fixed-size lists are gathered; a batch with nulls is written as it comes", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "run.arrow");
    const type = new arrow.FixedSizeList(3, new arrow.Field("item", new arrow.Float32(), false));
    const fields = [
      new arrow.Field("flag", new arrow.Bool(), true),
      new arrow.Field("vec", type, true),
      new arrow.Field("i", new arrow.Int32(), true),
    ];
    const schema = new arrow.Schema(fields);
    const flag = (i: number) => i % 3 === 0 || i % 7 === 1;
    const batchOf = (first: number, rows: number, nullAt?: number) => {
      const bits = new Uint8Array(Math.ceil(rows / 8));
      for (let k = 0; k < rows; k++) if (flag(first + k)) bits[k >> 3] |= 1 << (k & 7);
      const validity = new Uint8Array(Math.ceil(rows / 8)).fill(0xff);
      if (nullAt !== undefined) validity[nullAt >> 3] &= ~(1 << (nullAt & 7));
      const ints = Int32Array.from({ length: rows }, (_, k) => first + k);
      return new arrow.RecordBatch(
        schema,
        arrow.makeData({
          type: new arrow.Struct(fields),
          length: rows,
          nullCount: 0,
          children: [
            arrow.makeData({ type: new arrow.Bool(), length: rows, nullCount: 0, data: bits }),
            arrow.makeData({
              type,
              length: rows,
              nullCount: 0,
              child: arrow.makeData({
                type: new arrow.Float32(),
                data: Float32Array.from({ length: 3 * rows }, (_, k) => 3 * first + k),
              }),
            }),
            nullAt === undefined
              ? arrow.makeData({ type: new arrow.Int32(), data: ints })
              : arrow.makeData({
                type: new arrow.Int32(),
                length: rows,
                nullCount: 1,
                nullBitmap: validity,
                data: ints,
              }),
          ],
        }),
      );
    };
    const writer = openArrowFileWriter(path, { batchRows: 100 });
    let next = 0;
    for (let i = 0; i < 40; i++) {
      // Batch 20 has a null: what is held goes out, then that batch on its own.
      writer.write(batchOf(next, 13, i === 20 ? 5 : undefined));
      next += 13;
    }
    await writer.close();
    const table = arrow.tableFromIPC(Deno.readFileSync(path));
    // 7 batches of 13 rows (91) fit in 100.
    assert.deepEqual(table.batches.map((b) => b.numRows), [91, 91, 78, 13, 91, 91, 65]);
    assert.equal(table.numRows, 520);
    const flags = table.getChild("flag")!;
    const vecs = table.getChild("vec")!;
    const ints = table.getChild("i")!;
    for (let i = 0; i < 520; i++) {
      assert.equal(flags.get(i), flag(i), `flag ${i}`);
      assert.deepEqual(
        Array.from(vecs.get(i)!.toArray()),
        [3 * i, 3 * i + 1, 3 * i + 2],
        `vec ${i}`,
      );
      assert.equal(ints.get(i), i === 20 * 13 + 5 ? null : i, `i ${i}`);
    }
  });
});

Deno.test("Arrow IPC file: arrow-rs (parquet-wasm) reads the stream inside the file, footer or not", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "run.arrow");
    const writer = openArrowFileWriter(path);
    writer.write(testBatch(0, 100));
    writer.write(testBatch(100, 100));
    await writer.sync();
    // Not closed yet: no footer, but the stream from offset 8 is whole up to the last batch.
    const open = Deno.readFileSync(path).subarray(8);
    const partial = arrow.tableFromIPC(arrowRs.Table.fromIPCStream(open).intoIPCStream());
    assert.equal(partial.numRows, 200);
    await writer.close();
    const table = arrow.tableFromIPC(Deno.readFileSync(path));
    assert.equal(table.numRows, 200);
    assert.equal(table.getChild("u64")!.get(199), 2n ** 63n + 199n);
  });
});

Deno.test("Arrow IPC file: a batch of other columns, bad options and an existing file are errors", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "run.arrow");
    const writer = openArrowFileWriter(path);
    writer.write(testBatch(0, 10));
    const other = arrow.tableFromArrays({ v: new Float64Array(3) }).batches[0];
    assert.throws(() => writer.write(other), ArrowFileWriteError);
    await writer.close();
    assert.throws(() => writer.write(testBatch(0, 1)), /already closed/);
    assert.throws(() => openArrowFileWriter(path), /Cannot create Arrow file .*run\.arrow/);
    assert.throws(
      () => openArrowFileWriter(join(dir, "b.arrow"), { compression: "lz5" as "lz4" }),
      RangeError,
    );
    assert.match(
      arrowOptionsProblem({ compression: "lz4", compressionLevel: 3 })!,
      /takes no compression_level/,
    );
    assert.match(
      arrowOptionsProblem({ compression: "zstd", compressionLevel: 30 })!,
      /1-22, got 30/,
    );
    assert.equal(arrowOptionsProblem({ compression: "zstd", compressionLevel: 3 }), undefined);
  });
});
