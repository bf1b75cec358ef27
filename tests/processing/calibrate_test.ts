import assert from "node:assert/strict";
import { Calibrator, ProcessorSpecError } from "../../src/processing/mod.ts";
import { batch, plain } from "./_columns.ts";

Deno.test("calibrate: scale/offset and polynomial columns, new units, others pass through", () => {
  const c = new Calibrator({
    columns: {
      adc: { scale: 0.5, offset: -1, unit: "V" },
      temp: { coefficients: [1, 2, 3], unit: "degC" },
    },
  });
  const input = batch([0, 1, 2], { adc: [0, 2, 10], temp: [0, 1, -2], other: [7, 8, 9] }, {
    other: "A",
  });
  const out = c.apply(input);
  assert.deepEqual(plain(out), {
    timestamp_ns: [0, 1, 2],
    adc: [-1, 0, 4],
    temp: [1, 6, 9], // 1 + 2x + 3x^2
    other: [7, 8, 9],
  });
  assert.deepEqual(out.map((c) => c.unit), ["ns", "V", "degC", "A"]);
  assert.equal(out[3].values, input[3].values, "a column not named is the same array");
  assert.equal(out[0].values, input[0].values);
});

Deno.test("calibrate: integer columns become float64; polynomials of degree 0 to 4", () => {
  const x = Int16Array.of(-3, 0, 5, 1000);
  for (const coefficients of [[2], [1, -1], [0.5, 0, 2], [1, 1, 1, 1], [0, 0, 0, 0, 1e-3]]) {
    const c = new Calibrator({ columns: { x: { coefficients } } });
    const out = c.apply([{ name: "x", values: x }])[0];
    assert.ok(out.values instanceof Float64Array);
    const expected = Array.from(x, (v) => coefficients.reduce((s, ck, k) => s + ck * v ** k, 0));
    Array.from(out.values as Float64Array).forEach((v, i) =>
      assert.ok(Math.abs(v - expected[i]) <= 1e-9 * Math.abs(expected[i]), `${coefficients}: ${v}`)
    );
  }
});

Deno.test("calibrate: bad specs name the key", () => {
  const bad: [unknown, string][] = [
    [{ columns: {} }, "columns"],
    [{ columns: { v: {} } }, "columns.v"],
    [{ columns: { v: { scale: 1, coefficients: [1] } } }, "columns.v"],
    [{ columns: { v: { coefficients: [] } } }, "columns.v.coefficients"],
    [{ columns: { v: { coefficients: [1, NaN] } } }, "columns.v.coefficients[1]"],
    [{ columns: { v: { scale: Infinity } } }, "columns.v.scale"],
    [{ columns: { nope: { scale: 2 } } }, "columns.nope"],
    [{ columns: { timestamp_ns: { scale: 2 } } }, "columns.timestamp_ns"],
  ];
  for (const [spec, key] of bad) {
    assert.throws(
      () => new Calibrator(spec as never, [{ name: "timestamp_ns", type: "int64" }, { name: "v" }]),
      (e) => e instanceof ProcessorSpecError && e.key === key,
      JSON.stringify(spec),
    );
  }
});
