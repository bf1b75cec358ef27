import assert from "node:assert/strict";
import {
  openPublisher,
  openSubscriber,
  RemoteEndpointError,
  runProxy,
} from "../../src/remote/mod.ts";
import { freePort } from "./_helpers.ts";

for (
  const endpoint of ["127.0.0.1:5556", "tcp://127.0.0.1", "tcp://127.0.0.1:99999", "udp://x:1"]
) {
  Deno.test(`malformed endpoint ${endpoint} -> RemoteEndpointError naming it`, async () => {
    for (const bind of [true, false]) {
      const error = await openPublisher({ endpoint, bind, origin: "A", heartbeatIntervalMs: 0 })
        .then(() => undefined, (e) => e);
      assert.ok(error instanceof RemoteEndpointError, String(error));
      assert.equal(error.endpoint, endpoint);
      assert.ok(error.message.includes(`"${endpoint}"`), error.message);
    }
    await assert.rejects(
      () => openSubscriber({ endpoints: [endpoint], topics: [""], origin: "B" }),
      RemoteEndpointError,
    );
  });
}

Deno.test("port in use -> RemoteEndpointError for publisher and proxy", async () => {
  const endpoint = `tcp://127.0.0.1:${freePort()}`;
  const first = await openPublisher({ endpoint, bind: true, origin: "A", heartbeatIntervalMs: 0 });
  try {
    await assert.rejects(
      () => openPublisher({ endpoint, bind: true, origin: "B", heartbeatIntervalMs: 0 }),
      (error: Error) => {
        assert.ok(error instanceof RemoteEndpointError);
        assert.match(error.message, /already in use/);
        assert.ok(error.message.includes(endpoint));
        return true;
      },
    );
    await assert.rejects(
      () => runProxy({ xsub: `tcp://127.0.0.1:${freePort()}`, xpub: endpoint }),
      (error: Error) => error instanceof RemoteEndpointError && error.message.includes(endpoint),
    );
  } finally {
    await first.close();
  }
});

Deno.test("bind to port * reports the real port", async () => {
  const publisher = await openPublisher({
    endpoint: "tcp://127.0.0.1:*",
    bind: true,
    origin: "A",
    heartbeatIntervalMs: 0,
  });
  assert.match(publisher.endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(publisher.endpoint, "tcp://127.0.0.1:0");
  await publisher.close();
});
