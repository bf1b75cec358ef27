import { FIRST_RUN } from "../../_daq.ts";
import assert from "node:assert/strict";
import { signalJob } from "../../_daq.ts";
import { readWithH5py } from "../../formats/hdf5/_readers.ts";
import { type ChannelSpec, signalValue } from "../../../src/jobs/sources/signal.ts";
import { runConfig, SUPERVISOR } from "./_run.ts";

const CHANNELS: ChannelSpec[] = [
  { name: "adc", shape: "sine", freq_hz: 7, amplitude: 500, offset: 512, unit: "counts" },
  { name: "t", shape: "noise", freq_hz: 1, amplitude: 3, offset: 20, unit: "ohm" },
  { name: "other", shape: "square", freq_hz: 3, amplitude: 1, offset: 0, unit: "V" },
];

Deno.test("calibrate: daq run into store.hdf5, values and units checked by h5py", async () => {
  const { dir } = await runConfig(`${SUPERVISOR}
${signalJob({ seed: 5, rateHz: 5000, batchRows: 500, maxBatches: 6, channels: CHANNELS })}
[[jobs]]
type = "calibrate"
name = "cal"
inputs = ["sim"]
columns = { adc = { scale = 0.125, offset = -64, unit = "mV" }, t = { coefficients = [1, 0.5, 0.25], unit = "degC" } }

[[jobs]]
type = "store.hdf5"
name = "h5"
inputs = ["cal"]
`);
  try {
    const files = [...Deno.readDirSync(`${dir}/data/${FIRST_RUN}/h5`)].filter((e) =>
      e.name.endsWith(".h5")
    );
    assert.equal(files.length, 1);
    const file = await readWithH5py(`${dir}/data/${FIRST_RUN}/h5/${files[0].name}`);
    const values = (c: string) => file.datasets[`cal/${c}`].values.map(Number);
    const n = 3000;
    const expect = (ch: ChannelSpec, f: (x: number) => number) =>
      Array.from({ length: n }, (_, i) => f(signalValue(ch, i, 5000, 5)));
    assert.deepEqual(values("adc"), expect(CHANNELS[0], (x) => x * 0.125 + -64));
    assert.deepEqual(values("t"), expect(CHANNELS[1], (x) => (0.25 * x + 0.5) * x + 1));
    assert.deepEqual(values("other"), expect(CHANNELS[2], (x) => x));
    assert.equal(file.datasets["cal/adc"].attrs.unit, "mV");
    assert.equal(file.datasets["cal/t"].attrs.unit, "degC");
    assert.equal(file.datasets["cal/other"].attrs.unit, "V");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
