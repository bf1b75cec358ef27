import assert from "node:assert/strict";
import { Coincidence, ProcessorSpecError } from "../../src/processing/mod.ts";
import { batch, concat, plain } from "./_columns.ts";

Deno.test("coincidence: golden merged rows, singles counted, columns prefixed by key", () => {
  const c = new Coincidence({ inputs: ["a", "b"], windowNs: 50 });
  const a = batch([100, 1000, 2000, 3000], { e: [1, 2, 3, 4] });
  const b = batch([140, 1200, 1990, 3051, 9000], { e: [10, 20, 30, 40, 50] });
  const out = concat([c.push("a", a), c.push("b", b), c.flush()]);
  assert.deepEqual(plain(out), {
    timestamp_ns: [100, 1990],
    a_timestamp_ns: [100, 2000],
    a_e: [1, 3],
    b_timestamp_ns: [140, 1990],
    b_e: [10, 30],
  });
  assert.equal(c.counts.coincidences, 2);
  assert.deepEqual(c.counts.singles, { a: 2, b: 3 });
});

Deno.test("coincidence: three inputs must all lie within the window of the earliest", () => {
  const c = new Coincidence({ inputs: ["a", "b", "c"], windowNs: 10 });
  c.push("a", batch([0, 100], { x: [1, 2] }));
  c.push("b", batch([5, 108], { x: [3, 4] }));
  c.push("c", batch([11, 104], { x: [5, 6] }));
  const out = plain(c.flush());
  assert.deepEqual(out.timestamp_ns, [100]);
  assert.deepEqual([out.a_x, out.b_x, out.c_x], [[2], [4], [6]]);
  assert.deepEqual(c.counts.singles, { a: 1, b: 1, c: 1 });
});

Deno.test("coincidence: waits for a late input up to max_delay, then ages out what comes later", () => {
  const c = new Coincidence({ inputs: ["a", "b"], windowNs: 50, maxDelayNs: 1000 });
  // a runs ahead; b has sent nothing yet: a's events wait.
  assert.deepEqual(c.push("a", batch([0, 500], { e: [1, 2] })), []);
  assert.equal(c.waiting, 2);
  // b arrives late but within max_delay: the first pair is decided, 500 waits for b past 550.
  assert.deepEqual(plain(c.push("b", batch([20, 520], { e: [3, 4] }))).a_e, [1]);
  // a runs more than max_delay past 500: it is decided with what b sent.
  assert.deepEqual(plain(c.push("a", batch([3000], { e: [5] }))).b_e, [4]);
  // ... and past 3000: decided without b, a single.
  assert.deepEqual(c.push("a", batch([4100], { e: [6] })), []);
  assert.equal(c.counts.singles.a, 1);
  // b now sends an event for a time already decided: aged out; a later one still pairs.
  assert.deepEqual(plain(c.push("b", batch([2990, 4120], { e: [7, 8] }))).b_e ?? [], []);
  assert.equal(c.counts.agedOut.b, 1);
  assert.deepEqual(plain(c.flush()).b_e, [8]);
  assert.equal(c.counts.coincidences, 3);
  assert.deepEqual(c.counts.singles, { a: 1, b: 0 });
});

Deno.test("coincidence: 500 planted coincidences within +-50 ns among 10,000 singles each", () => {
  const base = 1_700_000_000_000_000_000n;
  const n = 10_000, planted = 500;
  let s = 99;
  const r = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
  // Singles on a 10 us grid with jitter, b's grid shifted by 5 us: never within 50 ns by chance.
  const ta: bigint[] = [], tb: bigint[] = [];
  for (let i = 0; i < n; i++) {
    ta.push(base + BigInt(i * 10_000 + Math.floor(r() * 2000)));
    tb.push(base + BigInt(i * 10_000 + 5000 + Math.floor(r() * 2000)));
  }
  // Plant: every 20th b event moved to within +-50 ns of the a event of that slot.
  const plantedAt: bigint[] = [];
  for (let p = 0; p < planted; p++) {
    const i = p * 20 + 3;
    tb[i] = ta[i] + BigInt(Math.round((r() * 2 - 1) * 50));
    plantedAt.push(ta[i] < tb[i] ? ta[i] : tb[i]);
  }
  const c = new Coincidence({ inputs: ["a", "b"], windowNs: 50, maxDelayNs: 1e9 });
  const parts = [];
  // Interleave batches of different sizes; b lags a by two batches.
  const chunk = (t: bigint[], from: number, to: number, tag: number) => [
    { name: "timestamp_ns", values: BigInt64Array.from(t.slice(from, to)) },
    { name: "id", values: Float64Array.from({ length: to - from }, (_, k) => tag + from + k) },
  ];
  const sizeA = 700, sizeB = 300;
  let ia = 0, ib = 0;
  while (ia < n || ib < n) {
    if (ia < n) {
      parts.push(c.push("a", chunk(ta, ia, Math.min(n, ia + sizeA), 0)));
      ia += sizeA;
    }
    if (ia > 1400 && ib < n) {
      parts.push(c.push("b", chunk(tb, ib, Math.min(n, ib + sizeB), 1e6)));
      ib += sizeB;
    }
  }
  parts.push(c.flush());
  const out = plain(concat(parts));
  assert.equal(out.timestamp_ns.length, planted);
  assert.equal(c.counts.coincidences, planted);
  assert.deepEqual(c.counts.singles, { a: n - planted, b: n - planted });
  assert.deepEqual(c.counts.agedOut, { a: 0, b: 0 });
  assert.deepEqual(out.timestamp_ns, plantedAt.map(Number));
  out.a_id.forEach((id, p) => {
    assert.equal(id, p * 20 + 3);
    assert.equal(out.b_id[p], 1e6 + p * 20 + 3);
  });
});

Deno.test("coincidence: bad specs name the key", () => {
  const bad: [unknown, string][] = [
    [{ inputs: ["a"], windowNs: 5 }, "inputs"],
    [{ inputs: ["a", "a"], windowNs: 5 }, "inputs"],
    [{ inputs: ["a", "b*"], windowNs: 5 }, "inputs"],
    [{ inputs: ["a", "b"], windowNs: 0 }, "window"],
    [{ inputs: ["a", "b"], windowNs: 5, maxDelayNs: -1 }, "max_delay"],
  ];
  for (const [spec, key] of bad) {
    assert.throws(
      () => new Coincidence(spec as never),
      (e) => e instanceof ProcessorSpecError && e.key === key,
      JSON.stringify(spec),
    );
  }
});
