import assert from "node:assert/strict";
import { generateKeyPair } from "../../src/remote/mod.ts";
import { fixture, freePort, spawnDeno, startProxy } from "./_helpers.ts";

Deno.test("CURVE: proxy with an allow-list; peers with wrong or missing keys get nothing", async () => {
  const server = generateKeyPair();
  const publisher = generateKeyPair();
  const reader = generateKeyPair();
  const stranger = generateKeyPair();
  assert.match(server.publicKey, /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/);
  const ports = { xsub: freePort(), xpub: freePort() };
  // "--name=value": a Z85 key may start with "-".
  const proxy = await startProxy(ports, [
    `--curve-public=${server.publicKey}`,
    `--curve-secret=${server.secretKey}`,
    `--allow-key=${publisher.publicKey}`,
    `--allow-key=${reader.publicKey}`,
  ]);
  const xpub = `tcp://127.0.0.1:${ports.xpub}`;
  const subscriber = (origin: string, curve: unknown, expect: number) =>
    spawnDeno(fixture("_sub_main.ts"), [JSON.stringify({
      endpoints: [xpub],
      topics: ["ev"],
      origin,
      expect,
      curve,
      idleTimeoutMs: 2000,
    })]);
  const good = subscriber("good", { ...reader, serverKey: server.publicKey }, 200);
  const unlisted = subscriber("unlisted", { ...stranger, serverKey: server.publicKey }, 1);
  const wrongServer = subscriber("wrong-server", {
    ...reader,
    serverKey: stranger.publicKey,
  }, 1);
  const plain = subscriber("plain", undefined, 1);
  for (const child of [good, unlisted, wrongServer, plain]) await child.next("ready");

  const pub = spawnDeno(fixture("_pub_main.ts"), [JSON.stringify({
    endpoint: `tcp://127.0.0.1:${ports.xsub}`,
    origin: "A",
    topic: "ev",
    count: 200,
    startDelayMs: 800,
    curve: { ...publisher, serverKey: server.publicKey },
  })]);
  const goodSummary = await good.next("summary", 30_000);
  const others = await Promise.all(
    [unlisted, wrongServer, plain].map((child) => child.next("summary", 30_000)),
  );
  await pub.next("done");
  proxy.process.kill("SIGTERM");
  for (const child of [good, unlisted, wrongServer, plain, pub, proxy]) {
    assert.equal((await child.exit()).code, 0);
  }
  assert.equal(goodSummary.received, 200);
  for (const summary of others) {
    assert.equal(summary.received, 0);
    assert.equal((summary.stats as { wireMessagesIn: number }).wireMessagesIn, 0);
  }
});
