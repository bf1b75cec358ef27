import { FIRST_RUN } from "../../_daq.ts";
import assert from "node:assert/strict";
import { signalJob } from "../../_daq.ts";
import { readTreeWithJsroot } from "../../formats/root/_jsroot_read.ts";
import { type ChannelSpec, signalValue } from "../../../src/jobs/sources/signal.ts";
import { figure, readCsv, runConfig, SUPERVISOR } from "./_run.ts";

const PULSES: ChannelSpec = {
  name: "pmt",
  shape: "pulses",
  freq_hz: 20,
  amplitude: 4,
  offset: 0,
  unit: "mV",
};
const RATE = 10000;

/** Where the pulses' rising edges cross `threshold` (re-armed below threshold - hysteresis). */
function crossings(n: number, threshold: number, hysteresis: number): number[] {
  const out: number[] = [];
  let high = signalValue(PULSES, 0, RATE, 1) >= threshold;
  for (let i = 1; i < n; i++) {
    const v = signalValue(PULSES, i, RATE, 1);
    if (!high && v >= threshold) {
      high = true;
      out.push(i);
    } else if (high && v < threshold - hysteresis) high = false;
  }
  return out;
}

Deno.test("trigger: daq run, windows in store.root read by JSROOT, events in store.csv", async () => {
  const n = 10 * 1000;
  const { dir, last } = await runConfig(`${SUPERVISOR}
${signalJob({ seed: 1, rateHz: RATE, batchRows: 1000, maxBatches: 10, channels: [PULSES] })}
[[jobs]]
type = "trigger"
name = "win"
inputs = ["sim"]
column = "pmt"
threshold = 2
hysteresis = 1
pre = 5
post = 20

[[jobs]]
type = "trigger"
name = "events"
inputs = ["sim"]
column = "pmt"
threshold = 2
hysteresis = 1
dead_time = "120ms"

[[jobs]]
type = "store.root"
name = "root"
inputs = ["win"]
date_in_name = false

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["events"]
`);
  try {
    const edges = crossings(n, 2, 1);
    assert.equal(edges.length, 19, "20 Hz for 1 s, the first pulse at the start sets the state");
    const { entries, columns } = await readTreeWithJsroot(
      `${dir}/data/${FIRST_RUN}/root/root_001.root`,
      "win",
    );
    assert.equal(entries, edges.length);
    edges.forEach((at, k) => {
      const want = Array.from({ length: 25 }, (_, j) => signalValue(PULSES, at - 5 + j, RATE, 1));
      assert.deepEqual(columns.pmt[k], want, `window ${k}`);
      assert.equal(columns.edge[k], 1);
    });
    assert.equal(figure(last, "win", "triggers"), edges.length);
    // Dead time 120 ms: of pulses 50 ms apart, every third one triggers.
    const events = readCsv(`${dir}/data/${FIRST_RUN}/csv`);
    const kept = edges.filter((_, k) => k % 3 === 0);
    assert.deepEqual(events.pmt, kept.map((i) => signalValue(PULSES, i, RATE, 1)));
    assert.equal(figure(last, "events", "triggers"), kept.length);
    assert.equal(figure(last, "events", "suppressed"), edges.length - kept.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
