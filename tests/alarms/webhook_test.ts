import assert from "node:assert/strict";
import { WebhookSender } from "../../src/alarms/mod.ts";

Deno.test("webhook: JSON POSTs reach a local server, retried after failures", async () => {
  const bodies: unknown[] = [];
  let calls = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    calls++;
    if (calls === 1) return new Response("busy", { status: 503 });
    assert.equal(req.method, "POST");
    assert.equal(req.headers.get("content-type"), "application/json");
    bodies.push(await req.json());
    return new Response("ok");
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/hook`;
    const sender = new WebhookSender({ backoffMs: 10 });
    const before = performance.now();
    sender.post(url, { alarm: "a", n: 1 });
    sender.post(url, { alarm: "a", n: 2 });
    assert.ok(performance.now() - before < 50, "post returns at once");
    await sender.close(5000);
    assert.deepEqual(bodies, [{ alarm: "a", n: 1 }, { alarm: "a", n: 2 }]);
    assert.deepEqual(sender.counts, { sent: 2, failed: 0, dropped: 0, errors: 1, queued: 0 });
  } finally {
    await server.shutdown();
  }
});

Deno.test("webhook: a dead receiver is given up on and counted; a full queue drops the oldest", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now
  const failures: string[] = [];
  const sender = new WebhookSender({
    attempts: 2,
    backoffMs: 5,
    maxQueue: 2,
    onFailure: (_url, reason) => failures.push(reason),
  });
  for (let i = 0; i < 4; i++) sender.post(`http://127.0.0.1:${port}/hook`, { i });
  await sender.close(5000);
  assert.equal(sender.counts.sent, 0);
  assert.equal(sender.counts.dropped, 1, "the queue held 2 beside the one in flight");
  assert.equal(sender.counts.failed, 3);
  assert.equal(failures.length, 4);
  assert.match(failures[0], /queue full/);
});
