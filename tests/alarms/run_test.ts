import assert from "node:assert/strict";
import { readStats, runDaq, runLabArgs, signalJob } from "../_daq.ts";
import type { AlarmState } from "../../src/alarms/mod.ts";
import type { ChannelSpec } from "../../src/jobs/sources/signal.ts";

const CHANNELS: ChannelSpec[] = [
  { name: "voltage", shape: "sine", freq_hz: 0.5, amplitude: 10, offset: 1, unit: "V" },
];
const SUPERVISOR =
  `[supervisor]\nid = "t"\nstats_interval = "50ms"\nrestart_limit = 0\nstop_timeout = "120s"\n`;

type Line = {
  elapsedS: number;
  alarms?: AlarmState[];
  jobs: { name: string; extra: Record<string, number> }[];
};

Deno.test('alarms: a source that goes quiet trips "no data" after `for`, clears when it resumes; the webhook gets both', async () => {
  const bodies: Record<string, unknown>[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    bodies.push(await req.json());
    return new Response("ok");
  });
  const dir = await Deno.makeTempDir({ prefix: "daq_alarms_" });
  try {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      `${SUPERVISOR}
${
        signalJob({
          seed: 1,
          rateHz: 1000,
          batchRows: 50,
          maxBatches: 60,
          extra: 'silent_after = 20\nsilent_for = "3s"',
          channels: CHANNELS,
        })
      }
[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["sim"]

[[alarms]]
name = "no data"
when = "jobs.sim.msgs_per_s < 1"
for = "1s"
level = "alarm"
action = ["log", "webhook"]
webhook = "http://127.0.0.1:${server.addr.port}/hook"
`,
    );
    const r = await runDaq([...runLabArgs(dir)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /alarm "no data" triggered: jobs\.sim\.msgs_per_s = 0 \(< 1 for 1 s\)/);
    assert.match(r.stderr, /alarm "no data" cleared/);
    // Lines from before the run's alarms were set up have none.
    const lines = ((await readStats(`${dir}/stats.ndjson`)) as unknown as Line[]).filter((l) =>
      l.alarms
    );
    const state = (l: Line) => l.alarms![0].state;
    const silentAt = lines.find((l) => l.jobs[0].extra.silent === 1)!.elapsedS;
    const trippedAt = lines.find((l) => state(l) === "triggered")!.elapsedS;
    const clearedAt = lines.find((l) => l.elapsedS > trippedAt && state(l) === "ok")!.elapsedS;
    const resumedAt = lines.find((l) => l.elapsedS > silentAt && l.jobs[0].extra.silent === 0)!
      .elapsedS;
    // The rate falls below 1/s within about a second of the last batch, then `for` = 1 s.
    assert.ok(trippedAt - silentAt >= 1, `tripped ${trippedAt - silentAt} s after going quiet`);
    assert.ok(trippedAt < resumedAt, "tripped while quiet");
    assert.ok(clearedAt >= resumedAt, "cleared once data came again");
    assert.equal(state(lines.at(-1)!), "ok");
    assert.deepEqual(bodies.map((b) => [b.alarm, b.from, b.to, b.supervisor]), [
      ["no data", "ok", "triggered", "t"],
      ["no data", "triggered", "ok", "t"],
    ]);
    assert.equal(bodies[0].value, 0);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alarms: a column alarm with stop_run stops the run; a dead webhook never holds it up", async () => {
  const dir = await Deno.makeTempDir({ prefix: "daq_alarms_" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (listener.addr as Deno.NetAddr).port;
  listener.close();
  try {
    // The sine reaches 10.5 V a quarter period (0.5 s) in; the source alone would run 60 s.
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      `${SUPERVISOR}
${signalJob({ seed: 1, rateHz: 1000, batchRows: 50, maxBatches: 1200, channels: CHANNELS })}
[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["sim"]

[[alarms]]
name = "overvoltage"
when = "sim.voltage > 10.5"
action = ["log", "webhook", "stop_run"]
webhook = "http://127.0.0.1:${deadPort}/hook"
`,
    );
    const t0 = performance.now();
    const r = await runDaq([...runLabArgs(dir)]);
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /alarm "overvoltage" triggered: sim\.voltage = 1[01]\.\d+ \(> 10\.5\)/);
    assert.match(r.stderr, /stopping \(alarm "overvoltage" triggered\)/);
    assert.match(r.stderr, /run 1 success \(alarm "overvoltage" triggered\)/);
    assert.ok(seconds < 30, `stopped after ${seconds.toFixed(1)} s, not at the end of the source`);
    const lines = ((await readStats(`${dir}/stats.ndjson`)) as unknown as Line[]).filter((l) =>
      l.alarms
    );
    const watcher = lines.at(-1)!.jobs.find((j) => j.name === "_alarms.sim")!;
    assert.ok(watcher.extra["max.voltage"] > 10.5);
    assert.equal(lines.at(-1)!.alarms![0].state, "triggered");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alarms: bad [[alarms]] tables exit 1 naming the key", async () => {
  const cases: [string, string, RegExp][] = [
    [
      'name = "a"\nwhen = "jobs.nope.msgs_per_s < 1"',
      "alarms[0].when",
      /no job "nope"|no job named/,
    ],
    [
      'name = "a"\nwhen = "sim.voltage >> 1"',
      "alarms[0].when",
      /expected <subject> <operator> <number>/,
    ],
    ['name = "a"\nwhen = "nothing.voltage > 1"', "alarms[0].when", /<route>\.<column>/],
    [
      'name = "a"\nwhen = "sim.voltage > 1"\naction = ["email"]',
      "alarms[0].action[0]",
      /log, webhook, stop_run/,
    ],
    ['name = "a"\nwhen = "sim.voltage > 1"\naction = ["webhook"]', "alarms[0].webhook", /missing/],
    ['name = "a"\nwhen = "sim.voltage > 1"\nwebhook = "ftp://x"', "alarms[0].webhook", /http/],
    [
      'name = "a"\nwhen = "sim.voltage > 1"\nlevel = "panic"',
      "alarms[0].level",
      /"warning", "alarm"/,
    ],
  ];
  const dir = await Deno.makeTempDir({ prefix: "daq_alarms_" });
  try {
    for (const [alarm, key, problem] of cases) {
      await Deno.writeTextFile(
        `${dir}/lab.toml`,
        `${SUPERVISOR}${signalJob({ seed: 1, maxBatches: 1, channels: CHANNELS })}
[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["sim"]

[[alarms]]
${alarm}
`,
      );
      const r = await runDaq(["run", `${dir}/lab.toml`, "--quiet"]);
      assert.equal(r.code, 1, `${alarm}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`${key}:`), `expected ${key} in ${r.stderr}`);
      assert.match(r.stderr, problem);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
