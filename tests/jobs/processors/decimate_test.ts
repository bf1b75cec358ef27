import { FIRST_RUN } from "../../_daq.ts";
import assert from "node:assert/strict";
import { signalJob } from "../../_daq.ts";
import type { ChannelSpec } from "../../../src/jobs/sources/signal.ts";
import { readCsv, runConfig, SUPERVISOR } from "./_run.ts";

const CHANNELS: ChannelSpec[] = [
  { name: "sine", shape: "sine", freq_hz: 5, amplitude: 2, offset: 0.5, unit: "V" },
  { name: "noise", shape: "noise", freq_hz: 1, amplitude: 0.1, offset: 0, unit: "V" },
];

Deno.test("decimate: daq run, every N and per time bucket, values checked in the CSV", async () => {
  const { dir } = await runConfig(`${SUPERVISOR}
${signalJob({ seed: 3, rateHz: 10000, batchRows: 700, maxBatches: 10, channels: CHANNELS })}
[[jobs]]
type = "store.csv"
name = "raw"
inputs = ["sim"]

[[jobs]]
type = "decimate"
name = "slow"
inputs = ["sim"]
every = 100
columns = { sine = ["mean", "max"], noise = ["median", "first", "last"] }

[[jobs]]
type = "decimate"
name = "buckets"
inputs = ["sim"]
bucket = "10ms"
columns = { sine = ["min"] }

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["slow", "buckets"]
`);
  try {
    const raw = readCsv(`${dir}/data/${FIRST_RUN}/raw`);
    assert.equal(raw.sine.length, 7000);
    const slow = readCsv(`${dir}/data/${FIRST_RUN}/csv`);
    // Both decimators send to one store: rows of each told apart by their columns.
    const blocks = (n: number) => Array.from({ length: Math.ceil(7000 / n) }, (_, k) => k * n);
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const median = (v: number[]) => {
      const s = [...v].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    const every = blocks(100);
    assert.deepEqual(slow.sine_mean, every.map((k) => mean(raw.sine.slice(k, k + 100))));
    assert.deepEqual(slow.sine_max, every.map((k) => Math.max(...raw.sine.slice(k, k + 100))));
    assert.deepEqual(slow.noise_median, every.map((k) => median(raw.noise.slice(k, k + 100))));
    assert.deepEqual(slow.noise_first, every.map((k) => raw.noise[k]));
    assert.deepEqual(slow.noise_last, every.map((k) => raw.noise[k + 99]));
    // Buckets of 10 ms aligned to multiples of 10 ms: 100 samples each, the first cut short.
    const ts = raw.timestamp_ns;
    const bucketOf = (t: number) => Math.floor(t / 1e7);
    const starts = ts.flatMap((
      t,
      i,
    ) => (i === 0 || bucketOf(t) !== bucketOf(ts[i - 1]) ? [i] : []));
    const ends = [...starts.slice(1), ts.length];
    assert.deepEqual(
      slow.sine_min,
      starts.map((s, k) => Math.min(...raw.sine.slice(s, ends[k]))),
    );
    assert.equal(slow.timestamp_ns.length, every.length + starts.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
