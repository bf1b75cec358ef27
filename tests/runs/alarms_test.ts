import assert from "node:assert/strict";
import { parseConfigFiles } from "../../src/config/load.ts";
import { BUILTIN_JOB_TYPES } from "../../src/jobs/catalogue.ts";
import { readManifest, startRun } from "../../src/runs/mod.ts";

Deno.test("runs: alarm state changes go into the manifest; stop_run ends the run; acknowledged in between", async () => {
  const dir = await Deno.makeTempDir({ prefix: "daq_run_alarms_" });
  try {
    const text = `
[supervisor]
id = "t"
data_dir = "${dir}"
stats_interval = "50ms"
stop_timeout = "120s"

[[jobs]]
type = "signal"
name = "sim"
rate_hz = 1000
batch_rows = 50

[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["sim"]

[[alarms]]
name = "enough rows"
when = "jobs.mem.rows >= 500"
level = "warning"

[[alarms]]
name = "lots of rows"
when = "jobs.mem.rows >= 1500"
action = ["stop_run"]
`;
    const config = parseConfigFiles([{ file: "lab.toml", text }], { jobTypes: BUILTIN_JOB_TYPES });
    const run = await startRun(config);
    assert.ok(run.alarms, "a run with [[alarms]] has an alarm monitor");
    for (let i = 0; i < 1200 && run.alarms.states()[0].state !== "triggered"; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const ack = run.alarms.acknowledge("enough rows", "test");
    assert.equal(ack.to, "acknowledged");
    const final = await Promise.race([
      run.done,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no stop_run")), 60_000)),
    ]);
    assert.equal(final.status, "success");
    assert.match(final.reason, /alarm "lots of rows" triggered/);
    const onDisk = await readManifest(run.dir);
    assert.deepEqual(onDisk.alarms.map((e) => [e.alarm, e.from, e.to]), [
      ["enough rows", "ok", "triggered"],
      ["enough rows", "triggered", "acknowledged"],
      ["lots of rows", "ok", "triggered"],
    ]);
    assert.equal(onDisk.alarms[1].by, "test");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
