// A `signal` source whose batches are far apart waits for them: a wait longer than a timer
// can take (rate_hz = 1/3600 with batch_rows = 1000 is 41 days) used to fire at once and
// invent 1.26 M rows with timestamps 144 years ahead; and a stop during a wait sends no batch
// of rows whose time has not come.
import assert from "node:assert/strict";
import { FIRST_RUN, readStats, runDaq, runLabArgs } from "../../_daq.ts";

function config(id: string, source: string): string {
  return `[supervisor]\nid = "${id}"\nstats_interval = "50ms"\n` +
    `[[jobs]]\ntype = "signal"\nname = "sim"\n${source}\n` +
    `[[jobs]]\ntype = "store.csv"\nname = "csv"\ninputs = ["sim"]\ndate_in_name = false\n` +
    `[[jobs]]\ntype = "store.memory"\nname = "mem"\ninputs = ["sim"]\n`;
}

async function csvTimestamps(dir: string): Promise<bigint[]> {
  const files = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
  const out: bigint[] = [];
  for (const f of files) {
    const text = await Deno.readTextFile(`${dir}/${f.name}`);
    for (const line of text.split("\n").slice(0)) {
      if (/^\d/.test(line)) out.push(BigInt(line.split(",")[0]));
    }
  }
  return out;
}

Deno.test("signal: a 41-day wait between batches waits; the stop is prompt and nothing is invented", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      config(`wait${Deno.pid}`, "rate_hz = 0.000277777\nbatch_rows = 1000"),
    );
    const t0 = performance.now();
    const r = await runDaq([...runLabArgs(dir), "--duration", "2s"]);
    const elapsedMs = performance.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    for (const job of ["sim", "csv", "mem"]) {
      assert.equal(last.jobs.find((j) => j.name === job)!.rows, 0, `${job}: no rows`);
    }
    assert.deepEqual(await csvTimestamps(`${dir}/data/${FIRST_RUN}/csv`), []);
    // Generous (a shared machine): a stop that waited for the batch would take 41 days.
    assert.ok(elapsedMs < 30_000, `the run took ${elapsedMs} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("signal: a stop during the wait for a batch sends no rows from the future", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // One batch of 2 rows every second; the stop comes while it waits for one.
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      config(`future${Deno.pid}`, "rate_hz = 2\nbatch_rows = 2"),
    );
    const r = await runDaq([...runLabArgs(dir), "--duration", "3500ms"]);
    const endNs = BigInt(Date.now()) * 1_000_000n;
    assert.equal(r.code, 0, r.stderr);
    const ts = await csvTimestamps(`${dir}/data/${FIRST_RUN}/csv`);
    assert.equal(ts.length % 2, 0);
    assert.ok(ts.length >= 2, `rows: ${ts.length}`);
    for (const t of ts) assert.ok(t <= endNs, `a row stamped ${t - endNs} ns after the run ended`);
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    assert.equal(last.jobs.find((j) => j.name === "sim")!.rows, ts.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
