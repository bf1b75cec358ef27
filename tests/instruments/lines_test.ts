import assert from "node:assert/strict";
import {
  checkLineColumns,
  type LineColumn,
  parseLine,
  SpecError,
} from "../../src/instruments/mod.ts";
import { mutateText, Rng } from "./_fuzz.ts";

const COLS: LineColumn[] = [{ name: "temp", type: "float64", unit: "C" }, {
  name: "count",
  type: "int64",
}];

Deno.test("lines: csv, whitespace and json rows; a header line is skipped", () => {
  assert.deepEqual(parseLine("21.5,7", "csv", COLS), { ok: true, values: [21.5, 7n] });
  assert.deepEqual(parseLine(" -1e-3 , -9223372036854775808\r", "csv", COLS), {
    ok: true,
    values: [-0.001, -(2n ** 63n)],
  });
  assert.deepEqual(parseLine("temp,count", "csv", COLS), { ok: "header" });
  assert.deepEqual(parseLine("\t3.25   42 ", "whitespace", COLS), {
    ok: true,
    values: [3.25, 42n],
  });
  assert.deepEqual(parseLine('{"temp": 20, "count": 3, "extra": "x"}', "json", COLS), {
    ok: true,
    values: [20, 3n],
  });
  assert.deepEqual(parseLine('{"temp": null, "count": 3}', "json", COLS), {
    ok: true,
    values: [NaN, 3n],
  });
  const special = parseLine("nan -inf", "whitespace", [{ name: "a", type: "float64" }, {
    name: "b",
    type: "float64",
  }]);
  assert.deepEqual(special, { ok: true, values: [NaN, -Infinity] });
});

Deno.test("lines: lines that do not fit are problems of a stable kind", () => {
  const kind = (line: string, format: "csv" | "json" | "whitespace") => {
    const r = parseLine(line, format, COLS);
    assert.equal(r.ok, false, line);
    return r.ok === false ? r.kind : "";
  };
  assert.equal(kind("21.5", "csv"), "1 fields, expected 2");
  assert.equal(kind("21.5,7,8", "csv"), "3 fields, expected 2");
  assert.equal(kind("", "whitespace"), "0 fields, expected 2");
  assert.equal(kind("warm,7", "csv"), 'column "temp" is not a number');
  assert.equal(kind("0x10,7", "csv"), 'column "temp" is not a number');
  assert.equal(kind("1,7.5", "csv"), 'column "count" is not an integer');
  assert.equal(kind("1,9223372036854775808", "csv"), 'column "count" is out of int64 range');
  assert.equal(kind("{", "json"), "not JSON");
  assert.equal(kind("[1,2]", "json"), "not a JSON object");
  assert.equal(kind('{"temp": 1}', "json"), 'missing key "count"');
  assert.equal(kind('{"temp": "1", "count": 1}', "json"), 'key "temp" is not a number');
  assert.equal(
    kind('{"temp": 1, "count": 12345678901234567890}', "json"),
    'key "count" is not a safe integer',
  );
});

Deno.test("lines: declared columns are checked", () => {
  const key = (cols: LineColumn[]) => {
    try {
      checkLineColumns(cols);
    } catch (e) {
      assert.ok(e instanceof SpecError);
      return e.key;
    }
    return "";
  };
  assert.equal(key(COLS), "");
  assert.equal(key([]), "columns");
  assert.equal(
    key([{ name: "a", type: "float64" }, { name: "a", type: "int64" }]),
    "columns[1].name",
  );
  assert.equal(key([{ name: "a", type: "string" as "int64" }]), "columns[0].type");
  assert.equal(key([{ name: "timestamp_ns", type: "int64" }]), "columns[0].name");
});

Deno.test("lines fuzz: any line gives a full row of the declared types or a problem", () => {
  const rng = new Rng(42);
  const seeds: [string, "csv" | "json" | "whitespace"][] = [
    ["21.5,7", "csv"],
    ["21.5 7", "whitespace"],
    ['{"temp": 21.5, "count": 7}', "json"],
  ];
  let rows = 0, problems = 0;
  for (let i = 0; i < 30_000; i++) {
    const [seed, format] = rng.pick(seeds);
    const line = mutateText(rng, seed, 400);
    const r = parseLine(line, format, COLS);
    if (r.ok === true) {
      assert.equal(r.values.length, 2);
      assert.equal(typeof r.values[0], "number");
      assert.equal(typeof r.values[1], "bigint");
      rows++;
    } else if (r.ok === false) {
      assert.ok(r.kind.length > 0 && r.kind.length < 100);
      problems++;
    }
  }
  assert.ok(rows > 1000 && problems > 1000, `${rows} rows, ${problems} problems`);
});
