// Seeded, bounded fuzz of the /api/live query: every query is a request within bounds or a 400
// naming the parameter, never another error.
import assert from "node:assert/strict";
import { liveRequestOf } from "../../src/dashboard/mod.ts";
import { ServeError } from "../../src/serve/mod.ts";

/** A small seeded generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "key",
  "columns",
  "window",
  "width",
  "sim",
  "sine,noise",
  ",",
  "=",
  "&",
  "%",
  "%zz",
  "%00",
  "-1",
  "0",
  "9",
  "10",
  "600",
  "601",
  "1e9",
  "NaN",
  "Infinity",
  "0x10",
  "4096",
  "4097",
  " ",
  "\u00e9",
  "a".repeat(300),
  ",,,",
  "x,".repeat(40),
];

Deno.test("live query fuzz: a request within bounds or a 400 naming the parameter", () => {
  const seed = Number(Deno.env.get("DAQ_FUZZ_SEED") ?? 20261201);
  const next = random(seed);
  const pick = () => PIECES[Math.floor(next() * PIECES.length)];
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < 20_000; i++) {
    let query = next() < 0.5 ? "key=sim&" : "";
    const parts = 1 + Math.floor(next() * 8);
    for (let p = 0; p < parts; p++) query += pick();
    const url = new URL(`http://127.0.0.1/api/live?${query}`);
    try {
      const r = liveRequestOf(url);
      assert.ok(r.key.length > 0 && r.key.length <= 256, `seed ${seed} case ${i}: ${query}`);
      assert.ok(r.windowMs >= 10_000 && r.windowMs <= 600_000, `case ${i}: ${query}`);
      assert.ok(Number.isInteger(r.width) && r.width >= 10 && r.width <= 4096, `case ${i}`);
      assert.ok(r.columns.length <= 32 && r.columns.every((c) => c.length > 0 && c.length <= 256));
      accepted++;
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      assert.ok(e instanceof ServeError, `seed ${seed} case ${i}: ${query}: ${e}`);
      assert.equal(e.status, 400);
      assert.match(e.message, /^(key|columns|window|width)/, e.message);
      refused++;
    }
  }
  assert.ok(accepted > 1000 && refused > 1000, `accepted ${accepted}, refused ${refused}`);
});
