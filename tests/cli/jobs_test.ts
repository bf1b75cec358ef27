// `daq jobs`: every job type with its summary, the fields of one, a JSON Schema of its table.
import assert from "node:assert/strict";
import { parse as parseToml } from "smol-toml";
import { runDaq } from "../_daq.ts";
import { BUILTIN_JOB_TYPES } from "../../src/jobs/catalogue.ts";

const EXAMPLE = "config/examples/user_job";

Deno.test("daq jobs: lists every built-in type with its summary, and a config's job modules", async () => {
  const r = await runDaq(["jobs"]);
  assert.equal(r.code, 0, r.stderr);
  for (const [name, type] of Object.entries(BUILTIN_JOB_TYPES)) {
    assert.match(
      r.stdout,
      new RegExp(`^  ${name.replace(".", "\\.")} +${escape(type.summary)}$`, "m"),
    );
  }
  assert.match(r.stdout, /^sources:$[\s\S]*^stores:$[\s\S]*^links:$/m);
  const withConfig = await runDaq(["jobs", "--config", `${EXAMPLE}/lab.toml`]);
  assert.equal(withConfig.code, 0, withConfig.stderr);
  assert.match(withConfig.stdout, /jobs\/thermometer\.ts +thermometer \(simulated\): one reading/);
  assert.match(
    withConfig.stdout,
    /^processors:$\n(?: {2}\S+ .*\n)*?.*jobs\/moving_average\.ts +moving average/m,
  );
});

Deno.test("daq jobs TYPE: fields with their types, defaults and docs, for built-ins and modules", async () => {
  const r = await runDaq(["jobs", "signal"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^signal \(source\): simulated instrument/m);
  assert.match(r.stdout, /^ {2}rate_hz: a positive number, default 1000\n {6}samples per second$/m);
  assert.match(r.stdout, /^ {6}shape: one of "sine", "noise", "square", "pulses", required$/m);
  for (const key of Object.keys(BUILTIN_JOB_TYPES.signal.fields)) {
    assert.match(r.stdout, new RegExp(`^  ${key}: `, "m"));
  }
  const m = await runDaq(["jobs", `./${EXAMPLE}/jobs/thermometer.ts`]);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /^module: file:\/\/.*\/thermometer\.ts$/m);
  assert.match(
    m.stdout,
    /^ {2}period: a duration such as .*, default "100ms"\n {6}time between readings$/m,
  );

  const unknown = await runDaq(["jobs", "store.parquet2"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown job type "store\.parquet2"; types: signal, bench/);
  const missing = await runDaq(["jobs", "./nowhere/job.ts"]);
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /module \.\/nowhere\/job\.ts \(.*\/nowhere\/job\.ts\): no such file/,
  );
});

Deno.test("daq jobs TYPE --json-schema: the shipped tables of that type validate, broken ones do not", async () => {
  const r = await runDaq(["jobs", "store.root", "--json-schema"]);
  assert.equal(r.code, 0, r.stderr);
  const schema = JSON.parse(r.stdout);
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.deepEqual(schema.required, ["type", "name"]);
  assert.deepEqual(schema.properties.compression.enum, ["none", "zlib", "lz4", "zstd"]);
  let checked = 0;
  for await (const e of Deno.readDir("bench/configs")) {
    const doc = parseToml(await Deno.readTextFile(`bench/configs/${e.name}`)) as {
      jobs: Record<string, unknown>[];
    };
    for (const job of doc.jobs.filter((j) => j.type === "store.root")) {
      assert.deepEqual(validate(schema, job), [], `${e.name}: ${JSON.stringify(job)}`);
      checked++;
    }
  }
  assert.ok(checked >= 3, `${checked} store.root tables checked`);
  const good = { type: "store.root", name: "r", inputs: ["sim"], basket_bytes: "64KiB" };
  assert.deepEqual(validate(schema, good), []);
  assert.deepEqual(validate(schema, { ...good, compresion: "lz4" }), ["compresion: not allowed"]);
  assert.deepEqual(validate(schema, { ...good, compression: "gzip" }), [
    "compression: not in enum",
  ]);
  assert.deepEqual(validate(schema, { ...good, compression_level: 0 }), [
    "compression_level: below minimum",
  ]);
  assert.deepEqual(validate(schema, { ...good, type: "store.csv" }), ["type: not the const"]);
  assert.deepEqual(validate(schema, { type: "store.root" }), ["name: required"]);
});

/** Validates `value` against the JSON Schema subset daq emits; returns the problems. */
function validate(schema: Record<string, unknown>, value: unknown, at = ""): string[] {
  const s = schema as {
    type?: string | string[];
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
    additionalProperties?: boolean;
    enum?: unknown[];
    const?: unknown;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    pattern?: string;
    items?: Record<string, unknown>;
  };
  const name = at || "(table)";
  const kind = Array.isArray(value)
    ? "array"
    : Number.isInteger(value)
    ? "integer"
    : typeof value === "number"
    ? "number"
    : typeof value;
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  if (types.length && !types.includes(kind) && !(kind === "integer" && types.includes("number"))) {
    return [`${name}: not a ${types.join(" or ")}`];
  }
  if (s.const !== undefined && value !== s.const) return [`${name}: not the const`];
  if (s.enum && !s.enum.includes(value)) return [`${name}: not in enum`];
  if (typeof value === "number") {
    if (s.minimum !== undefined && value < s.minimum) return [`${name}: below minimum`];
    if (s.maximum !== undefined && value > s.maximum) return [`${name}: above maximum`];
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) {
      return [`${name}: not above exclusiveMinimum`];
    }
  }
  if (typeof value === "string" && s.pattern && !new RegExp(s.pattern).test(value)) {
    return [`${name}: does not match the pattern`];
  }
  if (Array.isArray(value) && s.items) {
    return value.flatMap((v, i) => validate(s.items!, v, `${at}[${i}]`));
  }
  if (kind === "object" && s.properties) {
    const table = value as Record<string, unknown>;
    const out: string[] = [];
    for (const key of s.required ?? []) if (!(key in table)) out.push(`${key}: required`);
    for (const [key, v] of Object.entries(table)) {
      const sub = s.properties[key];
      if (!sub) {
        if (s.additionalProperties === false) out.push(`${key}: not allowed`);
      } else out.push(...validate(sub, v, at ? `${at}.${key}` : key));
    }
    return out;
  }
  return [];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
