import assert from "node:assert/strict";
import { signalColumns, signalValue } from "../../../src/jobs/sources/signal.ts";

const channels = [
  { name: "sine", shape: "sine", freq_hz: 5, amplitude: 1, offset: 0, unit: "V" },
  { name: "noise", shape: "noise", freq_hz: 1, amplitude: 0.1, offset: 2, unit: "V" },
] as const;

Deno.test("signal columns: timestamps equal start + round(index * step) computed in bigint", () => {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const starts = [0n, 1n, 0xffffffffn, 0x100000000n, 1_764_000_000_123_456_789n, -5n];
  for (let k = 0; k < 200; k++) {
    const start = k < starts.length
      ? starts[k]
      : BigInt(Math.floor(next() * 2 ** 31)) * 1_000_000_000n + BigInt(Math.floor(next() * 1e9));
    const rate = [1, 1000, 3, 1e9, 44100.5, 7e-3][k % 6];
    // Within int64: offsets below 2^60 ns.
    const first = k % 3 === 0 ? 0 : Math.floor(next() * Math.min(2 ** 40, 2 ** 60 / (1e9 / rate)));
    const rows = 1 + Math.floor(next() * 64);
    const [ts] = signalColumns([...channels], first, rows, rate, 7, start);
    for (let r = 0; r < rows; r++) {
      const want = start + BigInt(Math.round((first + r) * (1e9 / rate)));
      assert.equal((ts.values as BigInt64Array)[r], want, `start ${start} rate ${rate} row ${r}`);
    }
  }
});

Deno.test("signal columns: each channel's values are signalValue of the sample index", () => {
  const cols = signalColumns([...channels], 1000, 50, 10_000, 3, 0n);
  assert.deepEqual(cols.map((c) => c.name), ["timestamp_ns", "sine", "noise"]);
  for (let r = 0; r < 50; r++) {
    assert.equal(cols[1].values[r], signalValue(channels[0], 1000 + r, 10_000, 3));
    assert.equal(cols[2].values[r], signalValue(channels[1], 1000 + r, 10_000, 3));
  }
});

Deno.test("signal columns: a batch starting at an odd index, and noise of the asked sigma", () => {
  const odd = signalColumns([...channels], 1001, 7, 10_000, 3, 0n);
  for (let r = 0; r < 7; r++) {
    assert.equal(odd[2].values[r], signalValue(channels[1], 1001 + r, 10_000, 3), `row ${r}`);
  }
  const many = signalColumns([...channels], 0, 100_000, 10_000, 9, 0n)[2].values as Float64Array;
  const mean = many.reduce((s, v) => s + v, 0) / many.length;
  const sd = Math.sqrt(many.reduce((s, v) => s + (v - mean) ** 2, 0) / many.length);
  assert.ok(Math.abs(mean - 2) < 0.002, `mean ${mean}`);
  assert.ok(Math.abs(sd - 0.1) < 0.002, `sd ${sd}`);
  // Even and odd samples are independent draws, not copies.
  let same = 0;
  for (let i = 0; i + 1 < many.length; i += 2) if (many[i] === many[i + 1]) same++;
  assert.equal(same, 0);
});
