import assert from "node:assert/strict";
import { createColumnHistory, reduceTrace } from "../../src/dashboard/history.ts";
import { createLiveData, TAP_POLL_MS } from "../../src/dashboard/live.ts";
import { batchFromColumns, planBatch, RecordType } from "../../src/transport/payload.ts";
import { createRing, ringCounters, RingWriter } from "../../src/transport/ring.ts";

Deno.test("history: min and max per pixel over a window, NaN where nothing was seen", () => {
  const h = createColumnHistory({ bucketMs: 10, buckets: 1000 });
  // 1 kHz for 2 s: value = sample index; a spike of 1000 at t = 1500 ms.
  const t = Float64Array.from({ length: 2000 }, (_, i) => 10_000 + i);
  const v = Float64Array.from({ length: 2000 }, (_, i) => (i === 1500 ? 1000 : i % 100));
  h.add(t, v);
  const s = h.window(12_000, 2000, 20); // 100 ms per pixel
  assert.equal(s.t[0], 10_000);
  assert.equal(s.t[19], 11_900);
  for (let p = 0; p < 20; p++) {
    assert.equal(s.min[p], p === 15 ? 1 : 0, `pixel ${p}`); // the spike replaced a 0
    assert.equal(s.max[p], p === 15 ? 1000 : 99, `pixel ${p}`);
  }
  const wider = h.window(12_000, 4000, 40); // the first half is before any sample
  assert.ok(wider.min.slice(0, 20).every(Number.isNaN));
  assert.equal(wider.max[35], 1000);
  assert.equal(h.newestMs, 11_999);
});

Deno.test("history: older buckets age out of the span; late samples do not overwrite newer ones", () => {
  const h = createColumnHistory({ bucketMs: 10, buckets: 100 }); // 1 s span
  h.add([0, 5, 15], [1, 2, 3]);
  h.add([1000 + 5], [7]); // same slot as bucket 0, one span later
  h.add([3], [-50]); // late, for the bucket that was replaced: ignored
  const s = h.window(1000, 1000, 100); // 10 ms a pixel; the end is in the last pixel
  assert.ok(Number.isNaN(s.min[0]), "bucket 0 aged out");
  assert.equal(s.max[1], 3);
  assert.equal(s.max[99], 7);
});

Deno.test("trace: reduced to min/max pairs per pixel", () => {
  const r = reduceTrace([1, 5, 2, 8, 3, 3, -1, 0], 4);
  assert.deepEqual(r, { min: [1, 2, 3, -1], max: [5, 8, 3, 0] });
  assert.equal(reduceTrace([1, 2], 100).min.length, 2, "never wider than the trace");
});

Deno.test("live: a tap ring's batches as min/max per pixel; drops before the view opened are nobody's", async () => {
  const ring = createRing(1 << 16, "drop-newest", { dropOversize: true });
  const writer = new RingWriter(ring);
  const live = createLiveData(() => [{ key: "sim", from: "sim", ring }]);
  const request = { key: "sim", columns: [], windowMs: 10_000, width: 100 };
  const t0 = 1_700_000_000_000;
  const send = async (b: number) => {
    const ts = BigInt64Array.from(
      { length: 100 },
      (_, i) => BigInt(t0 + (b * 100 + i) * 10) * 1_000_000n,
    );
    const v = Float64Array.from({ length: 100 }, (_, i) => b * 100 + i);
    const enc = planBatch(
      batchFromColumns([{ name: "timestamp_ns", values: ts }, { name: "v", values: v }]),
    );
    return await writer.write(RecordType.arrow, enc.length, enc.fill);
  };
  // Nobody watches yet: the ring fills, then drops.
  let b = 0;
  while (await send(b) === "written") b++;
  const dropsUnwatched = ringCounters(ring).droppedNewest;
  assert.equal(dropsUnwatched, 1);
  assert.equal(live.update({ ...request, key: "nope" }), undefined);
  assert.equal(live.update(request)!.tap.drops, 0, "the view opens with no drops of its own");
  await new Promise((r) => setTimeout(r, TAP_POLL_MS * 3));
  for (let k = 0; k < 3; k++) assert.equal(await send(b + 1 + k), "written");
  await new Promise((r) => setTimeout(r, TAP_POLL_MS * 3));
  const u = live.update(request)!;
  assert.deepEqual(u.columns, ["v"]);
  assert.equal(u.tap.seen, b + 3, "what the ring held, then the three new batches");
  assert.equal(u.tap.rows, (b + 3) * 100);
  assert.equal(u.tap.drops, 0);
  const last = (b + 3) * 100 + 99;
  assert.ok(Math.abs(u.endMs - (t0 + last * 10)) < 0.01, `${u.endMs}`);
  assert.equal(u.series.v.max[99], last, "the newest pixel holds the last value");
  assert.equal(u.series.v.min[0], last - 1000, "the oldest pixel starts 10 s before the newest");
  // A record larger than the tap ring can hold is dropped, counted: the producer goes on.
  assert.equal(await writer.writeBytes(RecordType.bytes, new Uint8Array(1 << 16)), "dropped");
  assert.equal(live.update(request)!.tap.drops, 1);
  assert.equal(live.tapDrops(), 1);
  live.close();
});

Deno.test("live: plotted values are the exact ones to 7 significant digits", async () => {
  const ring = createRing(1 << 16, "drop-newest", { dropOversize: true });
  const writer = new RingWriter(ring);
  const live = createLiveData(() => [{ key: "sim", from: "sim", ring }]);
  const request = { key: "sim", columns: [], windowMs: 20_000, width: 40 };
  assert.equal(live.update(request)!.tap.seen, 0);
  const t0 = 1_700_000_000_000;
  const values = Float64Array.from({ length: 10 }, (_, i) => (i + 1) / 3 * 10 ** (i - 5));
  const ts = BigInt64Array.from({ length: 10 }, (_, i) => BigInt(t0 + i * 1000) * 1_000_000n);
  const enc = planBatch(
    batchFromColumns([{ name: "timestamp_ns", values: ts }, { name: "v", values }]),
  );
  assert.equal(await writer.write(RecordType.arrow, enc.length, enc.fill), "written");
  await new Promise((r) => setTimeout(r, TAP_POLL_MS * 3));
  const shown = live.update(request)!.series.v.max.filter((v) => !Number.isNaN(v));
  assert.equal(shown.length, 10, "one sample per pixel: 500 ms a pixel, a sample a second");
  for (let i = 0; i < 10; i++) {
    assert.equal(shown[i], Number(values[i].toPrecision(7)), `pixel ${i}`);
    assert.ok(Math.abs(shown[i] / values[i] - 1) < 1e-6, `pixel ${i}: ${shown[i]}`);
  }
  live.close();
});

Deno.test("live: a view opened on a full tap ring folds its newest records, the older counted as tap drops", async () => {
  const ring = createRing(2 << 20, "drop-newest", { dropOversize: true });
  const writer = new RingWriter(ring);
  const live = createLiveData(() => [{ key: "sim", from: "sim", ring }]);
  const t0 = 1_700_000_000_000;
  const rows = 1000; // 16 KB a record
  let b = 0;
  const send = async () => {
    const ts = BigInt64Array.from(
      { length: rows },
      (_, i) => BigInt((t0 + b * 100) * 1000 + i * 100) * 1000n,
    );
    const v = Float64Array.from({ length: rows }, () => b);
    const enc = planBatch(
      batchFromColumns([{ name: "timestamp_ns", values: ts }, { name: "v", values: v }]),
    );
    b++;
    return await writer.write(RecordType.arrow, enc.length, enc.fill);
  };
  for (let k = 0; k < 100; k++) assert.equal(await send(), "written"); // 1.6 MB, 10 s of data
  const request = { key: "sim", columns: [], windowMs: 20_000, width: 200 };
  assert.equal(live.update(request)!.tap.seen, 0);
  await new Promise((r) => setTimeout(r, TAP_POLL_MS * 3));
  const u = live.update(request)!;
  assert.equal(u.tap.seen, 100);
  const folded = u.tap.batches;
  assert.ok(folded >= 25 && folded <= 33, `${folded} batches folded: about 512 KiB`);
  assert.equal(u.tap.drops, 100 - folded, "the older ones, counted");
  const shown = u.series.v.max.filter((x) => !Number.isNaN(x));
  assert.equal(Math.max(...shown), 99, "the newest record is shown");
  assert.equal(Math.min(...u.series.v.min.filter((x) => !Number.isNaN(x))), 100 - folded);
  live.close();
});
