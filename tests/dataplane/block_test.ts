import assert from "node:assert/strict";
import { createRingFile, openRingConsumer, RingFullError } from "../../src/dataplane/mod.ts";
import { fillPayload, payloadMatches, SCHEMA, tempRing } from "./_helpers.ts";

Deno.test("block: a full ring makes the writer wait, then throw RingFullError at its timeout", () => {
  const { path, cleanup } = tempRing();
  try {
    const writer = createRingFile(path, {
      schema: SCHEMA,
      capacityBytes: 8192,
      policy: "block",
      blockTimeoutMs: 50,
    });
    const consumer = openRingConsumer(path);
    let written = 0;
    const t0 = performance.now();
    assert.throws(() => {
      for (;;) {
        fillPayload(writer.reserve(64), written);
        writer.commit();
        written++;
      }
    }, (e: Error) => e instanceof RingFullError && e.message.includes(path));
    const waited = performance.now() - t0;
    assert.ok(waited >= 45, `waited ${waited.toFixed(1)} ms before giving up`);
    assert.equal(written, Math.floor(8192 / 96), "filled the ring exactly, overwrote nothing");

    // Everything written is still there, in order; committing makes room again.
    for (let seq = 0; seq < written; seq++) {
      const r = consumer.next();
      assert.ok(r !== null && r.seq === seq && payloadMatches(r.payload, seq));
    }
    assert.equal(consumer.next(), null);
    consumer.commit();
    fillPayload(writer.reserve(64), written);
    writer.commit();
    assert.equal(consumer.next()?.seq, written);
    assert.equal(consumer.status().lostRecords, 0);
    writer.close();
    consumer.close();
  } finally {
    cleanup();
  }
});

Deno.test("block: a writer in a Worker waits for a slow consumer and loses nothing", async () => {
  const { path, cleanup } = tempRing();
  const worker = new Worker(new URL("./_ring_worker.ts", import.meta.url), { type: "module" });
  try {
    const message = () =>
      new Promise<{ ms?: number }>((resolve) => (worker.onmessage = (e) => resolve(e.data)));
    const count = 2000;
    worker.postMessage({
      role: "writer",
      path,
      count,
      payloadBytes: 500,
      capacityBytes: 8192,
      policy: "block",
    });
    await message();
    const consumer = openRingConsumer(path, { zeroCopy: true });
    const writerDone = message();
    worker.postMessage("go");
    let expected = 0;
    let pauses = 0;
    while (expected < count) {
      const r = consumer.next();
      if (r === null) {
        consumer.commit();
        await consumer.waitForData(2000);
        continue;
      }
      assert.equal(r.seq, expected);
      assert.ok(payloadMatches(r.payload, r.seq), `record ${r.seq} intact`);
      expected++;
      if (expected % 200 === 0) {
        consumer.commit();
        pauses++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    consumer.commit();
    const { ms } = await writerDone;
    assert.ok(ms! >= pauses * 15, `writer took ${ms} ms, held back by ${pauses} 20 ms pauses`);
    assert.equal(consumer.lostRecords, 0);
    assert.equal(consumer.status().lostRecords, 0);
    consumer.close();
  } finally {
    worker.terminate();
    cleanup();
  }
});
