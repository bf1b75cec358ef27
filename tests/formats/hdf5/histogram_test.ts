import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import { openHdf5Writer } from "../../../src/formats/hdf5/mod.ts";
import { readWithH5py } from "./_readers.ts";

function histogram(counts: number[], under: number, over: number) {
  const edges = Float64Array.from({ length: counts.length + 1 }, (_, i) => i * 0.5);
  return {
    name: "energy",
    counts: Float64Array.from(counts),
    edges,
    underflow: under,
    overflow: over,
    nan: 1,
    entries: counts.reduce((s, c) => s + c, 0) + under + over + 1,
    attributes: { column: "energy", unit: "keV" },
  };
}

for (const layout of ["append", "batches"] as const) {
  Deno.test(`HDF5 (${layout}): a histogram beside data, rewritten in place, read by h5py`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "daq_hdf5_hist_" });
    try {
      const path = `${dir}/run.h5`;
      const w = await openHdf5Writer(path, { layout });
      const batch = new arrow.RecordBatch({
        x: arrow.makeData({ type: new arrow.Float64(), data: Float64Array.of(1, 2) }),
      });
      w.writeBatch("sim", batch);
      w.writeHistogram("hist", histogram([1, 2, 3], 4, 5));
      w.writeBatch("sim", batch);
      w.writeHistogram("hist", histogram([10, 20, 30], 40, 50));
      const result = w.close();
      assert.equal(result.complete, true);

      const file = await readWithH5py(path);
      const g = "histograms/hist/energy";
      const values = (name: string) => file.datasets[`${g}/${name}`].values.map(Number);
      assert.deepEqual(values("counts"), [10, 20, 30]);
      assert.deepEqual(values("edges"), [0, 0.5, 1, 1.5]);
      assert.deepEqual(values("underflow"), [40]);
      assert.deepEqual(values("overflow"), [50]);
      assert.deepEqual(values("nan"), [1]);
      assert.deepEqual(values("entries"), [151]);
      assert.equal(file.datasets[`${g}/counts`].dtype, "<f8");
      assert.equal(file.groups[g].kind, "histogram");
      assert.equal(file.groups[g].unit, "keV");
      if (layout === "append") {
        assert.deepEqual(file.datasets["sim/x"].values.map(Number), [1, 2, 1, 2]);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("HDF5: a histogram whose bins change is refused, the file stays usable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "daq_hdf5_hist_" });
  try {
    const w = await openHdf5Writer(`${dir}/run.h5`);
    w.writeHistogram("hist", histogram([1, 2, 3], 0, 0));
    assert.throws(
      () => w.writeHistogram("hist", histogram([1, 2], 0, 0)),
      /changed from 3 to 2 bins/,
    );
    w.writeHistogram("hist", histogram([3, 2, 1], 0, 0));
    assert.equal(w.close().complete, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
