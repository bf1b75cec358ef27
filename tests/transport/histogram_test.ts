import assert from "node:assert/strict";
import {
  histogramBatch,
  histogramOfBatch,
  type HistogramSnapshot,
} from "../../src/transport/histogram.ts";
import { batchFromColumns, decodeBatch, encodeBatch } from "../../src/transport/payload.ts";

const SNAPSHOT: HistogramSnapshot = {
  name: "energy",
  column: "energy",
  unit: "keV",
  min: 0,
  max: 3,
  bins: 3,
  counts: Float64Array.of(1, 2, 3, 4, 5),
  nan: 2,
  entries: 17,
  sum: 12.5,
  sumSquares: 30.25,
  startNs: 1_700_000_000_000_000_123n,
  timeNs: 1_700_000_001_000_000_456n,
  final: true,
};

Deno.test("a histogram message survives the ring encoding, bins as rows", () => {
  const batch = decodeBatch(encodeBatch(histogramBatch(SNAPSHOT)));
  assert.deepEqual(histogramOfBatch(batch), SNAPSHOT);
  assert.deepEqual(Array.from(batch.getChild("bin_low")!.toArray()), [-Infinity, 0, 1, 2, 3]);
  assert.deepEqual(Array.from(batch.getChild("bin_high")!.toArray()), [0, 1, 2, 3, Infinity]);
  assert.equal(batch.schema.fields[0].metadata.get("unit"), "keV");
});

Deno.test("a batch that is not a histogram, or a malformed one, gives undefined", () => {
  const plain = batchFromColumns([{ name: "count", values: Float64Array.of(1) }]);
  assert.equal(histogramOfBatch(plain), undefined);
  const wrongRows = histogramBatch({ ...SNAPSHOT });
  const meta = JSON.parse(wrongRows.schema.metadata.get("daq.histogram")!);
  for (const bad of [{ ...meta, bins: 7 }, { ...meta, start_ns: "x" }, "not json"]) {
    wrongRows.schema.metadata.set(
      "daq.histogram",
      typeof bad === "string" ? bad : JSON.stringify(bad),
    );
    assert.equal(histogramOfBatch(wrongRows), undefined, JSON.stringify(bad));
  }
});
