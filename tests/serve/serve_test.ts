import assert from "node:assert/strict";
import { json, serveConfig, startServe, waitUntil } from "./_serve.ts";
import type { RunManifest } from "../../src/runs/mod.ts";

Deno.test("daq serve: idle, start, stop twice gives runs 1 and 2; a restarted serve makes run 3", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/lab.toml`, serveConfig());
  const srv = await startServe(dir);
  try {
    const mode = (await Deno.stat(srv.tokenFile)).mode! & 0o777;
    assert.equal(mode, 0o600);
    assert.match(srv.log(), new RegExp(`token file: ${srv.tokenFile} \\(created, mode 0600\\)`));
    let s = await json(srv.get("/api/status"));
    assert.equal(s.status, 200);
    assert.equal(s.body.state, "idle");
    for (const n of [1, 2]) {
      const started = await json(srv.post("/api/runs", { comment: `run ${n}` }));
      assert.equal(started.status, 201, JSON.stringify(started.body));
      assert.equal(started.body.run, n);
      await waitUntil(async () => {
        const st = (await json(srv.get("/api/status"))).body;
        const stats = st.stats as { jobs: { name: string; rows: number }[] } | null;
        return (stats?.jobs.find((j) => j.name === "csv")?.rows ?? 0) > 0;
      }, "rows in the CSV store");
      s = await json(srv.get("/api/status"));
      assert.equal(s.body.state, "running");
      assert.equal((s.body.run as { number: number }).number, n);
      const stopped = await json(srv.post("/api/runs/current/stop"));
      assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
      const m = stopped.body as unknown as RunManifest;
      assert.equal(m.run, n);
      assert.equal(m.status, "success");
      assert.equal(m.comment, `run ${n}`);
      assert.ok(
        m.files.some((f) => f.path === "csv/csv_001.csv" && f.bytes > 0),
        JSON.stringify(m.files),
      );
    }
    s = await json(srv.get("/api/status"));
    assert.equal(s.body.state, "idle");
    assert.equal(s.body.lastRun, 2);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
  const again = await startServe(dir);
  try {
    const started = await json(again.post("/api/runs", { comment: "after restart" }));
    assert.equal(started.body.run, 3);
    await json(again.post("/api/runs/current/stop"));
    const runs = (await json(again.get("/api/runs"))).body as unknown as { run: number }[];
    assert.deepEqual(runs.map((r) => r.run), [1, 2, 3]);
  } finally {
    assert.equal(await again.stop(), 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq serve: POST without or with a wrong token is 401 and changes nothing; two concurrent starts make one run", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/lab.toml`, serveConfig());
  const srv = await startServe(dir);
  try {
    for (const token of [null, "wrong-token-wrong-token", `${srv.token}x`]) {
      const r = await json(srv.post("/api/runs", { comment: "no" }, token));
      assert.equal(r.status, 401);
      assert.match(String(r.body.error), /token/);
    }
    assert.equal((await json(srv.get("/api/status"))).body.state, "idle");
    assert.deepEqual((await json(srv.get("/api/runs"))).body, []);
    const [a, b] = await Promise.all([
      json(srv.post("/api/runs", { comment: "a" })),
      json(srv.post("/api/runs", { comment: "b" })),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [201, 409]);
    const refused = a.status === 409 ? a : b;
    assert.match(String(refused.body.error), /run (1 is going|is starting)/);
    const wrongStop = await json(
      srv.post("/api/runs/current/stop", undefined, "bad-token-bad-token"),
    );
    assert.equal(wrongStop.status, 401);
    assert.equal((await json(srv.get("/api/status"))).body.state, "running");
    const again = await json(srv.post("/api/runs", { comment: "while running" }));
    assert.equal(again.status, 409);
    assert.match(String(again.body.error), /run 1 is going/);
    await json(srv.post("/api/runs/current/stop"));
    const typo = await json(srv.post("/api/runs", { coment: "typo" }));
    assert.equal(typo.status, 400);
    assert.match(String(typo.body.error), /unknown field "coment"/);
    const notJson = await fetch(`${srv.url}/api/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${srv.token}`, "content-type": "application/json" },
      body: "{nope",
    });
    assert.equal(notJson.status, 400);
    assert.match((await notJson.json()).error, /not JSON/);
    const big = await fetch(`${srv.url}/api/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${srv.token}`, "content-type": "application/json" },
      body: JSON.stringify({ comment: "x".repeat(100_000) }),
    });
    assert.equal(big.status, 413);
    await big.body?.cancel();
    const runs = (await json(srv.get("/api/runs"))).body as unknown as { run: number }[];
    assert.deepEqual(runs.map((r) => r.run), [1]);
    const options = await fetch(`${srv.url}/api/status`, { method: "OPTIONS" });
    assert.equal(options.status, 405);
    assert.equal(options.headers.get("access-control-allow-origin"), null);
    await options.body?.cancel();
  } finally {
    assert.equal(await srv.stop(), 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq serve: listening beyond loopback needs the token on every endpoint, and says so", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/lab.toml`, serveConfig());
  const srv = await startServe(dir, [], "0.0.0.0:0");
  try {
    await srv.waitLog(/listening beyond loopback \(0\.0\.0\.0\): every endpoint needs the token/);
    for (const path of ["/api/status", "/metrics", "/api/runs", "/api"]) {
      const r = await srv.get(path);
      assert.equal(r.status, 401, path);
      await r.body?.cancel();
    }
    const ok = await fetch(`${srv.url}/api/status`, {
      headers: { authorization: `Bearer ${srv.token}` },
    });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).state, "idle");
  } finally {
    assert.equal(await srv.stop(), 0);
    await Deno.remove(dir, { recursive: true });
  }
});
