import assert from "node:assert/strict";
import { json, serveConfig, startServe, waitUntil } from "./_serve.ts";

Deno.test("daq serve: the run's alarms in GET /api/alarms, acknowledged with POST (token), 404/409 otherwise", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/lab.toml`,
    serveConfig(`
[[alarms]]
name = "rows"
when = "jobs.csv.rows >= 100"
level = "warning"
`),
  );
  const srv = await startServe(dir);
  try {
    assert.deepEqual((await json(srv.get("/api/alarms"))).body, []);
    assert.equal((await json(srv.post("/api/runs", { comment: "alarms" }))).status, 201);
    await waitUntil(async () => {
      const list = (await json(srv.get("/api/alarms"))).body as unknown as { state: string }[];
      return list[0]?.state === "triggered";
    }, "the alarm to trigger");
    assert.equal((await srv.post("/api/alarms/rows/acknowledge", undefined, null)).status, 401);
    assert.equal((await json(srv.post("/api/alarms/nope/acknowledge"))).status, 404);
    const ack = await json(srv.post("/api/alarms/rows/acknowledge"));
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    assert.equal(ack.body.to, "acknowledged");
    assert.equal((await json(srv.post("/api/alarms/rows/acknowledge"))).status, 409);
    const list = (await json(srv.get("/api/alarms"))).body as unknown as { state: string }[];
    assert.equal(list[0].state, "acknowledged");
    const stopped = await json(srv.post("/api/runs/current/stop"));
    const alarms = (stopped.body as { alarms: { to: string }[] }).alarms.map((e) => e.to);
    assert.deepEqual(alarms, ["triggered", "acknowledged"]);
  } finally {
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
