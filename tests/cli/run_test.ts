import assert from "node:assert/strict";
import { FIRST_RUN, readStats, runDaq, runLabArgs, signalJob, spawnDaq } from "../_daq.ts";
import { type ChannelSpec, signalValue } from "../../src/jobs/sources/signal.ts";

const CHANNELS: ChannelSpec[] = [
  { name: "sine", shape: "sine", freq_hz: 50, amplitude: 2, offset: 0.5, unit: "V" },
  { name: "noise", shape: "noise", freq_hz: 1, amplitude: 0.1, offset: 0, unit: "V" },
  { name: "square", shape: "square", freq_hz: 20, amplitude: 1, offset: 0, unit: "V" },
  { name: "pulses", shape: "pulses", freq_hz: 10, amplitude: 3, offset: 0, unit: "mV" },
];

function config(extraSource = "", extraJobs = ""): string {
  return `
[supervisor]
id = "t"
stats_interval = "50ms"
restart_backoff = "100ms"
restart_limit = 1

${signalJob({ seed: 7, rateHz: 100000, batchRows: 500, extra: extraSource, channels: CHANNELS })}

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["sim"]
date_in_name = false

[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["sim"]
${extraJobs}
`;
}

async function csvRows(
  dir: string,
): Promise<{ header: string[]; rows: string[][]; comments: string[] }> {
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".csv"))
    .sort();
  let header: string[] = [];
  const rows: string[][] = [];
  const comments: string[] = [];
  for (const f of files) {
    const lines = (await Deno.readTextFile(`${dir}/${f}`)).trim().split("\n");
    for (const line of lines) {
      if (line.startsWith("#")) comments.push(line);
      else if (line.startsWith("timestamp_ns")) header = line.split(",");
      else rows.push(line.split(","));
    }
  }
  return { header, rows, comments };
}

Deno.test("daq run: a deterministic source lands in CSV with exactly the values it generated", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/lab.toml`, config("max_batches = 20"));
    const r = await runDaq([...runLabArgs(dir)]);
    assert.equal(r.code, 0, r.stderr);
    const { header, rows, comments } = await csvRows(`${dir}/data/${FIRST_RUN}/csv`);
    assert.deepEqual(header, ["timestamp_ns", "sine", "noise", "square", "pulses"]);
    assert.equal(rows.length, 20 * 500);
    const t0 = BigInt(rows[0][0]);
    for (let i = 0; i < rows.length; i++) {
      assert.equal(BigInt(rows[i][0]) - t0, BigInt(i) * 10_000n, `timestamp of row ${i}`);
      CHANNELS.forEach((ch, c) => {
        assert.equal(
          Number(rows[i][c + 1]),
          signalValue(ch, i, 100000, 7),
          `${ch.name} at row ${i}`,
        );
      });
    }
    assert.ok(
      comments.some((c) => c.startsWith("# config: {") && c.includes('"seed":7')),
      "config recorded",
    );
    const stats = await readStats(`${dir}/stats.ndjson`);
    assert.ok(stats.length >= 1);
    const last = stats.at(-1)!;
    const byName = Object.fromEntries(last.jobs.map((j) => [j.name, j]));
    assert.equal(byName.sim.rows, 10000);
    assert.equal(byName.csv.rows, 10000);
    assert.equal(byName.mem.rows, 10000);
    assert.equal(byName.csv.drops + byName.csv.gaps, 0);
    assert.ok(last.routes.every((rt) => rt.written === 20 && rt.read === 20));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq run: SIGINT stops cleanly and every row sent reaches the stores", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/lab.toml`, config());
    const child = spawnDaq([...runLabArgs(dir)]);
    await new Promise((r) => setTimeout(r, 2500));
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(stderr, /interrupt: stopping cleanly/);
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    const sim = last.jobs.find((j) => j.name === "sim")!;
    assert.ok(sim.rows > 0);
    const { rows } = await csvRows(`${dir}/data/${FIRST_RUN}/csv`);
    assert.equal(rows.length, sim.rows);
    assert.equal(last.jobs.find((j) => j.name === "mem")!.rows, sim.rows);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq run: a crashing job is restarted, then given up on (exit 2) while the rest keep running", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bad = `
[[jobs]]
type = "signal"
name = "flaky"
rate_hz = 1000
batch_rows = 100
crash_after = 2

[[jobs]]
type = "store.memory"
name = "flakymem"
inputs = ["flaky"]
`;
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      config("max_batches = 200\nrate_hz = 20000", bad).replace("rate_hz = 100000\n", ""),
    );
    const r = await runDaq([...runLabArgs(dir), "--duration", "8s"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /\[flaky\] crashed: Error: crash_after = 2: crashing on purpose; restart 1 in 0\.1 s/,
    );
    assert.match(r.stderr, /\[flaky\] crashed: .*gave up after 1 restarts/);
    assert.match(r.stderr, /failed for good: flaky/);
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    const byName = Object.fromEntries(last.jobs.map((j) => [j.name, j]));
    assert.equal(byName.flaky.state, "failed");
    assert.equal(byName.flaky.restarts, 1);
    assert.equal(byName.flakymem.rows, 400);
    assert.equal(byName.csv.rows, 200 * 500);
    assert.equal(byName.csv.state, "finished");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq check: prints jobs and routes; bad configs and usage exit 1 with a clear message", async () => {
  const ok = await runDaq([
    "check",
    new URL("../../config/default.toml", import.meta.url).pathname,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /routes:\n\s+sim -> csv\s+key=sim policy=block ring=16\.0 MiB/);
  assert.match(ok.stdout, /csv \(store\.csv, store\) permissions: read=data\/csv write=data\/csv/);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/bad.toml`,
      config().replace("rate_hz = 100000", 'rate_hz = "fast"'),
    );
    const bad = await runDaq(["check", `${dir}/bad.toml`]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /config error: .*bad\.toml:\d+: jobs\[0\]\.rate_hz: expected a positive number, got "fast"/,
    );
    assert.doesNotMatch(bad.stderr, /\n\s+at /, "no stack trace");
    const run = await runDaq(["run", `${dir}/bad.toml`]);
    assert.equal(run.code, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const usage = await runDaq(["run", "--duration", "soon"]);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /--duration: expected a positive duration such as "10s"/);
  const unknown = await runDaq(["run", "--frobnicate"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Unknown option '--frobnicate'/);
  const cmd = await runDaq(["fly"]);
  assert.equal(cmd.code, 1);
  assert.match(cmd.stderr, /unknown command "fly"/);
  const version = await runDaq(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^daq \d+\.\d+\.\d+/);
  const help = await runDaq(["run", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--stats-json FILE/);
});
