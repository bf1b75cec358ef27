import assert from "node:assert/strict";
import { Histogram, ProcessorSpecError } from "../../src/processing/mod.ts";

Deno.test("histogram: golden counts, edges, underflow, overflow and NaN", () => {
  const h = new Histogram({ column: "e", min: 0, max: 10, bins: 5 });
  h.fill(Float64Array.of(-1, 0, 1.999, 2, 3, 9.999, 10, 11, NaN, 5, 5, -Infinity, Infinity));
  assert.deepEqual([...h.counts], [2, 2, 2, 2, 0, 1, 3]);
  assert.equal(h.nan, 1);
  assert.equal(h.entries, 13);
  assert.deepEqual([...h.edges()], [0, 2, 4, 6, 8, 10]);
  assert.equal(h.sum, 0 + 1.999 + 2 + 3 + 9.999 + 5 + 5);
  assert.equal(h.sumSquares, 1.999 ** 2 + 4 + 9 + 9.999 ** 2 + 50);
  h.fill(Int16Array.of(-5, 4, 4, 12));
  assert.deepEqual([...h.counts], [3, 2, 2, 4, 0, 1, 4]);
  h.reset();
  assert.deepEqual([...h.counts], [0, 0, 0, 0, 0, 0, 0]);
  assert.equal(h.entries, 0);
  assert.equal(h.sum, 0);
});

Deno.test("histogram: values just below max land in the last bin, not past it", () => {
  const h = new Histogram({ column: "e", min: 0.1, max: 0.7, bins: 3 });
  h.fill(Float64Array.of(0.6999999999999999, 0.1, 0.3, 0.5));
  assert.ok(0.6999999999999999 < 0.7);
  const inBins = h.counts.subarray(1, 4).reduce((s, x) => s + x, 0);
  assert.equal(inBins, 4);
  assert.equal(h.counts[4], 0);
});

Deno.test("histogram: counts equal a direct count on random data", () => {
  const h = new Histogram({ column: "e", min: -3, max: 3, bins: 60 });
  const v = new Float64Array(100_000);
  let s = 1;
  for (let i = 0; i < v.length; i++) {
    s = (s * 48271) % 2147483647;
    v[i] = (s / 2147483647) * 8 - 4;
  }
  h.fill(v.subarray(0, 33_333));
  h.fill(v.subarray(33_333));
  const expected = new Array(62).fill(0);
  for (const x of v) {
    if (x < -3) expected[0]++;
    else if (x >= 3) expected[61]++;
    else expected[1 + Math.floor((x + 3) / 0.1)]++;
  }
  // Floor of (x - min) / width and of (x - min) * (bins / range) can differ by one at an edge.
  let moved = 0;
  for (let i = 0; i < 62; i++) moved += Math.abs(h.counts[i] - expected[i]);
  assert.ok(moved <= 4, `${moved} values in a neighbouring bin`);
  assert.equal(h.entries, v.length);
});

Deno.test("histogram: bins of 0 and other bad specs name the key", () => {
  const bad: [unknown, string][] = [
    [{ column: "e", min: 0, max: 1, bins: 0 }, "bins"],
    [{ column: "e", min: 0, max: 1, bins: 2.5 }, "bins"],
    [{ column: "e", min: 1, max: 1, bins: 2 }, "max"],
    [{ column: "e", min: NaN, max: 1, bins: 2 }, "min"],
  ];
  for (const [spec, key] of bad) {
    assert.throws(
      () => new Histogram(spec as never),
      (e) => e instanceof ProcessorSpecError && e.key === key,
      JSON.stringify(spec),
    );
  }
});
