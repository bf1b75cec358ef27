import assert from "node:assert/strict";
import { listensBeyondLoopback } from "../../src/remote/mod.ts";

Deno.test("listensBeyondLoopback: every interface, other addresses and interfaces; not loopback, ipc, inproc", () => {
  for (
    const e of [
      "tcp://*:5556",
      "tcp://0.0.0.0:1",
      "tcp://[::]:1",
      "tcp://10.0.0.5:1",
      "tcp://eth0:1",
    ]
  ) {
    assert.equal(listensBeyondLoopback(e), true, e);
  }
  for (
    const e of [
      "tcp://127.0.0.1:1",
      "tcp://127.3.2.1:1",
      "tcp://localhost:1",
      "tcp://[::1]:1",
      "tcp://lo:1",
      "ipc:///tmp/x",
      "inproc://x",
    ]
  ) {
    assert.equal(listensBeyondLoopback(e), false, e);
  }
});
