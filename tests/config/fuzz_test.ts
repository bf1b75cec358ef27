// Seeded, bounded fuzzing of the config loader: random mutations of valid configs (the shipped
// ones and test ones) must each end in a ConfigError that names the file, or in a valid config
// that keeps the loader's promises; never another exception, a stack trace or a hang.
// DAQ_FUZZ_SEED and DAQ_FUZZ_CASES change the seed and the number of cases.
import assert from "node:assert/strict";
import { fuzzSeed, prng } from "../_fuzz.ts";
import {
  CONFIG_LIMITS,
  ConfigError,
  type DaqConfig,
  parseConfigFiles,
} from "../../src/config/mod.ts";
import { folderProblem, isName } from "../../src/config/_schema.ts";
import { ringMessageLimit } from "../../src/config/types.ts";
import { BUILTIN_JOB_TYPES } from "../../src/jobs/catalogue.ts";

const SEED = fuzzSeed(16);
const CASES = Number(Deno.env.get("DAQ_FUZZ_CASES") ?? 5000);

const shipped = [
  new URL("../../config/default.toml", import.meta.url),
  ...[...Deno.readDirSync(new URL("../../config/examples/", import.meta.url))]
    .filter((e) => e.name.endsWith(".toml"))
    .map((e) => new URL(`../../config/examples/${e.name}`, import.meta.url)),
].map((u) => Deno.readTextFileSync(u));

const TEST_CONFIGS = [
  `
[supervisor]
id = "t"
stats_interval = "50ms"
restart_backoff = "100ms"
restart_limit = 1
data_dir = "out"

[[jobs]]
type = "signal"
name = "sim"
seed = 7
rate_hz = 100000
batch_rows = 500
max_batches = 20
[[jobs.channels]]
name = "sine"
shape = "sine"
freq_hz = 50
[[jobs.channels]]
name = "noise"
shape = "noise"

[[jobs]]
type = "bench"
name = "client"
payload_rows = 64
rate = 100

[[jobs]]
type = "store.root"
name = "root"
inputs = ["sim", "client*"]
compression = "zstd"
compression_level = 5
basket_bytes = "128KiB"

[[jobs]]
type = "store.hdf5"
name = "hdf5"
inputs = ["sim"]
layout = "batches"
gzip = 4
ring_file_size = "1MiB"
overrun = "overwrite"
prefix = "run"

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["s*"]
policy = "drop-oldest"
ring_size = "64KiB"
rotate_interval = "1h"
`,
];

const SEEDS = [...shipped, ...TEST_CONFIGS];

const VALUES = [
  "0",
  "-1",
  "1e308",
  "-0.0",
  "nan",
  "inf",
  "9223372036854775807",
  "0.000277",
  "true",
  '""',
  '".."',
  '"."',
  '"/"',
  '"a/b"',
  '"a\\u0000b"',
  '"a\\nb"',
  '"64GiB"',
  '"1e9"',
  '"0s"',
  '"99999h"',
  '"1ns"',
  '"timestamp_ns"',
  '"sim*"',
  '"*"',
  `"${"x".repeat(300)}"`,
  "[]",
  '["sim", "sim", "s*"]',
  "{}",
  "{ a = 1 }",
  "[[1]]",
  "2026-12-01T06:00:00Z",
];
const SNIPPETS = [
  "[",
  "]",
  "[[",
  "=",
  '"',
  "'",
  "\n",
  "#",
  ".",
  ",",
  "*",
  "\\",
  "{",
  "}",
  "\u0000",
];
const LINES = [
  "[[jobs]]",
  "[supervisor]",
  "[[jobs.channels]]",
  "[jobs]",
  'type = "store.null"',
  'inputs = ["sim"]',
  "name = 1",
  "a.b.c = 1",
  '"quoted key" = 1',
];

function mutate(text: string, rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const lines = text.split("\n");
  const i = Math.floor(rand() * lines.length);
  switch (Math.floor(rand() * 8)) {
    case 0: { // a value replaced
      const eq = lines[i].indexOf("=");
      if (eq > 0) lines[i] = `${lines[i].slice(0, eq + 1)} ${pick(VALUES)}`;
      break;
    }
    case 1: { // a character inserted
      const at = Math.floor(rand() * (lines[i].length + 1));
      lines[i] = lines[i].slice(0, at) + pick(SNIPPETS) + lines[i].slice(at);
      break;
    }
    case 2: { // a character deleted
      const at = Math.floor(rand() * lines[i].length);
      lines[i] = lines[i].slice(0, at) + lines[i].slice(at + 1);
      break;
    }
    case 3: // a line duplicated
      lines.splice(i, 0, lines[i]);
      break;
    case 4: // a line deleted
      lines.splice(i, 1);
      break;
    case 5: // a line inserted
      lines.splice(i, 0, pick(LINES));
      break;
    case 6: // truncated
      return text.slice(0, Math.floor(rand() * text.length));
    case 7: { // a block of lines repeated
      const n = 1 + Math.floor(rand() * 12);
      lines.splice(i, 0, ...lines.slice(i, i + n));
      break;
    }
  }
  return lines.join("\n");
}

/** What the loader promises of every config it accepts. */
function assertKeepsPromises(c: DaqConfig): void {
  assert.ok(isName(c.supervisor.id), `supervisor id ${c.supervisor.id}`);
  assert.equal(folderProblem(c.supervisor.dataDir), undefined);
  assert.ok(c.jobs.length >= 1 && c.jobs.length <= CONFIG_LIMITS.jobs);
  assert.ok(c.routes.length <= CONFIG_LIMITS.routes);
  const names = new Set<string>();
  for (const j of c.jobs) {
    assert.ok(isName(j.name), `job name ${JSON.stringify(j.name)}`);
    assert.ok(!names.has(j.name), "job names unique");
    names.add(j.name);
    for (const k of j.sends) assert.ok(isName(k), `route key ${JSON.stringify(k)}`);
    assert.ok(j.ringBytes >= 65536 && j.ringBytes <= 2 ** 30, `ring of ${j.ringBytes}`);
    for (const v of Object.values(j.fields)) {
      if (typeof v === "number") assert.ok(Number.isFinite(v), `field value ${v}`);
    }
    BUILTIN_JOB_TYPES[j.type].permissions(j, c.supervisor);
  }
  for (const r of c.routes) {
    const from = c.jobs.find((j) => j.name === r.from)!;
    const bytes = BUILTIN_JOB_TYPES[from.type].messageBytes?.(from.fields);
    if (bytes !== undefined && r.transport === "ring") {
      assert.ok(bytes <= ringMessageLimit(r.ringBytes), `${r.from} -> ${r.to}: ${bytes} bytes`);
    }
  }
  const routes = new Set(c.routes.map((r) => `${r.from}|${r.to}|${r.key}`));
  assert.equal(routes.size, c.routes.length, "each route once");
  JSON.stringify(c);
}

Deno.test(`config fuzz: ${CASES} mutated configs (seed ${SEED}) end in a ConfigError or a valid config`, () => {
  const rand = prng(SEED);
  let valid = 0;
  const errors = new Map<string, number>();
  for (let n = 0; n < CASES; n++) {
    let text = SEEDS[n % SEEDS.length];
    const rounds = 1 + Math.floor(rand() * 4);
    for (let r = 0; r < rounds; r++) text = mutate(text, rand);
    const replay = () => `case ${n} of seed ${SEED}:\n${text}`;
    let config: DaqConfig;
    try {
      config = parseConfigFiles([{ file: "fuzz.toml", text }], { jobTypes: BUILTIN_JOB_TYPES });
    } catch (e) {
      if (!(e instanceof ConfigError)) {
        throw new Error(`${replay()}\nthrew ${(e as Error)?.stack ?? e}`);
      }
      assert.ok(e.message.startsWith("fuzz.toml"), `${replay()}\nmessage: ${e.message}`);
      assert.ok(e.problem.length > 0 && !e.message.includes("\n"), `${replay()}\n${e.message}`);
      assert.ok(!/\bat \S+:\d+:\d+/.test(e.message), `${replay()}\nstack in ${e.message}`);
      const kind = e.problem.replace(/".*$|\d+/g, "").slice(0, 40);
      errors.set(kind, (errors.get(kind) ?? 0) + 1);
      continue;
    }
    try {
      assertKeepsPromises(config);
    } catch (e) {
      throw new Error(`${replay()}\naccepted but ${(e as Error).message}`);
    }
    valid++;
  }
  // The mutations reach both outcomes, and many kinds of error.
  assert.ok(valid > CASES / 20, `only ${valid} valid`);
  assert.ok(errors.size > 10, `only ${errors.size} kinds of error`);
});
