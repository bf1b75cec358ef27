import assert from "node:assert/strict";
import { fixture, freePort, spawnDeno, startProxy } from "./_helpers.ts";

Deno.test("publisher process -> proxy process -> subscriber process: complete and in order", async () => {
  const ports = { xsub: freePort(), xpub: freePort() };
  const proxy = await startProxy(ports);
  const xpub = `tcp://127.0.0.1:${ports.xpub}`;
  const sub = spawnDeno(fixture("_sub_main.ts"), [JSON.stringify({
    endpoints: [xpub],
    topics: ["ev", "tables"],
    origin: "B",
    expect: 20_000 + 50,
  })]);
  // Same origin as the publisher: must receive nothing (no echo). It counts the publisher's
  // data as echoes (its heartbeats aside), so it waits long enough for them to come.
  const echo = spawnDeno(fixture("_sub_main.ts"), [JSON.stringify({
    endpoints: [xpub],
    topics: ["ev"],
    origin: "A",
    expect: 1,
    idleTimeoutMs: 5000,
  })]);
  await sub.next("ready");
  await echo.next("ready");
  const xsub = `tcp://127.0.0.1:${ports.xsub}`;
  const events = spawnDeno(fixture("_pub_main.ts"), [JSON.stringify({
    endpoint: xsub,
    origin: "A",
    topic: "ev",
    count: 20_000,
    startDelayMs: 800,
  })]);
  const tables = spawnDeno(fixture("_pub_main.ts"), [JSON.stringify({
    endpoint: xsub,
    origin: "A",
    topic: "tables",
    kind: "arrow",
    rows: 1000,
    count: 50,
    startDelayMs: 800,
  })]);
  const summary = await sub.next("summary", 30_000);
  const eventsDone = await events.next("done");
  await tables.next("done");
  const proxyStats = proxy.lines.filter((line) => line.event === "stats").map((line) =>
    line as { subscribers: number; messages: number }
  );
  proxy.process.kill("SIGTERM");
  const stopped = await proxy.next("stopped");
  const echoSummary = await echo.next("summary");
  for (const child of [sub, echo, events, tables, proxy]) {
    assert.equal((await child.exit()).code, 0);
  }

  assert.equal(summary.received, 20_050);
  assert.equal(summary.rows, 50 * 1000);
  assert.equal(summary.inOrder, true);
  assert.equal(summary.payloadsMatch, true);
  const stats = summary.stats as Record<string, number>;
  assert.equal(stats.gaps, 0);
  assert.equal(stats.duplicates, 0);
  assert.ok(stats.wireMessagesIn < 1000, `msgpack payloads were batched (${stats.wireMessagesIn})`);
  const streams = summary.streams as { topic: string; firstSeq: number; lastSeq: number }[];
  const ev = streams.find((stream) => stream.topic === "ev");
  assert.deepEqual([ev?.firstSeq, ev?.lastSeq], [1, 20_000]);
  const peers = summary.peers as { origin: string; alive: boolean; messages: number }[];
  assert.equal(peers.length, 1);
  assert.equal(peers[0].origin, "A");
  assert.equal(peers[0].alive, true);
  assert.equal((eventsDone.stats as { drops: number }).drops, 0);

  assert.equal(echoSummary.received, 0);
  assert.ok((echoSummary.stats as { ownEchoes: number }).ownEchoes > 0);

  assert.ok(proxyStats.some((line) => line.subscribers === 2), "proxy saw both subscribers");
  assert.ok((stopped.messages as number) >= stats.wireMessagesIn - stats.heartbeatsIn);
});

Deno.test("a subscriber that joins late counts what the publisher sent before its first payload", async () => {
  const port = freePort();
  const endpoint = `tcp://127.0.0.1:${port}`;
  const publisher = spawnDeno(fixture("_pub_main.ts"), [JSON.stringify({
    endpoint,
    bind: true,
    origin: "A",
    topic: "ev",
    count: 400,
    intervalMs: 5,
    startDelayMs: 0,
  })]);
  await publisher.next("ready");
  // The publisher is already sending: what goes out before this subscription reaches it is
  // dropped by its PUB socket (ZeroMQ's "slow joiner").
  await new Promise((resolve) => setTimeout(resolve, 500));
  const sub = spawnDeno(fixture("_sub_main.ts"), [JSON.stringify({
    endpoints: [endpoint],
    topics: ["ev"],
    origin: "B",
    expect: 400,
    idleTimeoutMs: 1500,
  })]);
  const summary = await sub.next("summary", 30_000);
  await publisher.next("done");
  for (const child of [sub, publisher]) assert.equal((await child.exit()).code, 0);
  const stats = summary.stats as Record<string, number>;
  const received = summary.received as number;
  assert.ok(stats.missedAtStart > 0, `the first payloads were missed (${stats.missedAtStart})`);
  assert.equal(received + stats.missedAtStart, 400, "received + missed at start = sent");
  assert.equal(stats.gaps, 0);
  assert.equal(summary.inOrder, true);
  assert.equal(summary.payloadsMatch, true);
});

Deno.test("a subscriber's Arrow payloads are whole when the publisher sent their schema once", async () => {
  const ports = { xsub: freePort(), xpub: freePort() };
  const proxy = await startProxy(ports);
  const sub = spawnDeno(fixture("_sub_main.ts"), [JSON.stringify({
    endpoints: [`tcp://127.0.0.1:${ports.xpub}`],
    topics: ["tables"],
    origin: "B",
    expect: 50,
  })]);
  await sub.next("ready");
  const pub = spawnDeno(fixture("_pub_main.ts"), [JSON.stringify({
    endpoint: `tcp://127.0.0.1:${ports.xsub}`,
    origin: "A",
    topic: "tables",
    kind: "arrow",
    rows: 3,
    count: 50,
    sharedSchema: true,
    startDelayMs: 800,
  })]);
  const summary = await sub.next("summary", 30_000);
  await pub.next("done");
  proxy.process.kill("SIGTERM");
  for (const child of [sub, pub, proxy]) assert.equal((await child.exit()).code, 0);
  assert.equal(summary.received, 50);
  assert.equal(summary.rows, 150);
  assert.equal(summary.payloadsMatch, true, "each payload decodes as its own Arrow stream");
  assert.equal(summary.inOrder, true);
});
