import assert from "node:assert/strict";
import { FIRST_RUN } from "../_daq.ts";
import { json, serveConfig, startServe, waitUntil } from "./_serve.ts";
import type { RunManifest } from "../../src/runs/mod.ts";

type Status = {
  state: string;
  run: { number: number } | null;
  stats: { jobs: { name: string; rows: number }[] } | null;
};

async function csvRows(srvGet: (p: string) => Promise<Response>): Promise<number> {
  const s = (await json(srvGet("/api/status"))).body as unknown as Status;
  return s.stats?.jobs.find((j) => j.name === "csv")?.rows ?? 0;
}

async function csvTimestamps(path: string): Promise<bigint[]> {
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter((l) => /^\d/.test(l)).map((l) => BigInt(l.split(",")[0]));
}

Deno.test("daq serve: a 2 s pause stores no row timestamped inside it, and the manifest lists it", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/lab.toml`, serveConfig("", 5000, 250));
  const srv = await startServe(dir, ["--start", "--comment", "pause test"]);
  try {
    await waitUntil(async () => (await csvRows(srv.get)) > 2000, "rows before the pause");
    const paused = await json(srv.post("/api/runs/current/pause"));
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.state, "paused");
    assert.equal((await json(srv.post("/api/runs/current/pause"))).status, 409);
    await new Promise((r) => setTimeout(r, 2000));
    const resumed = await json(srv.post("/api/runs/current/resume"));
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.state, "running");
    const after = await csvRows(srv.get);
    await waitUntil(async () => (await csvRows(srv.get)) > after + 2000, "rows after the pause");
    const m = (await json(srv.post("/api/runs/current/stop"))).body as unknown as RunManifest;
    assert.equal(m.status, "success");
    assert.equal(m.pauses.length, 1);
    const from = BigInt(m.pauses[0].start.ns);
    const to = BigInt(m.pauses[0].stop!.ns);
    assert.ok(to - from >= 1_900_000_000n, `pause of ${to - from} ns`);
    const ts = await csvTimestamps(`${dir}/data/${FIRST_RUN}/csv/csv_001.csv`);
    assert.ok(ts.some((t) => t < from) && ts.some((t) => t >= to), "rows before and after");
    const inside = ts.filter((t) => t >= from && t <= to);
    assert.deepEqual(inside, [], "rows timestamped inside the pause");
    // The source skipped what it made while paused, and said so.
    assert.ok(m.jobs.sim.figures.paused_skipped_rows > 0, JSON.stringify(m.jobs.sim.figures));
    assert.equal(m.jobs.csv.rows, ts.length);
  } finally {
    assert.equal(await srv.stop(), 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq serve: kill -9 during a run; the next serve marks it fail and starts the next number", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/lab.toml`, serveConfig());
  const srv = await startServe(dir, ["--start"]);
  try {
    await waitUntil(async () => (await csvRows(srv.get)) > 0, "rows");
    // Let the manifest be saved with figures once (every 5 s).
    await new Promise((r) => setTimeout(r, 5500));
    srv.child.kill("SIGKILL");
    await srv.child.status;
    const before: RunManifest = JSON.parse(
      await Deno.readTextFile(`${dir}/data/${FIRST_RUN}/manifest.json`),
    );
    assert.equal(before.status, "running");
  } finally {
    await srv.stop();
  }
  const again = await startServe(dir);
  try {
    const started = await json(again.post("/api/runs", { comment: "after the crash" }));
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal(started.body.run, 2);
    const m1 = (await json(again.get("/api/runs/1"))).body as unknown as RunManifest;
    assert.equal(m1.status, "fail");
    assert.match(m1.reason, /stopped before this run's end .*kill -9/);
    assert.ok(m1.stop && BigInt(m1.stop.ns) > BigInt(m1.start!.ns));
    assert.ok(m1.jobs.csv.rows > 0, "figures as last saved");
    const csv = m1.files.find((f) => f.path === "csv/csv_001.csv");
    assert.ok(csv && csv.bytes > 0 && csv.sha256.length === 64, JSON.stringify(m1.files));
    await json(again.post("/api/runs/current/stop"));
    const runs = (await json(again.get("/api/runs"))).body as unknown as {
      run: number;
      status: string;
    }[];
    assert.deepEqual(runs.map((r) => [r.run, r.status]), [[1, "fail"], [2, "success"]]);
  } finally {
    assert.equal(await again.stop(), 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq serve: /metrics passes promtool check metrics and its counters grow between scrapes", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/lab.toml`, serveConfig());
  const srv = await startServe(dir, ["--start"]);
  try {
    await waitUntil(async () => (await csvRows(srv.get)) > 0, "rows");
    const scrape = async () => {
      const r = await srv.get("/metrics");
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
      return await r.text();
    };
    const promtool = async (text: string) => {
      const p = new Deno.Command("promtool", {
        args: ["check", "metrics"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = p.stdin.getWriter();
      await w.write(new TextEncoder().encode(text));
      await w.close();
      const out = await p.output();
      const dec = new TextDecoder();
      return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
    };
    const value = (text: string, series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} in\n${text}`);
      return Number(line.split(" ")[1]);
    };
    const a = await scrape();
    const checked = await promtool(a);
    assert.equal(checked.code, 0, checked.text);
    assert.equal(checked.text.trim(), "", "promtool says nothing");
    assert.match(a, /^daq_build_info\{version="[^"]+",deno="[^"]+",supervisor="srv"\} 1$/m);
    assert.equal(value(a, 'daq_state{state="running"}'), 1);
    assert.equal(value(a, 'daq_state{state="idle"}'), 0);
    assert.equal(value(a, "daq_run_number"), 1);
    await new Promise((r) => setTimeout(r, 1000));
    const b = await scrape();
    assert.equal((await promtool(b)).code, 0);
    for (
      const series of [
        'daq_job_rows_total{job="csv"}',
        'daq_job_messages_out_total{job="sim"}',
        'daq_route_messages_total{route="sim",from="sim",to="csv"}',
        'daq_route_bytes_total{route="sim",from="sim",to="csv"}',
      ]
    ) {
      assert.ok(value(b, series) > value(a, series), `${series} grew`);
    }
    // After the run: counters keep their totals, the state gauge says idle.
    await json(srv.post("/api/runs/current/stop"));
    const c = await scrape();
    assert.equal((await promtool(c)).code, 0);
    assert.ok(
      value(c, 'daq_job_rows_total{job="csv"}') >= value(b, 'daq_job_rows_total{job="csv"}'),
    );
    assert.equal(value(c, 'daq_state{state="idle"}'), 1);
    assert.equal(value(c, "daq_runs_started_total"), 1);
  } finally {
    assert.equal(await srv.stop(), 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq serve: settings and restarts over HTTP; a sequence of three steps with a setting before each", async () => {
  const dir = await Deno.makeTempDir();
  const config =
    serveConfig().replace('freq_hz = 5\nunit = "V"', 'amplitude = 0.0\noffset = 0.0\nunit = "V"') +
    `
[[sequence]]
comment = "offset {sine.offset}"
duration = "600ms"
set = { sim = { "sine.offset" = 1.0 } }

[[sequence]]
comment = "offset {sine.offset}"
duration = "600ms"
set = { sim = { "sine.offset" = 2.0 } }

[[sequence]]
comment = "offset {sine.offset}"
duration = "600ms"
set = { sim = { "sine.offset" = 3.0 } }
`;
  await Deno.writeTextFile(`${dir}/lab.toml`, config);
  const srv = await startServe(dir);
  try {
    // Idle: nothing to set or restart.
    assert.equal(
      (await json(srv.post("/api/jobs/sim/settings", { name: "sine.offset", value: 1 }))).status,
      409,
    );
    assert.equal((await json(srv.post("/api/runs", { comment: "manual" }))).status, 201);
    await waitUntil(async () => (await csvRows(srv.get)) > 0, "rows");
    const set = await json(srv.post("/api/jobs/sim/settings", { name: "sine.offset", value: 7.5 }));
    assert.equal(set.status, 200, JSON.stringify(set.body));
    // Rows made after the setting reach the store before the run stops (a loaded machine).
    const rowsAtSet = await csvRows(srv.get);
    await waitUntil(
      async () => (await csvRows(srv.get)) > rowsAtSet + 1000,
      "rows after the setting",
    );
    const refused = await json(
      srv.post("/api/jobs/sim/settings", { name: "sine.phase", value: 1 }),
    );
    assert.equal(refused.status, 409);
    assert.match(String(refused.body.error), /refused setting sine\.phase: unknown setting/);
    const badValue = await json(
      srv.post("/api/jobs/sim/settings", { name: "sine.offset", value: [1] }),
    );
    assert.equal(badValue.status, 400);
    assert.match(String(badValue.body.error), /field "value"/);
    assert.equal(
      (await json(srv.post("/api/jobs/nope/settings", { name: "x", value: 1 }))).status,
      404,
    );
    const restarted = await json(srv.post("/api/jobs/csv/restart"));
    assert.equal(restarted.status, 200, JSON.stringify(restarted.body));
    assert.equal((await json(srv.post("/api/jobs/nope/restart"))).status, 404);
    await waitUntil(async () => {
      const s = (await json(srv.get("/api/status"))).body as unknown as {
        stats: { jobs: { name: string; restarts: number; state: string }[] } | null;
      };
      const csv = s.stats?.jobs.find((j) => j.name === "csv");
      return csv?.restarts === 1 && csv.state === "running";
    }, "csv restarted");
    const manual = (await json(srv.post("/api/runs/current/stop"))).body as unknown as RunManifest;
    assert.equal(manual.status, "success");
    assert.equal(manual.jobs.csv.restarts, 1);
    assert.deepEqual(
      manual.settings.map((s) => [s.name, s.value, s.ok]),
      [["sine.offset", 7.5, true], ["sine.phase", 1, false]],
    );
    const stored: number[] = [];
    for (const f of manual.files.filter((f) => f.path.startsWith("csv/"))) {
      stored.push(
        ...(await Deno.readTextFile(`${dir}/data/${FIRST_RUN}/${f.path}`)).split("\n")
          .filter((l) => /^\d/.test(l)).map((l) => Number(l.split(",")[1])),
      );
    }
    assert.ok(stored.includes(0) && stored.includes(7.5), "rows before and after the setting");

    const bad = await json(
      srv.post("/api/runs", { sequence: [{ duration: "1s", set: { nope: { x: 1 } } }] }),
    );
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.error), /field "sequence\[0\]\.set\.nope": no job "nope"/);
    const started = await json(srv.post("/api/runs", { sequence: true, comment: "scan" }));
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.deepEqual(started.body, { run: 2, sequence: { steps: 3, runs: 3 } });
    assert.equal((await json(srv.post("/api/runs", {}))).status, 409);
    await waitUntil(async () => {
      const s = (await json(srv.get("/api/status"))).body;
      return s.state === "idle" && s.lastRun === 4;
    }, "the sequence's end");
    for (const [i, v] of [1, 2, 3].entries()) {
      const m = (await json(srv.get(`/api/runs/${i + 2}`))).body as unknown as RunManifest;
      assert.equal(m.status, "success", m.reason);
      assert.equal(m.comment, `scan: offset ${v}`);
      assert.equal(m.sequence?.step, i + 1);
      assert.deepEqual(m.settings.map((s) => [s.job, s.name, s.value, s.ok]), [[
        "sim",
        "sine.offset",
        v,
        true,
      ]]);
      const values = (await Deno.readTextFile(`${dir}/data/run00000${i + 2}/csv/csv_001.csv`))
        .split("\n").filter((l) => /^\d/.test(l)).map((l) => Number(l.split(",")[1]));
      assert.ok(values.length > 0);
      assert.deepEqual([...new Set(values)], [v]);
    }
  } finally {
    assert.equal(await srv.stop(), 0);
    await Deno.remove(dir, { recursive: true });
  }
});
