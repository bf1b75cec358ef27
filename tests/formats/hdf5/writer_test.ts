import assert from "node:assert/strict";
import { join, relative } from "node:path";
import * as arrow from "apache-arrow";
import {
  alignedChunkRows,
  Hdf5SchemaError,
  Hdf5WriteError,
  openHdf5Writer,
} from "../../../src/formats/hdf5/mod.ts";
import { ALL_TYPES, expectedValues, testBatch } from "./_batches.ts";
import { h5dump, intAttr, parseValues, readWithH5py } from "./_readers.ts";
import { assertColumn, withTempDir } from "./_assert.ts";

const NS_UNIT = "ns since 1970-01-01T00:00:00Z";

Deno.test("append layout: every column type reads back equal in h5py, with attributes", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "append.h5");
    const runStart = new Date("2025-01-02T03:04:05.000Z");
    const writer = await openHdf5Writer(path, {
      chunkRows: 100,
      config: '[store]\nformat = "hdf5"\n',
      softwareVersion: "daq 0.1.0-test",
      runStart,
    });
    writer.writeBatch("sim", testBatch(0, 250), { lost: 3 });
    writer.writeBatch("sim", testBatch(250, 1)); // one row
    writer.writeBatch("sim", testBatch(251, 0)); // empty batch
    const whole = testBatch(251, 400);
    writer.writeBatch("sim", whole.slice(0, 149)); // a sliced batch: offsets inside Arrow data
    writer.setLost("sim", 5);
    assert.ok(writer.sizeBytes() > 250 * 8);
    const result = writer.close();
    assert.deepEqual(result, { path, complete: true, rows: { sim: 400 }, batches: 4 });

    const file = await readWithH5py(path);
    for (const column of ALL_TYPES) assertColumn(file, `sim/${column.name}`, column, 0, 400);
    assert.equal(file.datasets["sim/timestamp_ns"].attrs.unit, NS_UNIT);
    assert.equal(file.datasets["sim/stamp"].attrs.unit, NS_UNIT);
    assert.deepEqual(intAttr(file.datasets["sim/flag"].attrs.is_bool), 1n);
    assert.deepEqual(file.datasets["sim/sine"].chunks, [100]);
    assert.deepEqual(file.datasets["sim/sine"].maxshape, [null]);
    assert.deepEqual(file.datasets["sim/position"].chunks, [100, 3]);
    assert.equal(file.datasets["sim/sine"].compression, null);
    assert.deepEqual(file.datasets["sim/_lost"].values, ["5"]);

    const schema = JSON.parse(file.groups.sim.arrow_schema as string);
    assert.deepEqual(
      schema.fields.map((f: { name: string }) => f.name),
      ALL_TYPES.map((c) => c.name),
    );
    assert.deepEqual(schema.fields[11].metadata, { unit: "V" });
    assert.equal(intAttr(file.groups.sim.lost_records), 5n);

    assert.equal(file.attrs.config, '[store]\nformat = "hdf5"\n');
    assert.equal(file.attrs.software_version, "daq 0.1.0-test");
    assert.equal(file.attrs.run_start, "2025-01-02T03:04:05.000Z");
    assert.equal(file.attrs.layout, "append");
    assert.equal(intAttr(file.attrs.complete), 1n);
    assert.deepEqual(JSON.parse(file.attrs.lost_records as string), { sim: 5 });
    const start = Date.parse(file.attrs.start_time as string);
    const stop = Date.parse(file.attrs.stop_time as string);
    assert.ok(
      start <= stop && stop <= Date.now(),
      `${file.attrs.start_time} .. ${file.attrs.stop_time}`,
    );

    // h5dump, the HDF5 tools' own reader, agrees on types and on values.
    const header = await h5dump(path, "-H");
    assert.match(header, /DATASET "timestamp_ns" \{\s*DATATYPE\s+H5T_STD_I64LE/);
    assert.match(header, /DATASET "u64" \{\s*DATATYPE\s+H5T_STD_U64LE/);
    assert.match(
      header,
      /DATASET "position" \{\s*DATATYPE\s+H5T_IEEE_F32LE\s*DATASPACE\s+SIMPLE \{ \( 400, 3 \) \/ \( H5S_UNLIMITED, 3 \) \}/,
    );
    const u64 = await h5dump(path, "-d", "/sim/u64", "-s", "399", "-c", "1");
    assert.match(u64, new RegExp(`\\(399\\): ${2n ** 63n + 399n * 3n}\\b`));
  });
});

Deno.test("append layout with gzip: datasets are deflate-compressed and read back equal", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "gzip.h5");
    const writer = await openHdf5Writer(path, { gzip: 1, chunkRows: 64 });
    writer.writeBatch("sim", testBatch(0, 100));
    writer.writeBatch("sim", testBatch(100, 100));
    assert.equal(writer.close().complete, true);
    const file = await readWithH5py(path);
    for (const column of ALL_TYPES) {
      assertColumn(file, `sim/${column.name}`, column, 0, 200);
      assert.equal(file.datasets[`sim/${column.name}`].compression, "gzip");
      assert.equal(file.datasets[`sim/${column.name}`].compressionOpts, 1);
    }
    assert.match(await h5dump(path, "-p", "-H"), /COMPRESSION DEFLATE \{ LEVEL 1 \}/);
  });
});

Deno.test("batches layout: one group per write with ring_tail and timestamp_ns, gzip 4", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "batches.h5");
    const writer = await openHdf5Writer(path, { layout: "batches", gzip: 4, chunkRows: 50 });
    writer.writeBatch("sim", testBatch(0, 120), { ringTail: 4096n, timestampNs: 1_000n });
    writer.writeBatch("other", testBatch(120, 30), { ringTail: 2n ** 40n, lost: 7 });
    const before = BigInt(Date.now()) * 1_000_000n;
    writer.writeBatch("sim", testBatch(150, 5));
    const result = writer.close();
    assert.deepEqual(result, { path, complete: true, rows: { sim: 125, other: 30 }, batches: 3 });

    const file = await readWithH5py(path);
    assert.deepEqual(
      Object.keys(file.groups).sort(),
      ["measurements", ...[1, 2, 3].map((n) => `measurements/batch_00000${n}`)],
    );
    const group = (n: number) => file.groups[`measurements/batch_00000${n}`];
    assert.equal(group(1).source, "sim");
    assert.equal(intAttr(group(1).ring_tail), 4096n);
    assert.equal(intAttr(group(1).timestamp_ns), 1_000n);
    assert.equal(group(2).source, "other");
    assert.equal(intAttr(group(2).ring_tail), 2n ** 40n);
    assert.equal(intAttr(group(2).lost_records), 7n);
    assert.equal("ring_tail" in group(3), false);
    const defaultStamp = intAttr(group(3).timestamp_ns);
    assert.ok(defaultStamp >= before - 1_000_000n && defaultStamp <= before + 10_000_000_000n);
    assert.equal(JSON.parse(group(1).arrow_schema as string).fields.length, ALL_TYPES.length);

    const firstRows = [0, 120, 150];
    const rows = [120, 30, 5];
    for (let n = 1; n <= 3; n++) {
      for (const column of ALL_TYPES) {
        const dataset = `measurements/batch_00000${n}/${column.name}`;
        assertColumn(file, dataset, column, firstRows[n - 1], rows[n - 1]);
        assert.equal(file.datasets[dataset].compression, "gzip");
        assert.equal(file.datasets[dataset].compressionOpts, 4);
      }
    }
    assert.deepEqual(file.datasets["measurements/batch_000001/sine"].chunks, [50]);
    assert.deepEqual(JSON.parse(file.attrs.lost_records as string), { sim: 0, other: 7 });
    assert.equal(file.attrs.layout, "batches");
  });
});

Deno.test("origin attribute: every remote supervisor a source's batches came from, as h5py reads it", async () => {
  await withTempDir(async (dir) => {
    const appended = join(dir, "append.h5");
    const writer = await openHdf5Writer(appended, { swmr: true });
    writer.writeBatch("sim", testBatch(0, 10));
    writer.writeBatch("remote", testBatch(10, 10), { origin: "lab-a" });
    writer.writeBatch("remote", testBatch(20, 10), { origin: "lab-a" });
    writer.writeBatch("remote", testBatch(30, 10), { origin: "lab-b" });
    assert.equal(writer.close().complete, true);
    const file = await readWithH5py(appended);
    assert.equal(file.groups.remote.origin, "lab-a, lab-b");
    assert.equal("origin" in file.groups.sim, false, "local data has no origin");
    assert.equal(file.datasets["remote/sine"].shape[0], 30);

    const grouped = join(dir, "batches.h5");
    const batches = await openHdf5Writer(grouped, { layout: "batches" });
    batches.writeBatch("remote", testBatch(0, 5), { origin: "lab-a" });
    batches.writeBatch("sim", testBatch(5, 5));
    batches.close();
    const groups = (await readWithH5py(grouped)).groups;
    assert.equal(groups["measurements/batch_000001"].origin, "lab-a");
    assert.equal("origin" in groups["measurements/batch_000002"], false);
  });
});

Deno.test("batches layout without gzip: contiguous datasets that h5dump prints", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "plain.h5");
    const writer = await openHdf5Writer(path, { layout: "batches" });
    writer.writeBatch("sim", testBatch(0, 4));
    writer.close();
    const dump = await h5dump(path, "-d", "/measurements/batch_000001/pair");
    assert.match(dump, /DATASPACE\s+SIMPLE \{ \( 4, 2 \) \/ \( 4, 2 \) \}/);
    assert.match(dump, /\(0,0\): 0, 0,\s*\(1,0\): 1, -1,\s*\(2,0\): 2, -2,\s*\(3,0\): 3, -3/);
  });
});

Deno.test("append layout: a new source and a new column after SWMR started", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "grow.h5");
    const [timestamps, sine, flag] = [ALL_TYPES[0], ALL_TYPES[11], ALL_TYPES[12]];
    const writer = await openHdf5Writer(path);
    writer.writeBatch("a", testBatch(0, 10, [timestamps, sine]));
    writer.writeBatch("b", testBatch(0, 5, [timestamps]));
    writer.writeBatch("a", testBatch(10, 10, [timestamps, sine, flag]));
    writer.writeBatch("a", testBatch(20, 10, [timestamps, flag])); // sine missing
    assert.deepEqual(writer.close().rows, { a: 30, b: 5 });

    const file = await readWithH5py(path);
    assertColumn(file, "a/timestamp_ns", timestamps, 0, 30);
    assertColumn(file, "b/timestamp_ns", timestamps, 0, 5);
    const flagValues = parseValues(file.datasets["a/flag"].values, true);
    assert.deepEqual(flagValues.slice(0, 10), new Array(10).fill(0n));
    assert.deepEqual(flagValues.slice(10), expectedValues(flag, 10, 20));
    assert.equal(intAttr(file.datasets["a/flag"].attrs.first_row), 10n);
    const sineValues = parseValues(file.datasets["a/sine"].values, false);
    assert.deepEqual(sineValues.slice(0, 20), expectedValues(sine, 0, 20));
    assert.deepEqual(sineValues.slice(20), new Array(10).fill(0));
    assert.equal(JSON.parse(file.groups.a.arrow_schema as string).fields.length, 3);
  });
});

Deno.test("declared sources are in the file before the first write", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "declared.h5");
    const schema = testBatch(0, 1).schema;
    const writer = await openHdf5Writer(path, { sources: { sim: schema } });
    await assert.rejects(readWithH5py(path), /already open for write/);
    const early = await readWithH5py(path, true);
    assert.deepEqual(early.datasets["sim/sine"].shape, [0]);
    assert.deepEqual(early.datasets["sim/position"].shape, [0, 3]);
    assert.equal(intAttr(early.attrs.complete), 0n);
    writer.writeBatch("sim", testBatch(0, 3));
    writer.close();
    assertColumn(await readWithH5py(path), "sim/sine", ALL_TYPES[11], 0, 3);
  });
});

Deno.test("nulls are stored as NaN in float columns and 0 in integer columns", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "nulls.h5");
    const validity = new Uint8Array([0b101]); // row 1 is null
    const batch = new arrow.RecordBatch({
      x: arrow.makeData({
        type: new arrow.Float64(),
        data: new Float64Array([1, 2, 3]),
        nullBitmap: validity,
      }),
      n: arrow.makeData({
        type: new arrow.Int32(),
        data: new Int32Array([4, 5, 6]),
        nullBitmap: validity,
      }),
    });
    const writer = await openHdf5Writer(path);
    writer.writeBatch("s", batch);
    writer.close();
    const file = await readWithH5py(path);
    assert.deepEqual(file.datasets["s/x"].values, ["1.0", "nan", "3.0"]);
    assert.deepEqual(file.datasets["s/n"].values, ["4", "0", "6"]);
  });
});

Deno.test("unsupported columns throw Hdf5SchemaError naming the column; the file stays good", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "schema.h5");
    const writer = await openHdf5Writer(path);
    writer.writeBatch("sim", testBatch(0, 5, [ALL_TYPES[11]]));
    const text = new arrow.RecordBatch({
      label: arrow.vectorFromArray(["a", "b"], new arrow.Utf8()).data[0],
    });
    assert.throws(
      () => writer.writeBatch("sim", text),
      (error: Error) =>
        error instanceof Hdf5SchemaError && /"label"/.test(error.message) &&
        /Utf8/.test(error.message),
    );
    const half = new arrow.RecordBatch({
      h: arrow.makeData({ type: new arrow.Float16(), data: new Uint16Array(2) }),
    });
    assert.throws(() => writer.writeBatch("sim", half), /Column "h" of source "sim"/);
    const retyped = new arrow.RecordBatch({
      sine: arrow.makeData({ type: new arrow.Float32(), data: new Float32Array(2) }),
    });
    assert.throws(
      () => writer.writeBatch("sim", retyped),
      (error: Error) => error instanceof Hdf5SchemaError && /changed type/.test(error.message),
    );
    assert.throws(() => writer.writeBatch("a/b", testBatch(0, 1)), Hdf5SchemaError);
    const lostColumn = new arrow.RecordBatch({
      _lost: arrow.makeData({ type: new arrow.Float64(), data: new Float64Array(1) }),
    });
    assert.throws(() => writer.writeBatch("sim", lostColumn), Hdf5SchemaError);
    writer.writeBatch("sim", testBatch(5, 5, [ALL_TYPES[11]]));
    const result = writer.close();
    assert.equal(result.complete, true);
    assertColumn(await readWithH5py(path), "sim/sine", ALL_TYPES[11], 0, 10);
  });
});

Deno.test("an existing file is never overwritten", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "exists.h5");
    await Deno.writeTextFile(path, "precious");
    await assert.rejects(
      openHdf5Writer(path),
      (error: Error) =>
        error instanceof Hdf5WriteError && error.path === path &&
        error.message.includes(path) && /already exists/.test(error.message),
    );
    assert.equal(await Deno.readTextFile(path), "precious");
  });
});

Deno.test("relative and absolute paths both work", async () => {
  await withTempDir(async (dir) => {
    const absolute = join(dir, "absolute.h5");
    const relativePath = relative(Deno.cwd(), join(dir, "relative.h5"));
    assert.ok(!relativePath.startsWith("/"));
    for (const path of [absolute, relativePath]) {
      const writer = await openHdf5Writer(path);
      writer.writeBatch("sim", testBatch(0, 3, [ALL_TYPES[0]]));
      writer.close();
    }
    assertColumn(await readWithH5py(absolute), "sim/timestamp_ns", ALL_TYPES[0], 0, 3);
    assertColumn(
      await readWithH5py(join(dir, "relative.h5")),
      "sim/timestamp_ns",
      ALL_TYPES[0],
      0,
      3,
    );
  });
});

Deno.test("a missing folder gives Hdf5WriteError naming the path", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "no", "such", "folder", "x.h5");
    await assert.rejects(
      openHdf5Writer(path),
      (error: Error) =>
        error instanceof Hdf5WriteError && error.message.includes(path) &&
        /folder does not exist/.test(error.message),
    );
  });
});

/** Makes `dir` unwritable: mode 555, and for root (which ignores modes) the immutable flag. */
async function makeReadOnly(dir: string): Promise<() => Promise<void>> {
  await Deno.chmod(dir, 0o555);
  if (Deno.uid() !== 0) return () => Deno.chmod(dir, 0o755);
  const chattr = await new Deno.Command("chattr", { args: ["+i", dir] }).output();
  assert.ok(chattr.success, "running as root needs chattr +i to make a read-only folder");
  return async () => {
    await new Deno.Command("chattr", { args: ["-i", dir] }).output();
    await Deno.chmod(dir, 0o755);
  };
}

Deno.test("a read-only folder gives Hdf5WriteError naming the path", async () => {
  await withTempDir(async (dir) => {
    const readOnly = join(dir, "readonly");
    await Deno.mkdir(readOnly);
    const restore = await makeReadOnly(readOnly);
    try {
      const path = join(readOnly, "x.h5");
      await assert.rejects(
        openHdf5Writer(path),
        (error: Error) =>
          error instanceof Hdf5WriteError && error.path === path &&
          error.message.includes(path) && /read-only/.test(error.message),
      );
    } finally {
      await restore();
    }
    assert.deepEqual([...Deno.readDirSync(readOnly)], []);
  });
});

Deno.test("close is idempotent and later writes throw", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "closed.h5");
    const writer = await openHdf5Writer(path);
    writer.writeBatch("sim", testBatch(0, 2, [ALL_TYPES[0]]));
    const first = writer.close();
    assert.equal(writer.close(), first);
    assert.throws(() => writer.writeBatch("sim", testBatch(2, 2, [ALL_TYPES[0]])), Hdf5WriteError);
    assert.throws(() => writer.setLost("sim", 1), /already closed/);
    assert.equal(intAttr((await readWithH5py(path)).attrs.complete), 1n);
  });
});

Deno.test("bad options are refused before a file is created", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "options.h5");
    await assert.rejects(openHdf5Writer(path, { gzip: 10 }), RangeError);
    await assert.rejects(openHdf5Writer(path, { chunkRows: 0 }), RangeError);
    const text = new arrow.Schema([new arrow.Field("s", new arrow.Utf8())]);
    await assert.rejects(openHdf5Writer(path, { sources: { sim: text } }), Hdf5SchemaError);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

/** Mounts a 256 KiB tmpfs (needs root); `undefined` when this machine does not allow it. */
async function mountTinyDisk(dir: string): Promise<(() => Promise<void>) | undefined> {
  if (Deno.build.os !== "linux" || Deno.uid() !== 0) return undefined;
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=256k", "tmpfs", dir],
    stderr: "null",
  }).output();
  if (!mount.success) return undefined;
  return async () => {
    await new Deno.Command("umount", { args: [dir] }).output();
  };
}

Deno.test("a full disk gives Hdf5WriteError naming the path and an incomplete file", async (t) => {
  await withTempDir(async (dir) => {
    const disk = join(dir, "disk");
    await Deno.mkdir(disk);
    const unmount = await mountTinyDisk(disk);
    if (unmount === undefined) {
      // Needs root and tmpfs; the step is reported as ignored elsewhere.
      await t.step({ name: "needs root to mount a tmpfs", ignore: true, fn: () => {} });
      return;
    }
    try {
      const path = join(disk, "full.h5");
      const writer = await openHdf5Writer(path);
      let failure: unknown;
      let written = 0;
      for (; written < 100 && failure === undefined; written++) {
        try {
          writer.writeBatch("sim", testBatch(written * 1000, 1000, [ALL_TYPES[0], ALL_TYPES[11]]));
        } catch (error) {
          failure = error;
        }
      }
      assert.ok(failure instanceof Hdf5WriteError, `no error after ${written} batches`);
      assert.equal(failure.path, path);
      assert.ok(failure.message.includes(path), failure.message);
      assert.match(failure.message, /No space left on device/);
      assert.throws(() => writer.writeBatch("sim", testBatch(0, 1)), /failed earlier/);
      const result = writer.close();
      assert.equal(result.complete, false);
      assert.match(result.error!, /No space left on device/);
    } finally {
      await unmount();
    }
  });
});

Deno.test("default chunks follow the first batch of each source (at least 1024 rows)", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "chunks.h5");
    const writer = await openHdf5Writer(path, { gzip: 1 });
    writer.writeBatch("big", testBatch(0, 3000, [ALL_TYPES[11], ALL_TYPES[13]]));
    writer.writeBatch("big", testBatch(3000, 10, [ALL_TYPES[11], ALL_TYPES[13]]));
    writer.writeBatch("small", testBatch(0, 100, [ALL_TYPES[11]]));
    writer.close();
    const file = await readWithH5py(path);
    assert.deepEqual(file.datasets["big/sine"].chunks, [3000]);
    assert.deepEqual(file.datasets["big/position"].chunks, [3000, 3]);
    assert.deepEqual(file.datasets["small/sine"].chunks, [1024]);
    assertColumn(file, "big/position", ALL_TYPES[13], 0, 3010);
  });
});

Deno.test("alignedChunkRows: whole messages up to 1 MiB a chunk of the widest column", () => {
  const schema = new arrow.Schema([
    new arrow.Field("timestamp_ns", new arrow.Int64()),
    new arrow.Field("v", new arrow.Float32()),
  ]);
  assert.equal(alignedChunkRows("s", schema, 1000), 131_000);
  assert.equal(alignedChunkRows("s", schema, 100_000), 100_000);
  assert.equal(alignedChunkRows("s", schema, 1), 131_072);
  assert.equal(alignedChunkRows("s", schema, 200_000), 131_072, "a message larger than a chunk");
  assert.equal(alignedChunkRows("s", schema, 0), 131_072);
  const wave = new arrow.Schema([
    new arrow.Field("w", new arrow.FixedSizeList(256, new arrow.Field("x", new arrow.Float64()))),
  ]);
  assert.equal(alignedChunkRows("s", wave, 100), 500, "2 KiB rows: 512 rows, whole messages 500");
});
