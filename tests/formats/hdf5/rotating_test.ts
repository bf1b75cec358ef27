import assert from "node:assert/strict";
import { basename, join } from "node:path";
import {
  type Hdf5CloseResult,
  nextFileName,
  openRotatingHdf5Writer,
} from "../../../src/formats/hdf5/mod.ts";
import { ALL_TYPES, testBatch } from "./_batches.ts";
import { intAttr, parseValues, readWithH5py } from "./_readers.ts";

const COLUMNS = [ALL_TYPES[0], ALL_TYPES[11]];

Deno.test("rotation by size: every file is complete, named in order, and rows add up", async () => {
  const dir = await Deno.makeTempDir({ prefix: "daq_hdf5_rotate_" });
  try {
    const closed: Hdf5CloseResult[] = [];
    const runStart = new Date("2025-05-06T07:08:09Z");
    const writer = await openRotatingHdf5Writer({
      dir,
      prefix: "run",
      maxBytes: 40_000,
      runStart,
      config: "rotating",
      onFileClosed: (result) => closed.push(result),
    });
    const firstPath = writer.path;
    assert.match(basename(firstPath), /^run_\d{8}-\d{6}_001\.h5$/);
    writer.setLost("sim", 4);
    for (let n = 0; n < 20; n++) writer.writeBatch("sim", testBatch(n * 500, 500, COLUMNS));
    const last = writer.close();
    assert.equal(writer.close(), last);
    assert.equal(closed.at(-1), last);
    assert.ok(closed.length >= 3, `only ${closed.length} files`);
    assert.equal(closed[0].path, firstPath);

    const names = closed.map((result) => basename(result.path));
    assert.deepEqual([...names].sort(), names, "names sort in writing order");
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((entry) => entry.name).sort(),
      [...names].sort(),
    );
    let row = 0;
    for (const result of closed) {
      assert.equal(result.complete, true);
      const file = await readWithH5py(result.path);
      assert.equal(intAttr(file.attrs.complete), 1n);
      assert.equal(file.attrs.run_start, runStart.toISOString());
      assert.equal(file.attrs.config, "rotating");
      assert.deepEqual(JSON.parse(file.attrs.lost_records as string), { sim: 4 });
      const stamps = parseValues(file.datasets["sim/timestamp_ns"].values, true);
      assert.equal(stamps.length, result.rows.sim);
      assert.deepEqual(stamps[0], COLUMNS[0].valuesOf(row)[0], `first row of ${result.path}`);
      row += result.rows.sim;
    }
    assert.equal(row, 20 * 500);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rotation never overwrites: existing names are skipped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "daq_hdf5_rotate_" });
  try {
    await Deno.writeTextFile(join(dir, "run_001.h5"), "old data");
    await Deno.writeTextFile(join(dir, "run_002.h5"), "old data");
    assert.equal(nextFileName(dir, "run", { ext: ".h5", date: null }), join(dir, "run_003.h5"));
    const writer = await openRotatingHdf5Writer({
      dir,
      prefix: "run",
      dateInName: false,
      maxSeconds: 0, // every write starts a new file
    });
    for (let n = 0; n < 3; n++) writer.writeBatch("sim", testBatch(n * 10, 10, COLUMNS));
    writer.close();
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((entry) => entry.name).sort(),
      ["run_001.h5", "run_002.h5", "run_003.h5", "run_004.h5", "run_005.h5"],
    );
    assert.equal(await Deno.readTextFile(join(dir, "run_001.h5")), "old data");
    assert.equal(await Deno.readTextFile(join(dir, "run_002.h5")), "old data");
    for (const [index, name] of ["run_003.h5", "run_004.h5", "run_005.h5"].entries()) {
      const file = await readWithH5py(join(dir, name));
      assert.deepEqual(
        parseValues(file.datasets["sim/sine"].values, false),
        Array.from({ length: 10 }, (_, i) => COLUMNS[1].valuesOf(index * 10 + i)[0]),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
