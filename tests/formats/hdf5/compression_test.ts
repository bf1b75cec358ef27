import assert from "node:assert/strict";
import { join } from "node:path";
import * as arrow from "apache-arrow";
import {
  type Hdf5Compression,
  hdf5CompressionProblem,
  openHdf5Writer,
} from "../../../src/formats/hdf5/mod.ts";
import { ALL_TYPES, testBatch } from "./_batches.ts";
import { h5dump, PYTHON, readWithH5py } from "./_readers.ts";
import { assertColumn, withTempDir } from "./_assert.ts";

/** Settings Debian's h5py and h5dump decode (plugins of hdf5-filter-plugin and bitshuffle). */
const DEBIAN_READABLE: [Hdf5Compression, number, RegExp][] = [
  [{ algorithm: "lz4" }, 32004, /FILTER_ID 32004/],
  [{ algorithm: "bitshuffle-lz4" }, 32008, /FILTER_ID 32008/],
  [{ algorithm: "gzip", level: 3 }, 1, /COMPRESSION DEFLATE \{ LEVEL 3 \}/],
];

for (const [compression, filterId, h5dumpFilter] of DEBIAN_READABLE) {
  Deno.test(`${compression.algorithm}: every column type reads back equal in h5py and h5dump`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, `${compression.algorithm}.h5`);
      // 64-row chunks: 200 rows leave a partly filled last chunk; the second batch rewrites
      // the partly filled chunk the first one left.
      const writer = await openHdf5Writer(path, { compression, chunkRows: 64 });
      writer.writeBatch("sim", testBatch(0, 100));
      writer.writeBatch("sim", testBatch(100, 100));
      assert.equal(writer.close().complete, true);
      const file = await readWithH5py(path);
      for (const column of ALL_TYPES) {
        assertColumn(file, `sim/${column.name}`, column, 0, 200);
        assert.deepEqual(file.datasets[`sim/${column.name}`].filters, [filterId], column.name);
      }
      assert.deepEqual(file.datasets["sim/_lost"].filters, []);
      assert.match(await h5dump(path, "-p", "-H", "-d", "/sim/sine"), h5dumpFilter);
      const last = await h5dump(path, "-d", "/sim/i64", "-s", "199", "-c", "1");
      assert.match(last, new RegExp(`\\(199\\): ${-(2n ** 62n) + 199n * 1234567890123n}\\b`));
    });
  });
}

Deno.test("lz4 and bitshuffle-lz4 store incompressible data and shrink compressible data", async () => {
  await withTempDir(async (dir) => {
    const rows = 65536;
    const random = new Float64Array(rows);
    const bytes = new Uint8Array(random.buffer);
    for (let at = 0; at < bytes.length; at += 65536) {
      crypto.getRandomValues(bytes.subarray(at, at + 65536));
    }
    for (let i = 0; i < rows; i++) if (!Number.isFinite(random[i])) random[i] = i;
    const steps = BigInt64Array.from(
      { length: rows },
      (_, i) => 1_700_000_000_000_000_000n + BigInt(i) * 100_000n,
    );
    const batch = new arrow.RecordBatch({
      random: arrow.makeData({ type: new arrow.Float64(), data: random }),
      timestamp_ns: arrow.makeData({ type: new arrow.Int64(), data: steps }),
    });
    for (const algorithm of ["lz4", "bitshuffle-lz4"] as const) {
      const path = join(dir, `${algorithm}.h5`);
      const writer = await openHdf5Writer(path, { compression: { algorithm }, chunkRows: 8192 });
      writer.writeBatch("sim", batch);
      writer.close();
      const script = `
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    r, t = f["sim/random"], f["sim/timestamp_ns"]
    print(r[:].tobytes() == open(sys.argv[2], "rb").read(), int(t[-1]), r.id.get_storage_size(), t.id.get_storage_size())
`;
      const expected = join(dir, "random.bin");
      await Deno.writeFile(expected, bytes);
      const out = await new Deno.Command(PYTHON, { args: ["-c", script, path, expected] })
        .output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const [equal, lastTs, randomBytes, tsBytes] = new TextDecoder().decode(out.stdout).trim()
        .split(" ");
      assert.equal(equal, "True", `${algorithm}: random values read back equal`);
      assert.equal(BigInt(lastTs), steps[rows - 1]);
      assert.ok(Number(randomBytes) >= rows * 8, `${algorithm}: random data cannot shrink`);
      // Plain LZ4 finds little in 8-byte steps; bit-shuffled, they are mostly zero bit planes.
      const bound = algorithm === "lz4" ? 0.9 : 0.2;
      assert.ok(Number(tsBytes) < rows * 8 * bound, `${algorithm}: timestamps ${tsBytes} bytes`);
    }
  });
});

Deno.test("zstd: written with the HDF Group's zstd filter (Debian 12 ships no zstd plugin), read back by h5wasm", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "zstd.h5");
    const writer = await openHdf5Writer(path, {
      compression: { algorithm: "zstd", level: 3 },
      chunkRows: 64,
    });
    writer.writeBatch("sim", testBatch(0, 150));
    writer.close();
    // h5dump names the filter without decoding it.
    assert.match(await h5dump(path, "-p", "-H", "-d", "/sim/sine"), /FILTER_ID 32015/);
    const h5wasm = (await import("h5wasm/node")).default;
    const file = new h5wasm.File(path, "r");
    try {
      const sine = file.get("sim/sine") as InstanceType<typeof h5wasm.Dataset>;
      assert.deepEqual(sine.filters.map((f) => f.id), [32015]);
      const values = Array.from(sine.value as Float64Array);
      assert.deepEqual(values, Array.from({ length: 150 }, (_, i) => Math.sin(i) * 1e3));
    } finally {
      file.close();
    }
  });
});

Deno.test("compression settings are checked and errors name the field", async () => {
  assert.equal(hdf5CompressionProblem({ algorithm: "lz4" }), undefined);
  assert.equal(hdf5CompressionProblem({ algorithm: "zstd", level: 22 }), undefined);
  assert.match(
    hdf5CompressionProblem({ algorithm: "zstd", level: 23 })!,
    /compression_level.*1-22/,
  );
  assert.match(
    hdf5CompressionProblem({ algorithm: "lz4", level: 3 })!,
    /takes no compression_level/,
  );
  assert.match(hdf5CompressionProblem({ algorithm: "lz4", shuffle: true })!, /shuffle = true/);
  assert.equal(hdf5CompressionProblem({ algorithm: "lz4", shuffle: false }), undefined);
  assert.match(hdf5CompressionProblem({ algorithm: "blosc-lz4" as "lz4" })!, /Blosc filter fails/);
  assert.match(
    hdf5CompressionProblem({ algorithm: "brotli" as "lz4" })!,
    /compression must be one of none, lz4, bitshuffle-lz4/,
  );
  await withTempDir(async (dir) => {
    const path = join(dir, "bad.h5");
    await assert.rejects(
      openHdf5Writer(path, { compression: { algorithm: "gzip", level: 0 } }),
      /compression_level of "gzip" must be an integer 1-9, got 0/,
    );
    await assert.rejects(
      openHdf5Writer(path, { gzip: 1, compression: { algorithm: "lz4" } }),
      /either gzip or compression/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});
