import assert from "node:assert/strict";
import { compileExpr, ExprError, ExprEvaluator } from "../../src/processing/mod.ts";
import { batch, plain } from "./_columns.ts";

const INPUT = batch([0, 1, 2, 3], {
  voltage: [1, 2, -3, 4],
  current: [0.5, 0.25, 2, 0],
  adc: [512, 520, 0, 1024],
});
const KNOWN = ["timestamp_ns", "voltage", "current", "adc"];

function evaluate(text: string): number[] {
  const e = new ExprEvaluator({ columns: { out: text } }, KNOWN.map((name) => ({ name })));
  return plain(e.apply(INPUT)).out;
}

Deno.test("expr: golden values over whole columns", () => {
  const cases: [string, number[]][] = [
    ["voltage * current", [0.5, 0.5, -6, 0]],
    ["(adc - 512) * 0.125", [0, 1, -64, 64]],
    ["voltage + current - 1", [0.5, 1.25, -2, 3]],
    ["voltage / current", [2, 8, -1.5, Infinity]],
    ["-voltage", [-1, -2, 3, -4]],
    ["voltage ** 2", [1, 4, 9, 16]],
    ["2 ** voltage", [2, 4, 0.125, 16]],
    ["voltage % 2", [1, 0, -1, 0]],
    ["voltage > 1", [0, 1, 0, 1]],
    ["voltage >= 2 && current > 0", [0, 1, 0, 0]],
    ["voltage < 0 || current == 0", [0, 0, 1, 1]],
    ["!(voltage != 2)", [0, 1, 0, 0]],
    ["abs(voltage)", [1, 2, 3, 4]],
    ["sqrt(abs(voltage) * 4)", [2, Math.sqrt(8), Math.sqrt(12), 4]],
    ["exp(0 * voltage)", [1, 1, 1, 1]],
    ["log(abs(voltage))", [0, Math.log(2), Math.log(3), Math.log(4)]],
    ["sin(voltage) + cos(voltage)", [1, 2, -3, 4].map((x) => Math.sin(x) + Math.cos(x))],
    ["min(voltage, current, 1)", [0.5, 0.25, -3, 0]],
    ["max(voltage, current)", [1, 2, 2, 4]],
    ["clamp(voltage, -1, 2)", [1, 2, -1, 2]],
    ["clamp(adc, voltage, 600)", [512, 520, 0, 600]],
    ["voltage > 0 ? voltage : 100", [1, 2, 100, 4]],
    ["2 * pi", [2 * Math.PI, 2 * Math.PI, 2 * Math.PI, 2 * Math.PI]],
    ["1 + 2 * 3", [7, 7, 7, 7]],
    ["voltage", [1, 2, -3, 4]],
    ["timestamp_ns * 10", [0, 10, 20, 30]],
  ];
  for (const [text, expected] of cases) assert.deepEqual(evaluate(text), expected, text);
});

Deno.test("expr: derived columns added or replaced, later ones see earlier ones", () => {
  const e = new ExprEvaluator({
    columns: { power: "voltage * current", voltage: "voltage * 10", twice: "power * 2" },
  });
  const out = e.apply(INPUT);
  assert.deepEqual(out.map((c) => c.name), [
    "timestamp_ns",
    "voltage",
    "current",
    "adc",
    "power",
    "twice",
  ]);
  assert.deepEqual(plain(out).voltage, [10, 20, -30, 40]);
  assert.deepEqual(plain(out).power, [0.5, 0.5, -6, 0]);
  assert.deepEqual(plain(out).twice, [1, 1, -12, 0]);
  assert.deepEqual(plain(INPUT).voltage, [1, 2, -3, 4], "inputs are not written to");
  // A second batch with another row count reuses nothing stale.
  const small = e.apply(batch([5], { voltage: [3], current: [3], adc: [0] }));
  assert.deepEqual(plain(small).twice, [18]);
});

Deno.test("expr: bad expressions are ExprErrors naming the column, the problem and where", () => {
  const cases: [string, RegExp][] = [
    ["voltage *", /columns\.out: Expected expression after \* at 9/],
    ["volts * 2", /columns\.out: unknown column 'volts' \(columns: .*voltage.*\) at 0/],
    ["voltage * curent", /unknown column 'curent'.* at 10/],
    ["foo(voltage)", /unknown function 'foo'.* at 0/],
    ["sqrt(voltage, 2)", /sqrt\(\) takes 1 argument, got 2/],
    ["clamp(voltage, 1)", /clamp\(\) takes 3 arguments, got 2/],
    ["min(voltage)", /min\(\) takes 2 or more arguments, got 1/],
    ["voltage ^ 2", /operator '\^' is not supported \(use \*\* for powers\)/],
    ["voltage === 2", /operator '===' is not supported \(use ==\)/],
    ["~voltage", /operator '~' is not supported/],
    ["voltage.x", /member access/],
    ["voltage[0]", /member access/],
    ["[1, 2]", /an array/],
    ["'text'", /only numbers are allowed/],
    ["null", /only numbers are allowed/],
    ["this", /'this'/],
    ["a; b", /one expression only/],
    ["sqrt", /function 'sqrt' used without/],
    ["(voltage", /Unclosed \(/],
    ["", /empty expression/],
    ["constructor(voltage)", /unknown function 'constructor'/],
    ["x".repeat(3000), /longer than 2000/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => compileExpr("columns.out", text, KNOWN),
      (e) => e instanceof ExprError && e.key === "columns.out" && re.test(e.message),
      text.slice(0, 40),
    );
  }
});

Deno.test("expr: names are checked on the first batch when the input was not declared", () => {
  const e = new ExprEvaluator({ columns: { p: "voltage * amps" } });
  assert.throws(
    () => e.apply(INPUT),
    (err) => err instanceof ExprError && /'amps'/.test(err.message),
  );
});

Deno.test("expr: integer input columns are read as float64", () => {
  const e = new ExprEvaluator({ columns: { v: "(adc - 512) * 0.125" } });
  const out = e.apply([{ name: "adc", values: Int32Array.of(512, 520, 0) }]);
  assert.deepEqual(plain(out).v, [0, 1, -64]);
});
