// The `exec` and `modbus` jobs end to end, values checked in CSV files.
import assert from "node:assert/strict";
import { runLabArgs, spawnDaq } from "../../_daq.ts";
import { PYTHON, simPath, startSimulator } from "../../instruments/_sim.ts";
import { csvRows, lastStats, until } from "./_instruments.ts";

const supervisor = (id: string) =>
  `[supervisor]
id = "${id}-${crypto.randomUUID().slice(0, 8)}"
stats_interval = "100ms"
restart_backoff = "100ms"
`;

Deno.test("exec: each line of the program a row, bad lines counted, the program restarted when it exits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      `${supervisor("exec")}
[[jobs]]
type = "exec"
name = "sensor"
command = ["${PYTHON}", "-u", "${
        simPath("sensor.py")
      }", "--lines", "30", "--bad-every", "10", "--interval", "0.005"]
format = "csv"
batch_interval = "20ms"
[[jobs.columns]]
name = "temp"
unit = "degC"
[[jobs.columns]]
name = "count"
type = "int64"
[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["sensor"]
flush_interval = "100ms"
`,
    );
    const child = spawnDaq(runLabArgs(dir));
    await until(
      async () => ((await lastStats(`${dir}/stats.ndjson`))?.jobs[0].restarts ?? 0) >= 2,
      30_000,
      "two restarts",
    );
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(stderr, /\[sensor\] .*sensor ready/);
    assert.match(stderr, /line does not parse \(1 fields, expected 2\): "sensor warming up"/);
    assert.match(stderr, /exited with code 0 after 31 lines/);
    const { header, rows } = await csvRows(`${dir}/data/run000001/csv`);
    assert.deepEqual(header, ["timestamp_ns", "temp", "count"]);
    // Each run prints counts 0..29 without 9, 19, 29: rows come in whole runs, in order.
    const counts = rows.map((r) => Number(r[2]));
    const run = Array.from({ length: 30 }, (_, k) => k).filter((k) => k % 10 !== 9);
    assert.ok(counts.length >= 2 * run.length, `${counts.length} rows`);
    counts.forEach((c, i) => assert.equal(c, run[i % run.length]));
    rows.forEach((r) => assert.equal(Number(r[1]), 20 + 0.25 * Number(r[2])));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("modbus: registers of every kind and word order in the CSV, exceptions counted by name", async () => {
  const sim = startSimulator("sim_modbus.py", ["--port", "0", "--unit", "5"]);
  const dir = await Deno.makeTempDir();
  try {
    const { port } = await sim.next("listening") as { port: number };
    const reg = (name: string, kind: string, address: number, extra = "") =>
      `[[jobs.registers]]\nname = "${name}"\nkind = "${kind}"\naddress = ${address}\n${extra}\n`;
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      `${supervisor("modbus")}
[[jobs]]
type = "modbus"
name = "plc"
address = "tcp://127.0.0.1:${port}"
unit_id = 5
poll_interval = "50ms"
timeout = "1s"
${reg("pi", "holding", 100, 'type = "float32"\nunit = "rad"')}
${reg("minus2", "holding", 102, 'type = "int16"\nscale = 0.5')}
${reg("big", "holding", 104, 'type = "uint32"')}
${reg("little", "holding", 106, 'type = "uint32"\nword_order = "little"')}
${reg("reads", "input", 0)}
${reg("neg", "input", 1, 'type = "int32"')}
${reg("c0", "coil", 0)}
${reg("d2", "discrete", 2)}
${reg("missing", "input", 1500)}
[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["plc"]
flush_interval = "100ms"
`,
    );
    const child = spawnDaq(runLabArgs(dir));
    await until(
      async () => ((await lastStats(`${dir}/stats.ndjson`))?.jobs[0].extra.polls ?? 0) >= 5,
      20_000,
      "5 polls",
    );
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(stderr, /exception ILLEGAL DATA ADDRESS \(code 2\) reading 1 input from 1500/);
    const { header, rows } = await csvRows(`${dir}/data/run000001/csv`);
    assert.deepEqual(header, [
      "timestamp_ns",
      "pi",
      "minus2",
      "big",
      "little",
      "reads",
      "neg",
      "c0",
      "d2",
      "missing",
    ]);
    assert.ok(rows.length >= 5);
    rows.forEach((r, k) => {
      assert.ok(Math.abs(Number(r[1]) - 3.14159274) < 1e-6);
      assert.deepEqual(r.slice(2, 9).map(Number), [-1, 65538, 65538, k + 1, -100000, 1, 0]);
      assert.equal(r[9], "NaN");
    });
    const plc = (await lastStats(`${dir}/stats.ndjson`))!.jobs.find((j) => j.name === "plc")!.extra;
    assert.equal(plc.requests_per_poll, 6);
    assert.equal(plc.exceptions, plc["exception.ILLEGAL_DATA_ADDRESS"]);
    assert.ok(plc.exceptions >= rows.length);
  } finally {
    await sim.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
