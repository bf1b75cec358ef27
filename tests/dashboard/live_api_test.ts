// /api/live of a real `daq serve`: values as the source made them, at most ten updates a
// second, sequence numbers that go on after a reconnect, bad queries refused by name.
import assert from "node:assert/strict";
import { json, serveConfig, startServe, waitUntil } from "../serve/_serve.ts";

/** Reads `count` SSE events from `url`, with `lastEventId` if given. */
async function readEvents(
  url: string,
  count: number,
  lastEventId?: string,
): Promise<{ id: string; data: Record<string, unknown> }[]> {
  const headers: Record<string, string> = {};
  if (lastEventId) headers["last-event-id"] = lastEventId;
  const res = await fetch(url, { headers });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const out: { id: string; data: Record<string, unknown> }[] = [];
  let buf = "";
  for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let end;
    while ((end = buf.indexOf("\n\n")) >= 0 && out.length < count) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const id = /^id: (.*)$/m.exec(block)![1];
      out.push({ id, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]) });
    }
    if (out.length >= count) break;
  }
  await res.body?.cancel().catch(() => {});
  return out;
}

Deno.test({
  name: "live API: the source's values per pixel, ten updates a second, numbers that resume",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/lab.toml`, serveConfig("", 1000, 100));
    const srv = await startServe(dir, ["--start"]);
    try {
      await waitUntil(
        async () => JSON.stringify(await (await srv.get("/api/live/keys")).json()) === '["sim"]',
        "the run's keys",
      );
      for (
        const [query, error] of [
          ["", /key/],
          ["?key=sim&window=5", /window: expected a number from 10 to 600/],
          ["?key=sim&width=1e9", /width/],
          ["?key=sim&columns=a,,b", /columns/],
        ] as const
      ) {
        const r = await json(srv.get(`/api/live${query}`));
        assert.equal(r.status, 400, query);
        assert.match(String(r.body.error), error);
      }
      const url = `${srv.url}/api/live?key=sim&columns=sine&window=10&width=40`;
      await readEvents(url, 1); // opens the tap
      await waitUntil(async () => {
        const [e] = await readEvents(url, 1);
        return ((e.data.tap as { rows: number }).rows ?? 0) >= 3000;
      }, "3 s of rows seen by the tap");
      const t0 = Date.now();
      const events = await readEvents(url, 12);
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 1000, `12 updates took ${elapsed} ms: at most ten a second`);
      assert.deepEqual(events.map((e) => Number(e.id)), events.map((_, i) => i + 1));
      const last = events.at(-1)!.data as {
        series: { sine: { t: number[]; min: number[]; max: number[] } };
        tap: { drops: number };
      };
      assert.equal(events.at(-1)!.id, "12");
      // A 1 kHz sine of 5 Hz (amplitude 1) in 250 ms pixels: each whole pixel holds more
      // than a period, so its min and max are the sine's extremes.
      const { min, max } = last.series.sine;
      const seen = min.map((v, i) => [v, max[i]]).filter(([a]) => a !== null && !Number.isNaN(a));
      assert.ok(seen.length >= 8, `${seen.length} pixels with data`);
      for (const [a, b] of seen) assert.ok(a >= -1 && b <= 1 && a <= b, `${a} ${b}`);
      const inner = seen.slice(1, -1);
      assert.ok(inner.every(([a, b]) => a < -0.99 && b > 0.99), JSON.stringify(inner));
      assert.equal(last.tap.drops, 0, "a slow source: the tap saw everything");
      const resumed = await readEvents(url, 2, "41");
      assert.deepEqual(resumed.map((e) => e.id), ["42", "43"], "numbers go on after a reconnect");
      const [gone] = await readEvents(`${srv.url}/api/live?key=nope`, 1);
      assert.equal(gone.data.gone, true);
    } finally {
      assert.equal(await srv.stop(), 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
