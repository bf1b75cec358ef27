import assert from "node:assert/strict";
import { ProcessorSpecError, Trigger } from "../../src/processing/mod.ts";
import { batch, concat, plain, split } from "./_columns.ts";

const V = [0, 1, 5, 6, 4, 2, 0, 3, 6, 1, 5, 5, 0];
const TS = V.map((_, i) => 100 * i);

Deno.test("trigger: rising edges with hysteresis, one event row per crossing", () => {
  const t = new Trigger({ column: "v", threshold: 5, hysteresis: 2 });
  const out = plain(t.push(batch(TS, { v: V, other: V.map((x) => -x) })));
  // Rises at 2 (5), drops below 3 at 5 (2) and re-arms; rises at 8 (6); 10 (5) is no new edge
  // since 9 (1) re-armed: yes it is.
  assert.deepEqual(out, {
    timestamp_ns: [200, 800, 1000],
    v: [5, 6, 5],
    other: [-5, -6, -5],
    edge: [1, 1, 1],
  });
  assert.equal(t.counts.triggers, 3);
});

Deno.test("trigger: hysteresis keeps a noisy crossing to one trigger", () => {
  const noisy = [0, 4.9, 5.1, 4.9, 5.2, 4.8, 5.05, 4.0, 2.9, 5.0];
  const t = new Trigger({ column: "v", threshold: 5, hysteresis: 2 });
  assert.deepEqual(plain(t.push(batch(noisy.map((_, i) => i), { v: noisy }))).timestamp_ns, [2, 9]);
  const flappy = new Trigger({ column: "v", threshold: 5 });
  assert.deepEqual(plain(flappy.push(batch(noisy.map((_, i) => i), { v: noisy }))).timestamp_ns, [
    2,
    4,
    6,
    9,
  ]);
});

Deno.test("trigger: falling and both edges", () => {
  const falling = new Trigger({ column: "v", threshold: 2, hysteresis: 1, edge: "falling" });
  // Falls to <= 2 at 5 (2), re-arms above 3 at 7 (3 is not above 3) -> 8 (6); falls at 9 (1).
  assert.deepEqual(plain(falling.push(batch(TS, { v: V }))), {
    timestamp_ns: [500, 900, 1200],
    v: [2, 1, 0],
    edge: [-1, -1, -1],
  });
  const both = new Trigger({ column: "v", threshold: 5, hysteresis: 2, edge: "both" });
  assert.deepEqual(plain(both.push(batch(TS, { v: V }))), {
    timestamp_ns: [200, 500, 800, 900, 1000, 1200],
    v: [5, 2, 6, 1, 5, 0],
    edge: [1, -1, 1, -1, 1, -1],
  });
});

Deno.test("trigger: dead time suppresses crossings and is counted; state spans batches", () => {
  const spec = { column: "v", threshold: 5, hysteresis: 2, deadTimeNs: 700 };
  const whole = new Trigger(spec);
  assert.deepEqual(plain(whole.push(batch(TS, { v: V }))).timestamp_ns, [200, 1000]);
  assert.equal(whole.counts.suppressed, 1);
  for (const sizes of [[1, 12], [3, 3, 3, 4], Array(13).fill(1)]) {
    const t = new Trigger(spec);
    const rows = split(batch(TS, { v: V }), sizes).map((b) => t.push(b));
    assert.deepEqual(plain(concat(rows)).timestamp_ns, [200, 1000], `${sizes}`);
    assert.equal(t.counts.suppressed, 1);
  }
});

Deno.test("trigger: windows of pre + post samples, across batch boundaries, NaN where missing", () => {
  const spec = { column: "v", threshold: 5, hysteresis: 2, pre: 2, post: 3 };
  const expected = {
    timestamp_ns: [200, 800, 1000],
    edge: [1, 1, 1],
    v: [0, 1, 5, 6, 4, /**/ 0, 3, 6, 1, 5, /**/ 6, 1, 5, 5, 0],
  };
  for (const sizes of [[13], [3, 10], [2, 1, 1, 9], Array(13).fill(1), [9, 4]]) {
    const t = new Trigger(spec);
    const parts = split(batch(TS, { v: V }), sizes).map((b) => t.push(b));
    parts.push(t.flush());
    const out = concat(parts);
    assert.deepEqual(plain(out), expected, `${sizes}`);
    assert.equal(out[2].listSize, 5);
  }
  // A trigger with too few samples before the first and after the last is NaN-padded.
  const t = new Trigger({ column: "v", threshold: 5, pre: 3, post: 4 });
  const rows = concat([t.push(batch([0, 1, 2], { v: [0, 9, 0] })), t.flush()]);
  assert.deepEqual(plain(rows).v, [NaN, NaN, 0, 9, 0, NaN, NaN]);
  assert.equal(t.counts.partialWindows, 2);
});

Deno.test("trigger: windows of other columns", () => {
  const t = new Trigger({ column: "v", threshold: 5, pre: 1, post: 1, windowColumns: ["v", "w"] });
  const out = t.push(batch([0, 1, 2, 3], { v: [0, 6, 0, 0], w: [10, 11, 12, 13] }));
  assert.deepEqual(plain(out), { timestamp_ns: [1], edge: [1], v: [0, 6], w: [10, 11] });
});

Deno.test("trigger: 500 planted pulses give exactly 500 triggers with the right windows", () => {
  const rate = 1e6; // 1 MS/s: 1000 ns a sample
  const pulses = 500, spacing = 997, width = 20, pre = 16, post = 48;
  const rows = 1000 + pulses * spacing;
  const ts = new BigInt64Array(rows);
  const v = new Float64Array(rows);
  const starts: number[] = [];
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296 - 0.5) * 0.2;
  for (let i = 0; i < rows; i++) {
    ts[i] = 1_700_000_000_000_000_000n + BigInt(i * 1e9 / rate);
    v[i] = noise();
  }
  for (let p = 0; p < pulses; p++) {
    const s = 500 + p * spacing + (p % 13);
    starts.push(s);
    for (let k = 0; k < width; k++) v[s + k] = 1 + Math.exp(-k / 8) + noise();
  }
  // An after-pulse 5 samples (5 us) after every 10th pulse's end: inside the dead time.
  for (let p = 0; p < pulses; p += 10) {
    for (let k = 0; k < 3; k++) v[starts[p] + width + 5 + k] = 1.5;
  }
  const t = new Trigger({
    column: "v",
    threshold: 0.5,
    hysteresis: 0.2,
    deadTimeNs: 100_000,
    pre,
    post,
  });
  const parts = [];
  for (let at = 0; at < rows; at += 1000) {
    const n = Math.min(1000, rows - at);
    parts.push(t.push([
      { name: "timestamp_ns", values: ts.subarray(at, at + n) },
      { name: "v", values: v.subarray(at, at + n) },
    ]));
  }
  parts.push(t.flush());
  const out = concat(parts);
  const got = out[0].values as BigInt64Array;
  const windows = out[2].values as Float64Array;
  assert.equal(got.length, 500);
  assert.equal(t.counts.triggers, 500);
  assert.equal(t.counts.suppressed, 50, "the after-pulses fell in the dead time");
  assert.equal(t.counts.partialWindows, 0);
  for (let p = 0; p < pulses; p++) {
    assert.equal(got[p], ts[starts[p]], `pulse ${p} time`);
    const w = windows.subarray(p * (pre + post), (p + 1) * (pre + post));
    assert.deepEqual(w, v.subarray(starts[p] - pre, starts[p] + post), `pulse ${p} window`);
  }
});

Deno.test("trigger: bad specs name the key", () => {
  const input = [{ name: "timestamp_ns" }, { name: "v" }];
  const bad: [unknown, string][] = [
    [{ column: "", threshold: 1 }, "column"],
    [{ column: "nope", threshold: 1 }, "column"],
    [{ column: "v", threshold: NaN }, "threshold"],
    [{ column: "v", threshold: 1, hysteresis: -1 }, "hysteresis"],
    [{ column: "v", threshold: 1, edge: "up" }, "edge"],
    [{ column: "v", threshold: 1, pre: 0, post: 0 }, "post"],
    [{ column: "v", threshold: 1, pre: -1 }, "pre"],
    [{ column: "v", threshold: 1, post: 2.5 }, "post"],
    [{ column: "v", threshold: 1, windowColumns: ["v"] }, "window_columns"],
    [{ column: "v", threshold: 1, post: 2, windowColumns: ["w"] }, "window_columns"],
  ];
  for (const [spec, key] of bad) {
    assert.throws(
      () => new Trigger(spec as never, input),
      (e) => e instanceof ProcessorSpecError && e.key === key,
      JSON.stringify(spec),
    );
  }
});
