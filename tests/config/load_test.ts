import assert from "node:assert/strict";
import { ConfigError, loadConfig, parseConfigFiles } from "../../src/config/mod.ts";
import { BUILTIN_JOB_TYPES } from "../../src/jobs/catalogue.ts";

const GOOD = `
[supervisor]
id = "bench1"

[[jobs]]
type = "signal"
name = "sim"
rate_hz = 1000

[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["sim"]
`;

function errorOf(text: string): string {
  try {
    parseConfigFiles([{ file: "lab.toml", text }], { jobTypes: BUILTIN_JOB_TYPES });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    return e.message;
  }
  assert.fail("config was accepted");
}

Deno.test("config: a good config resolves jobs, defaults and routes", () => {
  const c = parseConfigFiles([{ file: "lab.toml", text: GOOD }], { jobTypes: BUILTIN_JOB_TYPES });
  assert.equal(c.supervisor.id, "bench1");
  assert.equal(c.supervisor.statsIntervalMs, 100);
  assert.equal(c.jobs[0].fields.batch_rows, 100);
  assert.equal(c.jobs[1].ringBytes, 16 * 1024 * 1024);
  assert.deepEqual(c.routes.map((r) => [r.from, r.to, r.key, r.policy]), [[
    "sim",
    "mem",
    "sim",
    "block",
  ]]);
});

const BAD: [string, string, string][] = [
  ["TOML syntax", GOOD.replace("rate_hz = 1000", "rate_hz = "), "lab.toml:8:11: TOML parse error"],
  [
    "wrong type",
    GOOD.replace("rate_hz = 1000", 'rate_hz = "fast"'),
    'lab.toml:8: jobs[0].rate_hz: expected a positive number, got "fast"',
  ],
  [
    "negative",
    GOOD.replace("rate_hz = 1000", "rate_hz = -5"),
    "lab.toml:8: jobs[0].rate_hz: expected a positive number, got -5",
  ],
  [
    "unknown key, suggested",
    GOOD.replace("rate_hz = 1000", "rate_hzz = 1000"),
    'lab.toml:8: jobs[0].rate_hzz: unknown key (did you mean "rate_hz"?)',
  ],
  [
    "unknown top-level key",
    GOOD + "\n[supervsior]\nid = 'x'\n",
    'supervsior: unknown key (did you mean "supervisor"?)',
  ],
  [
    "unknown job type",
    GOOD.replace('type = "store.memory"', 'type = "store.hdf6"'),
    'lab.toml:11: jobs[1].type: expected one of "signal"',
  ],
  [
    "bad duration",
    GOOD.replace('id = "bench1"', 'id = "b"\nstats_interval = "fast"'),
    'lab.toml:4: supervisor.stats_interval: expected a duration such as "100ms"',
  ],
  [
    "bad size",
    GOOD.replace('inputs = ["sim"]', 'inputs = ["sim"]\nring_size = "lots"'),
    'lab.toml:14: jobs[1].ring_size: expected a size such as "64MiB"',
  ],
  [
    "missing input",
    GOOD.replace('inputs = ["sim"]', 'inputs = ["sin"]'),
    'lab.toml:13: jobs[1].inputs[0]: no job sends route key "sin"; route keys sent: "sim"',
  ],
  [
    "store without inputs",
    GOOD.replace('inputs = ["sim"]', ""),
    "jobs[1].inputs: missing required key",
  ],
  [
    "duplicate name",
    GOOD.replace('name = "mem"', 'name = "sim"'),
    'jobs[1].name: "sim" is already the name of a job',
  ],
  [
    "bad policy",
    GOOD.replace('inputs = ["sim"]', 'inputs = ["sim"]\npolicy = "drop"'),
    'jobs[1].policy: expected one of "block", "drop-newest", "drop-oldest", got "drop"',
  ],
  [
    "route on a store",
    GOOD.replace('inputs = ["sim"]', 'inputs = ["sim"]\nroute = "x"'),
    "jobs[1].route: a store job sends nothing",
  ],
  [
    "bad channel shape",
    GOOD.replace(
      "rate_hz = 1000",
      'rate_hz = 1000\n[[jobs.channels]]\nname = "a"\nshape = "triangle"',
    ),
    'lab.toml:11: jobs[0].channels[0].shape: expected one of "sine", "noise", "square", "pulses", got "triangle"',
  ],
  ["no jobs", '[supervisor]\nid = "x"\n', "no [[jobs]] defined"],
];

for (const [what, text, expected] of BAD) {
  Deno.test(`config: ${what} gives a clear error`, () => {
    const msg = errorOf(text);
    assert.ok(msg.includes(expected), `message:\n  ${msg}\ndoes not include:\n  ${expected}`);
  });
}

Deno.test("config: a folder of TOML files loads together; errors name the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/10-source.toml`,
      '[supervisor]\nid = "lab"\n[[jobs]]\ntype = "signal"\nname = "sim"\n',
    );
    await Deno.writeTextFile(
      `${dir}/20-store.toml`,
      '[[jobs]]\ntype = "store.memory"\nname = "mem"\ninputs = ["sim"]\n',
    );
    const c = await loadConfig(dir, { jobTypes: BUILTIN_JOB_TYPES });
    assert.equal(c.supervisor.id, "lab");
    assert.equal(c.routes.length, 1);
    await Deno.writeTextFile(
      `${dir}/30-bad.toml`,
      '[[jobs]]\ntype = "store.memory"\nname = "m2"\ninputs = ["sim"]\nkeep = -1\n',
    );
    await assert.rejects(
      loadConfig(dir, { jobTypes: BUILTIN_JOB_TYPES }),
      (e: Error) =>
        e.message.startsWith(`${dir}/30-bad.toml:5: jobs[0].keep: expected an integer >= 0`),
    );
    await Deno.writeTextFile(`${dir}/30-bad.toml`, '[supervisor]\nid = "again"\n');
    await assert.rejects(
      loadConfig(dir, { jobTypes: BUILTIN_JOB_TYPES }),
      (e: Error) => e.message.includes("supervisor: already defined in"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config: the shipped default config is valid", async () => {
  const c = await loadConfig(undefined, { jobTypes: BUILTIN_JOB_TYPES });
  assert.ok(c.jobs.some((j) => j.type === "signal"));
  assert.ok(c.jobs.some((j) => j.type === "store.csv"));
});

Deno.test("config: a missing file is a ConfigError naming it", async () => {
  await assert.rejects(
    loadConfig("/nonexistent/lab.toml", { jobTypes: BUILTIN_JOB_TYPES }),
    (e: Error) =>
      e instanceof ConfigError && e.message.startsWith("/nonexistent/lab.toml: cannot read config"),
  );
});
