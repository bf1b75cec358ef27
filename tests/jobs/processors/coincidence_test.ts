import { FIRST_RUN } from "../../_daq.ts";
import assert from "node:assert/strict";
import { signalJob } from "../../_daq.ts";
import type { ChannelSpec } from "../../../src/jobs/sources/signal.ts";
import { figure, readCsv, runConfig, SUPERVISOR } from "./_run.ts";

const CH: ChannelSpec[] = [
  { name: "e", shape: "noise", freq_hz: 1, amplitude: 1, offset: 5, unit: "keV" },
];

Deno.test("coincidence: daq run of two sources, merged rows within the window, all counted", async () => {
  const { dir, last } = await runConfig(`${SUPERVISOR}
${signalJob({ name: "a", seed: 1, rateHz: 1000, batchRows: 50, maxBatches: 20, channels: CH })}
${signalJob({ name: "b", seed: 2, rateHz: 1000, batchRows: 50, maxBatches: 20, channels: CH })}
[[jobs]]
type = "coincidence"
name = "pairs"
inputs = ["a", "b"]
window = "600us"
max_delay = "10s"

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["pairs"]
`);
  try {
    const out = readCsv(`${dir}/data/${FIRST_RUN}/csv`);
    assert.deepEqual(Object.keys(out), [
      "timestamp_ns",
      "a_timestamp_ns",
      "a_e",
      "b_timestamp_ns",
      "b_e",
    ]);
    const n = out.timestamp_ns.length;
    assert.ok(n > 0, "the two sources overlap in time");
    for (let i = 0; i < n; i++) {
      const [ta, tb] = [out.a_timestamp_ns[i], out.b_timestamp_ns[i]];
      // (CSV numbers of ns since the epoch are rounded to float64: compare with a margin.)
      assert.ok(Math.abs(ta - tb) <= 600_000 + 512, `row ${i}: ${ta} vs ${tb}`);
      assert.equal(out.timestamp_ns[i], Math.min(ta, tb));
    }
    const c = figure(last, "pairs", "coincidences")!;
    assert.equal(c, n);
    assert.equal(c + figure(last, "pairs", "singles.a")!, 1000);
    assert.equal(c + figure(last, "pairs", "singles.b")!, 1000);
    assert.equal(figure(last, "pairs", "aged_out.a"), 0);
    assert.equal(figure(last, "pairs", "aged_out.b"), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
