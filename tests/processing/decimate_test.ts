import assert from "node:assert/strict";
import { Decimator, ProcessorSpecError } from "../../src/processing/mod.ts";
import { batch, concat, copy, plain, split } from "./_columns.ts";

const TS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90];
const SINE = [5, 1, 4, 2, 3, 9, 7, 8, 6, 0];

Deno.test("decimate every 3: every statistic, exact rows, the short last block at flush", () => {
  const d = new Decimator({
    every: 3,
    columns: { sine: ["mean", "min", "max", "median", "first", "last"] },
  });
  const out = plain(d.push(batch(TS, { sine: SINE })));
  assert.deepEqual(out, {
    timestamp_ns: [0, 30, 60],
    sine_mean: [10 / 3, 14 / 3, 7],
    sine_min: [1, 2, 6],
    sine_max: [5, 9, 8],
    sine_median: [4, 3, 7],
    sine_first: [5, 2, 7],
    sine_last: [4, 9, 6],
  });
  assert.deepEqual(plain(d.flush()), {
    timestamp_ns: [90],
    sine_mean: [0],
    sine_min: [0],
    sine_max: [0],
    sine_median: [0],
    sine_first: [0],
    sine_last: [0],
  });
  assert.deepEqual(d.flush(), []);
});

Deno.test("decimate: several columns named <column>_<statistic> in spec order, units kept", () => {
  const d = new Decimator({ every: 5, columns: { sine: ["mean", "max"], noise: ["median"] } });
  const out = d.push(
    batch(TS, { sine: SINE, noise: [1, 2, 3, 4, 100, 6, 7, 8, 9, 10] }, { sine: "V" }),
  );
  assert.deepEqual(out.map((c) => c.name), [
    "timestamp_ns",
    "sine_mean",
    "sine_max",
    "noise_median",
  ]);
  assert.equal(out[1].unit, "V");
  assert.deepEqual(plain(out), {
    timestamp_ns: [0, 50],
    sine_mean: [3, 6],
    sine_max: [5, 9],
    noise_median: [3, 8],
  });
});

Deno.test("decimate: blocks spanning batches give the same rows as one batch, for any split", () => {
  const rows = 97;
  const ts = Array.from({ length: rows }, (_, i) => 1000 + 7 * i);
  const v = Array.from({ length: rows }, (_, i) => Math.sin(i) * 10 + (i % 7));
  const spec = { every: 8, columns: { v: ["mean", "min", "max", "median", "first", "last"] } };
  const whole = new Decimator(spec);
  const expected = plain(concat([copy(whole.push(batch(ts, { v }))), copy(whole.flush())]));
  assert.equal(expected.timestamp_ns.length, 13);
  for (const sizes of [[1, 96], [7, 1, 1, 80, 8], [8, 8, 81], [50, 0, 47], Array(97).fill(1)]) {
    const d = new Decimator(spec);
    const parts = split(batch(ts, { v }), sizes).map((b) => copy(d.push(b)));
    parts.push(copy(d.flush()));
    assert.deepEqual(plain(concat(parts)), expected, `split ${sizes.slice(0, 6)}`);
  }
});

Deno.test("decimate per time bucket: buckets aligned to multiples, first timestamp of each", () => {
  const d = new Decimator({ bucketNs: 25, columns: { sine: ["mean", "first", "last"] } });
  // Buckets [0,25): 0,10,20  [25,50): 30,40  [50,75): 50,60,70  [75,100): 80,90
  const [a, b] = split(batch(TS, { sine: SINE }), [4, 6]);
  const first = plain(d.push(a));
  assert.deepEqual(first, {
    timestamp_ns: [0],
    sine_mean: [10 / 3],
    sine_first: [5],
    sine_last: [4],
  });
  const second = plain(d.push(b));
  assert.deepEqual(second, {
    timestamp_ns: [30, 50],
    sine_mean: [2.5, 8],
    sine_first: [2, 9],
    sine_last: [3, 8],
  });
  assert.deepEqual(plain(d.flush()), {
    timestamp_ns: [80],
    sine_mean: [3],
    sine_first: [6],
    sine_last: [0],
  });
});

Deno.test("decimate per time bucket: a gap closes the open bucket on the next batch", () => {
  const d = new Decimator({ bucketNs: 100, columns: { v: ["max"] } });
  assert.deepEqual(plain(d.push(batch([1_000_000_000_050, 1_000_000_000_060], { v: [1, 2] }))), {
    timestamp_ns: [],
    v_max: [],
  });
  assert.deepEqual(plain(d.push(batch([1_000_000_000_500], { v: [7] }))), {
    timestamp_ns: [1_000_000_000_050],
    v_max: [2],
  });
});

Deno.test("decimate: NaN spreads to mean, min, max and median of its block", () => {
  const d = new Decimator({ every: 2, columns: { v: ["mean", "min", "max", "median", "first"] } });
  const out = plain(d.push(batch([0, 1, 2, 3], { v: [NaN, 1, 2, 3] })));
  assert.deepEqual(out, {
    timestamp_ns: [0, 2],
    v_mean: [NaN, 2.5],
    v_min: [NaN, 2],
    v_max: [NaN, 3],
    v_median: [NaN, 2.5],
    v_first: [NaN, 2],
  });
});

Deno.test("decimate: bad specs name the key", () => {
  const bad: [unknown, string][] = [
    [{ columns: { v: ["mean"] } }, "every"],
    [{ every: 2, bucketNs: 5, columns: { v: ["mean"] } }, "every"],
    [{ every: 0, columns: { v: ["mean"] } }, "every"],
    [{ every: 1.5, columns: { v: ["mean"] } }, "every"],
    [{ every: 2, columns: {} }, "columns"],
    [{ every: 2, columns: { v: ["avg"] } }, "columns.v"],
    [{ every: 2, columns: { v: [] } }, "columns.v"],
    [{ every: 2, columns: { v: ["mean", "mean"] } }, "columns.v"],
    [{ every: 2, columns: { nope: ["mean"] } }, "columns.nope"],
  ];
  for (const [spec, key] of bad) {
    assert.throws(
      () => new Decimator(spec as never, [{ name: "timestamp_ns" }, { name: "v" }]),
      (e) => e instanceof ProcessorSpecError && e.key === key,
      JSON.stringify(spec),
    );
  }
});
