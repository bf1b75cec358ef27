import assert from "node:assert/strict";
import {
  createDoorbell,
  createRing,
  ringCounters,
  RingReader,
  RingWriter,
} from "../../src/transport/ring.ts";
import { RecordType } from "../../src/transport/payload.ts";
import { RingTap } from "../../src/transport/tap.ts";

/** Whether `p` is the payload the ring worker's producer wrote as record `seq`. */
function isPayloadOf(p: Uint8Array, seq: number): boolean {
  return p.length === 8 + (seq % 57) &&
    new DataView(p.buffer, p.byteOffset).getUint32(0, true) === seq &&
    p[p.length - 1] === (seq & 0xff);
}

Deno.test("tap: sees records without taking them; the consumer still gets every one", async () => {
  const ring = createRing(4096);
  const w = new RingWriter(ring);
  const r = new RingReader(ring);
  const tap = new RingTap(ring);
  for (let i = 0; i < 5; i++) {
    await w.writeBytes(RecordType.bytes, new Uint8Array([i, i, i]));
  }
  const seen = tap.take(1 << 20);
  assert.deepEqual(seen.map((s) => s.seq), [0, 1, 2, 3, 4]);
  assert.deepEqual([...seen[3].payload], [3, 3, 3]);
  assert.deepEqual(tap.take(1 << 20), [], "nothing new");
  for (let i = 0; i < 5; i++) assert.equal(r.read()!.seq, i);
  r.release();
  assert.equal(ringCounters(ring).read, 5);
  assert.deepEqual(tap.counters, { seen: 5, drops: 0 });
});

Deno.test("tap: a byte budget passes over the oldest records and counts them as tap drops", async () => {
  const ring = createRing(1 << 16);
  const w = new RingWriter(ring);
  const tap = new RingTap(ring);
  await w.writeBytes(RecordType.bytes, new Uint8Array(100));
  assert.equal(tap.take(1000).length, 1);
  for (let i = 1; i <= 20; i++) await w.writeBytes(RecordType.bytes, new Uint8Array(100));
  const seen = tap.take(350);
  assert.deepEqual(seen.map((s) => s.seq), [18, 19, 20], "the newest that fit the budget");
  assert.deepEqual(tap.counters, { seen: 4, drops: 17 });
  await w.writeBytes(RecordType.bytes, new Uint8Array(5000));
  assert.equal(tap.take(10).length, 1, "at least one record, whatever its size");
});

Deno.test("tap: records freed by the consumer before the tap got there are drops, never wrong data", async () => {
  const ring = createRing(4096);
  const w = new RingWriter(ring);
  const r = new RingReader(ring);
  const tap = new RingTap(ring);
  let next = 0;
  const write = async (n: number) => {
    for (let k = 0; k < n; k++, next++) {
      const i = next;
      const len = 8 + (i % 57);
      await w.write(RecordType.bytes, len, (d) => {
        new DataView(d.buffer, d.byteOffset).setUint32(0, i, true);
        d[len - 1] = i & 0xff;
      });
    }
  };
  let seen = 0;
  for (let round = 0; round < 200; round++) {
    await write(5 + (round % 20));
    // The tap looks every third round, after the consumer took a few records; the consumer
    // takes the rest before the next round, wrapping the ring many times over the test.
    if (round % 3 === 0) {
      for (let k = 0; k < 5; k++) r.read();
      r.release();
      for (const rec of tap.take(1 << 20)) {
        assert.ok(isPayloadOf(rec.payload, rec.seq), `record ${rec.seq} as written`);
        seen++;
      }
    }
    while (r.read());
    r.release();
  }
  assert.equal(tap.counters.seen, seen);
  assert.ok(tap.counters.drops > 0, "the consumer freed some before the tap looked");
  assert.ok(seen > 0);
  const c = ringCounters(ring);
  assert.equal(c.gaps, 0, "the consumer saw no gap");
});

Deno.test("tap: a busy producer and consumer in two Workers; every tapped record is intact", async () => {
  const ring = createRing(1 << 16);
  const bell = createDoorbell();
  const count = 300_000;
  const url = new URL("./_ring_worker.ts", import.meta.url).href;
  const consumer = new Worker(url, { type: "module" });
  const producer = new Worker(url, { type: "module" });
  const done = new Promise<{ received: number; bad: number }>((resolve) => {
    consumer.onmessage = (e) => resolve(e.data);
  });
  consumer.postMessage({ role: "consumer", ring, bell, count });
  producer.postMessage({ role: "producer", ring, bell, count });
  const tap = new RingTap(ring);
  let bad = 0;
  let seen = 0;
  let finished = false;
  done.then(() => (finished = true));
  while (!finished) {
    for (const rec of tap.take(4096)) {
      if (!isPayloadOf(rec.payload, rec.seq)) bad++;
      seen++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const result = await done;
  producer.terminate();
  consumer.terminate();
  assert.deepEqual(result, { received: count, bad: 0 }, "the consumer got everything");
  assert.equal(bad, 0, "no torn record passed the tap's check");
  assert.equal(tap.counters.seen, seen);
  assert.ok(seen > 0, "the tap saw some records");
  assert.ok(tap.counters.seen + tap.counters.drops <= count);
});
