// config/examples/user_job: a lab's own source and processor (TypeScript modules next to the
// config) into store.csv, run for real; the averages in the CSV are recomputed here.
import assert from "node:assert/strict";
import { FIRST_RUN, runDaq } from "../_daq.ts";

Deno.test("config/examples/user_job: the thermometer and moving-average jobs run; the CSV holds their rows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = "config/examples/user_job/lab.toml";
    const check = await runDaq(["check", config]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /thermo \(.*\/jobs\/thermometer\.ts, source\) sends=thermo/);
    assert.match(check.stdout, /avg \(.*\/jobs\/moving_average\.ts, processor\) sends=avg/);
    const r = await runDaq(["run", config, "--duration", "3s", "--data-dir", dir, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    const csvDir = `${dir}/${FIRST_RUN}/csv`;
    const files = [...Deno.readDirSync(csvDir)].map((e) => e.name);
    assert.equal(files.length, 1, files.join(", "));
    const lines = Deno.readTextFileSync(`${csvDir}/${files[0]}`).split("\n")
      .filter((l) => l && !l.startsWith("#"));
    assert.equal(lines[0], "timestamp_ns,celsius,celsius_avg");
    const rows = lines.slice(1).map((l) => l.split(",").map(Number));
    // At least two readings (one every 100 ms), so that the average spans more than one;
    // no more is asked of a loaded machine.
    assert.ok(rows.length >= 2, `${rows.length} rows`);
    const window = 10;
    rows.forEach(([, celsius, avg], i) => {
      assert.ok(celsius > 20 && celsius < 23, `celsius ${celsius}`);
      const from = Math.max(0, i - window + 1);
      const mean = rows.slice(from, i + 1).reduce((s, r) => s + r[1], 0) / (i + 1 - from);
      assert.ok(Math.abs(avg - mean) < 1e-9, `row ${i}: ${avg} vs ${mean}`);
    });
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i][0] > rows[i - 1][0], "time order");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
