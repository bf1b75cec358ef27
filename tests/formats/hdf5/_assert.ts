/** Assertions shared by the HDF5 writer tests. */

import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import { expectedValues, type TestColumn } from "./_batches.ts";
import { parseValues, type PyFile } from "./_readers.ts";

/** Runs `run` in a new temporary folder, removed afterwards. */
export async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "daq_hdf5_test_" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Asserts that h5py read `rows` rows of `column` from row `first` at `path`, with its attributes. */
export function assertColumn(
  file: PyFile,
  path: string,
  column: TestColumn,
  first: number,
  rows: number,
): void {
  const dataset = file.datasets[path];
  assert.ok(dataset, `dataset ${path} missing; have ${Object.keys(file.datasets)}`);
  assert.equal(dataset.dtype, column.numpyDtype, `dtype of ${path}`);
  assert.deepEqual(
    dataset.shape,
    column.width === 1 && column.type.typeId !== arrow.Type.FixedSizeList
      ? [rows]
      : [rows, column.width],
    `shape of ${path}`,
  );
  const expected = expectedValues(column, first, rows).map((v) =>
    column.integer ? BigInt(v) : Number(v)
  );
  assert.deepEqual(parseValues(dataset.values, column.integer), expected, `values of ${path}`);
  assert.equal(dataset.attrs.arrow_type, String(column.type));
  if (column.unit !== undefined) {
    assert.equal(dataset.attrs.unit, column.unit, `unit of ${path}`);
    assert.equal(dataset.attrs.units, column.unit, `units of ${path}`);
  }
}
