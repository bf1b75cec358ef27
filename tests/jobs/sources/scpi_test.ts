// The `scpi` job end to end: `daq run` against the simulated instrument over TCP and over a
// pseudo-terminal, values checked in the CSV files; settings called from a test and from
// another job; bad configs refused naming the key.
import assert from "node:assert/strict";
import { runLabArgs, spawnDaq } from "../../_daq.ts";
import { PYTHON, startSimulator } from "../../instruments/_sim.ts";
import { csvRows, lastStats, until } from "./_instruments.ts";
import { parseConfigFiles } from "../../../src/config/load.ts";
import { BUILTIN_JOB_TYPES } from "../../../src/jobs/catalogue.ts";
import { startSupervisor } from "../../../src/supervisor/mod.ts";
import { jobType } from "../../../src/job/define.ts";

function scpiConfig(address: string, extra = ""): string {
  return `[supervisor]
id = "scpi-${crypto.randomUUID().slice(0, 8)}"
stats_interval = "100ms"
[[jobs]]
type = "scpi"
name = "dmm"
address = "${address}"
poll_interval = "50ms"
timeout = "1s"
reconnect_backoff = "100ms"
reconnect_backoff_max = "400ms"
init = ["*CLS", "CONF:VOLT:DC 10"]
${extra}
[[jobs.readings]]
name = "voltage"
query = "MEAS:VOLT:DC?"
unit = "V"
[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["dmm"]
flush_interval = "100ms"
`;
}

Deno.test("scpi over TCP: values in order in the CSV, a drop and a stall counted, stop within a second of Ctrl-C", async () => {
  const sim = startSimulator("sim_scpi.py", [
    "--tcp",
    "0",
    "--drop-at",
    "5",
    "--stall-at",
    "15",
    "--stall-seconds",
    "60",
  ]);
  const dir = await Deno.makeTempDir();
  try {
    const { port } = await sim.next("listening") as { port: number };
    await Deno.writeTextFile(`${dir}/lab.toml`, scpiConfig(`tcp://127.0.0.1:${port}`));
    const child = spawnDaq(runLabArgs(dir));
    await sim.next("stall", 30_000);
    // Stalled for good: wait for the timeout and the reconnect after it, then Ctrl-C.
    await until(
      async () => {
        const extra = (await lastStats(`${dir}/stats.ndjson`))?.jobs[0].extra;
        return (extra?.timeouts ?? 0) >= 1 && (extra?.reconnects ?? 0) >= 2;
      },
      30_000,
      "a timeout and two reconnects",
    );
    const t = performance.now();
    child.kill("SIGINT");
    const out = await child.output();
    const stopMs = performance.now() - t;
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    // Within a second is the goal; the margin covers the shared 2-core machine's stalls.
    assert.ok(stopMs < 2500, `stopped ${stopMs.toFixed(0)} ms after Ctrl-C`);
    const last = (await lastStats(`${dir}/stats.ndjson`))!;
    const dmm = last.jobs.find((j) => j.name === "dmm")!;
    assert.ok(dmm.extra.reconnects >= 2, `reconnects ${dmm.extra.reconnects}`);
    assert.ok(dmm.extra.timeouts >= 1);
    assert.equal(dmm.identity, "SIMCO,SIM-1000,SN0001,1.0");
    assert.match(stderr, /\] dmm identity: SIMCO,SIM-1000,SN0001,1\.0/);
    assert.match(stderr, /dmm running: (polling|connecting \(attempt \d+, next in [\d.]+ s\))/);
    const { header, rows } = await csvRows(`${dir}/data/run000001/csv`);
    assert.deepEqual(header, ["timestamp_ns", "voltage"]);
    assert.equal(rows.length, 13, "14 queries answered before the stall, one of them dropped");
    assert.deepEqual(rows.map((r) => Number(r[1])), rows.map((_, k) => 1 + 0.5 * k));
    assert.equal(dmm.extra.polls, rows.length);
    // The init commands were sent again after each reconnect.
    const connections: string[][] = [];
    for (const e of sim.events) {
      if (e.event === "connect") connections.push([]);
      else if (e.event === "command") connections.at(-1)?.push(String(e.text));
    }
    assert.equal(connections.length, 2, "the third connection waits behind the stalled one");
    for (const c of connections) assert.deepEqual(c.slice(0, 2), ["*CLS", "CONF:VOLT:DC 10"]);
  } finally {
    await sim.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scpi over a serial line (pseudo-terminal): the same values in the CSV", async () => {
  const sim = startSimulator("sim_scpi.py", ["--pty"]);
  const dir = await Deno.makeTempDir();
  try {
    const { path } = await sim.next("pty") as { path: string };
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      scpiConfig(`serial://${path}?baud=115200`) +
        `[[jobs]]\ntype = "store.hdf5"\nname = "h5"\ninputs = ["dmm"]\nring_path = "${dir}/h5.ring"\n`,
    );
    const child = spawnDaq(runLabArgs(dir));
    await until(
      async () => ((await lastStats(`${dir}/stats.ndjson`))?.jobs[0].extra.polls ?? 0) >= 10,
      20_000,
      "10 polls",
    );
    child.kill("SIGINT");
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const { rows } = await csvRows(`${dir}/data/run000001/csv`);
    assert.ok(rows.length >= 10);
    assert.deepEqual(rows.map((r) => Number(r[1])), rows.map((_, k) => 1 + 0.5 * k));
    const dmm = (await lastStats(`${dir}/stats.ndjson`))!.jobs.find((j) => j.name === "dmm")!;
    assert.equal(dmm.identity, "SIMCO,SIM-1000,SN0001,1.0");
    // The identity is in the HDF5 file: the attribute `instrument` of the reading's dataset.
    const h5 = [...Deno.readDirSync(`${dir}/data/run000001/h5`)].map((e) =>
      `${dir}/data/run000001/h5/${e.name}`
    );
    const py = await new Deno.Command(PYTHON, {
      args: [
        "-c",
        'import sys, h5py\nd = h5py.File(sys.argv[1])["dmm"]["voltage"]\nprint(d.attrs["instrument"], d.attrs["unit"], list(d[:5]))',
        h5[0],
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(py.code, 0, new TextDecoder().decode(py.stderr));
    assert.equal(
      new TextDecoder().decode(py.stdout).trim(),
      "SIMCO,SIM-1000,SN0001,1.0 V [1.0, 1.5, 2.0, 2.5, 3.0]",
    );
  } finally {
    await sim.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scpi settings: applied between polls through the supervisor, refused with the reason", async () => {
  const sim = startSimulator("sim_scpi.py", ["--tcp", "0"]);
  const dir = await Deno.makeTempDir();
  try {
    const { port } = await sim.next("listening") as { port: number };
    const text = scpiConfig(
      `tcp://127.0.0.1:${port}`,
      `[[jobs.settings]]\nname = "voltage"\ncommand = "VOLT {value}"\nmin = 0\nmax = 30\n` +
        `[[jobs.settings]]\nname = "bogus"\ncommand = "VOLTAGE:NOPE {value}"\n`,
    ).replace(
      /\[\[jobs\]\]\ntype = "store.csv"[^]*$/,
      `[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["dmm"]
`,
    );
    const config = parseConfigFiles([{ file: `${dir}/lab.toml`, text }], {
      jobTypes: BUILTIN_JOB_TYPES,
      dataDir: `${dir}/data`,
    });
    const logs: string[] = [];
    const sup = startSupervisor(config, { onLog: (l, j, t) => logs.push(`${l} ${j} ${t}`) });
    try {
      // (A setting sent before the instrument is connected waits for it: scpi_session_test.ts.
      // Here the Worker may take seconds to load under deno test: wait for polls first.)
      await until(
        () => (sup.snapshot().jobs.find((j) => j.name === "dmm")?.extra.polls ?? 0) >= 2,
        60_000,
        "polls",
      );
      await sup.applySetting("dmm", "voltage", 2.5);
      await sup.applySetting("dmm", "voltage", 7.5);
      await assert.rejects(
        sup.applySetting("dmm", "voltage", 99),
        /refused setting voltage: .*99 is above max 30/,
      );
      await assert.rejects(
        sup.applySetting("dmm", "current", 1),
        /no setting "current" \(settings: voltage, bogus\)/,
      );
      await assert.rejects(sup.applySetting("dmm", "voltage", "high"), /expected a number/);
      await assert.rejects(
        sup.applySetting("dmm", "bogus", 1),
        /VOLTAGE:NOPE 1: the instrument reported -113,"Undefined header"/,
      );
      const commands = sim.all("command").map((c) => c.text);
      assert.deepEqual(commands.filter((c) => String(c).startsWith("VOLT")), [
        "VOLT 2.5",
        "VOLT 7.5",
        "VOLTAGE:NOPE 1",
      ]);
      await until(
        () => sup.snapshot().jobs.find((j) => j.name === "dmm")?.extra.settings_applied === 3,
        5000,
        "figure",
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${logs.join("\n")}`);
    } finally {
      await sup.stop();
    }
  } finally {
    await sim.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scpi settings: sent from a user's job with ctx.requestSetting", async () => {
  const sim = startSimulator("sim_scpi.py", ["--tcp", "0"]);
  const dir = await Deno.makeTempDir();
  try {
    const { port } = await sim.next("listening") as { port: number };
    const setterUrl = new URL("./_setter_job.ts", import.meta.url);
    const jobTypes = {
      ...BUILTIN_JOB_TYPES,
      setter: jobType(setterUrl, (await import(setterUrl.href)).default),
    };
    const text = scpiConfig(
      `tcp://127.0.0.1:${port}`,
      `[[jobs.settings]]\nname = "voltage"\ncommand = "VOLT {value}"\nmin = 0\nmax = 30\n`,
    ).replace(
      /\[\[jobs\]\]\ntype = "store.csv"[^]*$/,
      `[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["dmm"]
[[jobs]]
type = "setter"
name = "sequencer"
target = "dmm"
value = 7.5
`,
    );
    const config = parseConfigFiles([{ file: `${dir}/lab.toml`, text }], {
      jobTypes,
      dataDir: `${dir}/data`,
    });
    const logs: string[] = [];
    const sup = startSupervisor(config, { onLog: (_l, job, t) => logs.push(`${job}: ${t}`) });
    try {
      await until(
        () => logs.some((l) => l.startsWith("sequencer: refused")),
        60_000,
        "both settings",
      );
      assert.ok(logs.includes("sequencer: set dmm voltage = 7.5"), logs.join("\n"));
      assert.ok(
        logs.some((l) => /^sequencer: refused: .*1000 is above max 30/.test(l)),
        logs.join("\n"),
      );
      assert.ok(sim.all("command").some((c) => c.text === "VOLT 7.5"));
    } finally {
      await sup.stop();
    }
  } finally {
    await sim.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
