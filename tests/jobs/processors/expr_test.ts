import { FIRST_RUN } from "../../_daq.ts";
import assert from "node:assert/strict";
import { signalJob } from "../../_daq.ts";
import { type ChannelSpec, signalValue } from "../../../src/jobs/sources/signal.ts";
import { readCsv, runConfig, SUPERVISOR } from "./_run.ts";

const CHANNELS: ChannelSpec[] = [
  { name: "voltage", shape: "sine", freq_hz: 5, amplitude: 2, offset: 10, unit: "V" },
  { name: "current", shape: "square", freq_hz: 3, amplitude: 0.5, offset: 1, unit: "A" },
];

Deno.test("expr: daq run, derived columns checked in the CSV", async () => {
  const { dir } = await runConfig(`${SUPERVISOR}
${signalJob({ seed: 2, rateHz: 2000, batchRows: 250, maxBatches: 8, channels: CHANNELS })}
[[jobs]]
type = "expr"
name = "derived"
inputs = ["sim"]
[jobs.columns]
power = "voltage * current"
over = "power > 10.5"
t_c = "clamp((voltage - 10) * 0.125, -0.1, 0.2)"

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["derived"]
`);
  try {
    const out = readCsv(`${dir}/data/${FIRST_RUN}/csv`);
    assert.deepEqual(Object.keys(out), [
      "timestamp_ns",
      "voltage",
      "current",
      "power",
      "over",
      "t_c",
    ]);
    const v = (i: number) => signalValue(CHANNELS[0], i, 2000, 2);
    const c = (i: number) => signalValue(CHANNELS[1], i, 2000, 2);
    const rows = Array.from({ length: 2000 }, (_, i) => i);
    assert.deepEqual(out.power, rows.map((i) => v(i) * c(i)));
    assert.deepEqual(out.over, rows.map((i) => (v(i) * c(i) > 10.5 ? 1 : 0)));
    assert.deepEqual(out.t_c, rows.map((i) => Math.min(0.2, Math.max(-0.1, (v(i) - 10) * 0.125))));
    assert.ok(out.over.includes(1) && out.over.includes(0), "the comparison goes both ways");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
