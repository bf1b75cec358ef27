// The author-facing job API (src/job): typed field values, declared columns, permissions.
import assert from "node:assert/strict";
import { parseConfigFiles } from "../../src/config/load.ts";
import { withDataDir } from "../../src/config/types.ts";
import { BUILTIN_JOB_TYPES } from "../../src/jobs/catalogue.ts";
import { jobType } from "../../src/job/define.ts";
import {
  defineJob,
  type FieldValues,
  JobDefinitionError,
  NO_PERMISSIONS,
} from "../../src/job/mod.ts";

const thermometer = defineJob({
  role: "source",
  summary: "a thermometer",
  fields: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "number", integer: true, required: true },
    period: { type: "duration", default: "1s" },
    mode: { type: "string", choices: ["fast", "slow"], default: "slow" },
    label: { type: "string" },
    probes: { type: "tables", default: [], fields: { name: { type: "string", required: true } } },
  },
  permissions: (job) => ({ net: [`${job.fields.host}:${job.fields.port}`] }),
  columns: (f) => ({
    timestamp_ns: "int64",
    ...Object.fromEntries(f.probes.map((p) => [p.name, "float64" as const])),
  }),
  async run(ctx) {
    // Typed without casts: these lines fail to type-check if the field types are wrong.
    const port: number = ctx.fields.port;
    const mode: "fast" | "slow" = ctx.fields.mode;
    const label: string | undefined = ctx.fields.label;
    const names: string[] = ctx.fields.probes.map((p) => p.name);
    await ctx.sleep(ctx.fields.period + port + names.length + (label?.length ?? 0) + mode.length);
  },
});

Deno.test("job API: field values are typed from the specs, required and defaulted ones always there", () => {
  type Values = FieldValues<typeof thermometer.fields>;
  const v: Values = { host: "h", port: 1, period: 5, mode: "fast", probes: [] };
  // @ts-expect-error: "medium" is not one of the choices
  const bad: Values = { ...v, mode: "medium" };
  // @ts-expect-error: port is required
  const missing: Values = { host: "h", period: 5, mode: "fast", probes: [] };
  assert.ok(bad && missing);
});

Deno.test("job API: the loader validates a defined job's fields, grants what it declares, derives its schema", () => {
  const type = jobType("file:///thermometer.ts", thermometer);
  const config = parseConfigFiles([{
    file: "lab.toml",
    text: `[[jobs]]\ntype = "thermo"\nname = "t"\nport = 5025\n[[jobs.probes]]\nname = "inner"\n`,
  }], { jobTypes: { thermo: type } });
  const job = config.jobs[0];
  assert.deepEqual(job.fields, {
    host: "127.0.0.1",
    port: 5025,
    period: 1000,
    mode: "slow",
    probes: [{ name: "inner" }],
  });
  assert.equal(job.module, "file:///thermometer.ts");
  assert.deepEqual(job.permissions, { ...NO_PERMISSIONS, net: ["127.0.0.1:5025"] });
  assert.deepEqual(type.schema!(job)!.fields.map((f) => `${f.name}:${f.type}`), [
    "timestamp_ns:Int64",
    "inner:Float64",
  ]);
});

Deno.test("job API: an incomplete definition is refused, naming what is missing", () => {
  const cases: [unknown, RegExp][] = [
    [{ role: "sink", summary: "x", fields: {}, run() {} }, /role: expected one of "source"/],
    [{ role: "store", fields: {}, run() {} }, /summary: expected a string/],
    [{ role: "store", summary: "x", run() {} }, /fields: expected an object/],
    [{ role: "store", summary: "x", fields: {} }, /run: expected a function/],
    [
      { role: "store", summary: "x", fields: {}, run() {}, permissions: {} },
      /permissions: expected a function/,
    ],
  ];
  for (const [definition, message] of cases) {
    assert.throws(
      () => defineJob(definition as Parameters<typeof defineJob>[0]),
      (e: Error) => e instanceof JobDefinitionError && message.test(e.message),
    );
  }
});

Deno.test("job API: a config moved to another data folder (a numbered run) moves the grants under it", () => {
  const config = parseConfigFiles([{
    file: "lab.toml",
    text: `[supervisor]\ndata_dir = "data"\n[[jobs]]\ntype = "thermo"\nname = "t"\nport = 1\n` +
      `[[jobs]]\ntype = "store.csv"\nname = "csv"\ninputs = ["t"]\n`,
  }], { jobTypes: { thermo: jobType("file:///t.ts", thermometer), ...BUILTIN_JOB_TYPES } });
  const moved = withDataDir(config, "data/run_0007");
  assert.equal(moved.supervisor.dataDir, "data/run_0007");
  assert.deepEqual(moved.jobs[1].permissions.read, ["data/run_0007/csv"]);
  assert.deepEqual(moved.jobs[1].permissions.write, ["data/run_0007/csv"]);
  assert.deepEqual(moved.jobs[0].permissions, config.jobs[0].permissions);
  assert.deepEqual(config.jobs[1].permissions.write, ["data/csv"]);
});
