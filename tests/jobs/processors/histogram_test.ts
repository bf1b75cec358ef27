import { FIRST_RUN } from "../../_daq.ts";
import assert from "node:assert/strict";
import { makeSVG, openFile } from "jsroot";
import { signalJob } from "../../_daq.ts";
import { readWithH5py } from "../../formats/hdf5/_readers.ts";
import { type ChannelSpec, signalValue } from "../../../src/jobs/sources/signal.ts";
import { figure, runConfig, SUPERVISOR } from "./_run.ts";

const CHANNELS: ChannelSpec[] = [
  { name: "noise", shape: "noise", freq_hz: 1, amplitude: 1, offset: 0, unit: "keV" },
  { name: "sine", shape: "sine", freq_hz: 3, amplitude: 2, offset: 0, unit: "V" },
];
const ROWS = 6000;

/** Underflow, bins, overflow of `channel` over the run, counted here from the signal. */
function expectedCounts(ch: ChannelSpec, min: number, max: number, bins: number): number[] {
  const c = new Array(bins + 2).fill(0);
  for (let i = 0; i < ROWS; i++) {
    const x = signalValue(ch, i, 3000, 4);
    if (x < min) c[0]++;
    else if (x >= max) c[bins + 1]++;
    else c[1 + Math.min(bins - 1, Math.floor((x - min) * (bins / (max - min))))]++;
  }
  return c;
}

Deno.test("histogram: daq run into store.hdf5 (h5py), store.root (JSROOT TH1D) and store.csv", async () => {
  const { dir, last } = await runConfig(`${SUPERVISOR}
${signalJob({ seed: 4, rateHz: 3000, batchRows: 300, maxBatches: 20, channels: CHANNELS })}
[[jobs]]
type = "histogram"
name = "hist"
inputs = ["sim"]
interval = "100ms"
columns = { noise = { min = -2, max = 2, bins = 40 }, sine = { min = -1.5, max = 1.5, bins = 12 } }

[[jobs]]
type = "store.hdf5"
name = "h5"
inputs = ["hist"]

[[jobs]]
type = "store.root"
name = "root"
inputs = ["hist"]
date_in_name = false

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["hist"]
`);
  try {
    const noise = expectedCounts(CHANNELS[0], -2, 2, 40);
    const sine = expectedCounts(CHANNELS[1], -1.5, 1.5, 12);
    assert.ok(noise[0] > 0 && noise[41] > 0 && sine[0] > 0 && sine[13] > 0, "both flows used");
    assert.ok(
      (figure(last, "hist", "histograms_sent") ?? 0) >= 4,
      "sent every interval and at the end",
    );

    const h5 = [...Deno.readDirSync(`${dir}/data/${FIRST_RUN}/h5`)].find((e) =>
      e.name.endsWith(".h5")
    )!;
    const file = await readWithH5py(`${dir}/data/${FIRST_RUN}/h5/${h5.name}`);
    const ds = (p: string) => file.datasets[`histograms/hist/${p}`].values.map(Number);
    assert.deepEqual(ds("noise/counts"), noise.slice(1, 41));
    assert.deepEqual(ds("noise/underflow"), [noise[0]]);
    assert.deepEqual(ds("noise/overflow"), [noise[41]]);
    assert.deepEqual(ds("noise/entries"), [ROWS]);
    assert.deepEqual(ds("noise/edges"), Array.from({ length: 41 }, (_, i) => -2 + (4 * i) / 40));
    assert.deepEqual(ds("sine/counts"), sine.slice(1, 13));
    assert.equal(file.groups["histograms/hist/noise"].unit, "keV");

    const root = await openFile(`${dir}/data/${FIRST_RUN}/root/root_001.root`);
    const th1 = await root.readObject("hist_noise");
    assert.equal(th1._typename, "TH1D");
    assert.deepEqual(Array.from(th1.fArray), noise);
    assert.equal(th1.fEntries, ROWS);
    assert.equal(th1.fXaxis.fTitle, "noise [keV]");
    assert.deepEqual(Array.from((await root.readObject("hist_sine")).fArray), sine);
    const svg: string = await makeSVG({ object: th1, option: "hist", width: 640, height: 400 });
    assert.match(svg, /noise \[keV\]/);

    const csv = Deno.readTextFileSync(`${dir}/data/${FIRST_RUN}/csv/csv_hist_noise.hist.csv`).split(
      "\n",
    )
      .filter((l) => l && !l.startsWith("#"));
    assert.equal(csv[0], "bin_low,bin_high,count");
    assert.deepEqual(csv.slice(1).map((l) => Number(l.split(",")[2])), noise);
    assert.equal(csv[1].split(",")[0], "-inf");
    assert.equal(csv.at(-1)!.split(",")[1], "inf");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
