import assert from "node:assert/strict";
import { tempRing } from "./_helpers.ts";

interface ReaderResult {
  received: number;
  lost: number;
  overruns: number;
  badPayload: number;
  outOfOrder: number;
  last: number;
  headerLost: number;
  overwrittenViews: number;
}

function worker(): Worker {
  return new Worker(new URL("./_ring_worker.ts", import.meta.url), { type: "module" });
}

function nextMessage<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => {
      e.preventDefault();
      reject(new Error(e.message));
    };
  });
}

async function run(
  policy: "overwrite" | "block",
  role: "follower" | "consumer",
  count: number,
  capacityBytes: number,
  zeroCopy = false,
): Promise<ReaderResult> {
  const { path, cleanup } = tempRing();
  const writer = worker();
  const reader = worker();
  try {
    writer.postMessage({ role: "writer", path, count, payloadBytes: 64, capacityBytes, policy });
    await nextMessage(writer);
    reader.postMessage({ role, path, zeroCopy });
    await nextMessage(reader);
    const readerDone = nextMessage<ReaderResult>(reader);
    const writerDone = nextMessage<{ ms: number }>(writer);
    writer.postMessage("go");
    await writerDone;
    return await readerDone;
  } finally {
    writer.terminate();
    reader.terminate();
    cleanup();
  }
}

Deno.test("two Workers, block policy: a million records arrive in order, none lost", async () => {
  const count = 1_000_000;
  const r = await run("block", "consumer", count, 1 << 20);
  assert.equal(r.received, count);
  assert.equal(r.lost, 0);
  assert.equal(r.headerLost, 0);
  assert.equal(r.badPayload, 0);
  assert.equal(r.outOfOrder, 0);
  assert.equal(r.last, count - 1);
});

Deno.test("two Workers, overwrite policy: every record is delivered intact or counted lost", async () => {
  const count = 1_200_000;
  // A small ring makes the follower fall behind now and then.
  const r = await run("overwrite", "follower", count, 64 * 1024);
  assert.equal(r.badPayload, 0, "no torn record");
  assert.equal(r.outOfOrder, 0, "sequence numbers increase, gaps equal the lost counts");
  assert.equal(r.received + r.lost, count, "delivered + lost = written");
  assert.equal(r.last, count - 1);
  console.log(`follower: ${r.received} delivered, ${r.lost} lost in ${r.overruns} overruns`);
});

Deno.test("two Workers, overwrite policy, consumer: loss lands in the header", async () => {
  const count = 300_000;
  const r = await run("overwrite", "consumer", count, 64 * 1024);
  assert.equal(r.badPayload, 0);
  assert.equal(r.outOfOrder, 0);
  assert.equal(r.received + r.lost, count);
  assert.equal(r.headerLost, r.lost);
});

Deno.test("two Workers, overwrite policy, zero-copy follower: views checked with intact()", async () => {
  const count = 300_000;
  const r = await run("overwrite", "follower", count, 64 * 1024, true);
  assert.equal(r.badPayload, 0, "every view that intact() vouches for holds the right bytes");
  assert.equal(r.outOfOrder, 0);
  assert.equal(r.received + r.lost, count);
  console.log(
    `zero-copy follower: ${r.received} delivered, ${r.lost} lost, ` +
      `${r.overwrittenViews} views overwritten after delivery`,
  );
});
