import assert from "node:assert/strict";
import { runDaq, signalJob } from "../../_daq.ts";
import type { ChannelSpec } from "../../../src/jobs/sources/signal.ts";
import { SUPERVISOR } from "./_run.ts";

const CHANNELS: ChannelSpec[] = [
  { name: "voltage", shape: "sine", freq_hz: 5, amplitude: 1, offset: 0, unit: "V" },
];

/** A processor job taking "sim", then a CSV store taking it. */
function lab(processor: string): string {
  return `${SUPERVISOR}${signalJob({ seed: 1, maxBatches: 1, channels: CHANNELS })}
[[jobs]]
name = "p"
inputs = ["sim"]
${processor}

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["p"]
`;
}

const CASES: [label: string, processor: string, key: string, problem: RegExp][] = [
  [
    "bad expression",
    `type = "expr"\ncolumns = { w = "voltage *" }`,
    "jobs[1].columns.w",
    /Expected expression after \*/,
  ],
  [
    "unknown column in an expression",
    `type = "expr"\ncolumns = { w = "volts * 2" }`,
    "jobs[1].columns.w",
    /unknown column 'volts'/,
  ],
  [
    "unknown function",
    `type = "expr"\ncolumns = { w = "erf(voltage)" }`,
    "jobs[1].columns.w",
    /unknown function 'erf'/,
  ],
  [
    "decimate: unknown column",
    `type = "decimate"\nevery = 10\ncolumns = { current = ["mean"] }`,
    "jobs[1].columns.current",
    /unknown column 'current'/,
  ],
  [
    "decimate: unknown statistic",
    `type = "decimate"\nevery = 10\ncolumns = { voltage = ["avg"] }`,
    "jobs[1].columns.voltage",
    /unknown statistic 'avg'/,
  ],
  [
    "decimate: no every nor bucket",
    `type = "decimate"\ncolumns = { voltage = ["mean"] }`,
    "jobs[1].every",
    /exactly one of `every` and `bucket`/,
  ],
  [
    "calibrate: unknown column",
    `type = "calibrate"\ncolumns = { adc = { scale = 2 } }`,
    "jobs[1].columns.adc",
    /unknown column 'adc'/,
  ],
  [
    "histogram: bins of 0",
    `type = "histogram"\ncolumns = { voltage = { min = 0, max = 1, bins = 0 } }`,
    "jobs[1].columns.voltage.bins",
    /positive integer/,
  ],
  [
    "histogram: max below min",
    `type = "histogram"\ncolumns = { voltage = { min = 1, max = 0, bins = 5 } }`,
    "jobs[1].columns.voltage.max",
    /greater than min/,
  ],
  [
    "histogram: unknown column",
    `type = "histogram"\ncolumns = { amps = { min = 0, max = 1, bins = 5 } }`,
    "jobs[1].columns.amps",
    /unknown column 'amps'/,
  ],
  [
    "trigger: window of 0",
    `type = "trigger"\ncolumn = "voltage"\nthreshold = 0.5\npre = 0\npost = 0`,
    "jobs[1].post",
    /window of 0 samples/,
  ],
  [
    "trigger: unknown column",
    `type = "trigger"\ncolumn = "current"\nthreshold = 0.5`,
    "jobs[1].column",
    /unknown column 'current'/,
  ],
  [
    "coincidence: window of 0",
    `type = "coincidence"\nwindow = "0ns"`,
    "jobs[1].window",
    /expected a duration/,
  ],
  [
    "coincidence: one input",
    `type = "coincidence"\nwindow = "50ns"`,
    "jobs[1].inputs",
    /two or more inputs/,
  ],
];

for (const [label, processor, key, problem] of CASES) {
  Deno.test(`processor config errors exit 1 naming the key: ${label}`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "daq_processor_config_" });
    try {
      await Deno.writeTextFile(`${dir}/lab.toml`, lab(processor));
      const r = await runDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`, "--quiet"]);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.includes(`lab.toml`), r.stderr);
      assert.ok(r.stderr.includes(`${key}:`), `expected ${key} in: ${r.stderr}`);
      assert.match(r.stderr, problem);
      assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
