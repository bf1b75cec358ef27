import assert from "node:assert/strict";
import {
  createDoorbell,
  createRing,
  RecordTooLargeError,
  ringCounters,
  RingReader,
  RingWriter,
} from "../../src/transport/ring.ts";
import {
  batchFromColumns,
  decodeBatch,
  encodeBatch,
  RecordType,
} from "../../src/transport/payload.ts";

function payload(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill & 0xff);
}

Deno.test("ring: records come out in order with their payloads, across many wrap-arounds", async () => {
  const ring = createRing(4096);
  const w = new RingWriter(ring);
  const r = new RingReader(ring);
  for (let i = 0; i < 1000; i++) {
    const len = 1 + ((i * 37) % 300);
    assert.equal(await w.writeBytes(RecordType.bytes, payload(len, i)), "written");
    const rec = r.read()!;
    assert.equal(rec.seq, i);
    assert.equal(rec.payload.length, len);
    assert.ok(rec.payload.every((b) => b === (i & 0xff)));
    r.release();
  }
  assert.equal(r.read(), undefined);
  const c = ringCounters(ring);
  assert.equal(c.written, 1000);
  assert.equal(c.read, 1000);
  assert.equal(c.gaps, 0);
  assert.equal(c.usedBytes, 0);
});

Deno.test("ring: a record larger than the free space waits for the reader (block)", async () => {
  const ring = createRing(4096);
  const w = new RingWriter(ring);
  const r = new RingReader(ring);
  assert.equal(w.tryWrite(RecordType.bytes, 1500, (d) => d.fill(1)), "written");
  assert.equal(w.tryWrite(RecordType.bytes, 1500, (d) => d.fill(2)), "written");
  assert.equal(w.tryWrite(RecordType.bytes, 1500, (d) => d.fill(3)), "full");
  const pending = w.writeBytes(RecordType.bytes, payload(1500, 3));
  await new Promise((res) => setTimeout(res, 20));
  const first = r.read()!;
  assert.equal(first.payload[0], 1);
  r.release();
  assert.equal(await pending, "written");
  assert.equal(r.read()!.payload[0], 2);
  r.release();
  const third = r.read()!;
  assert.equal(third.payload[0], 3);
  assert.equal(third.seq, 2);
  r.release();
  assert.ok(ringCounters(ring).blockedMs > 0);
  assert.equal(ringCounters(ring).droppedNewest, 0);
});

Deno.test("ring: a record that can never fit throws RecordTooLargeError", () => {
  const w = new RingWriter(createRing(4096));
  assert.throws(() => w.tryWrite(RecordType.bytes, 4000, () => {}), RecordTooLargeError);
});

Deno.test("ring: drop-newest refuses records when full, counts them, and the reader sees the gap", async () => {
  const ring = createRing(4096, "drop-newest");
  const w = new RingWriter(ring);
  const r = new RingReader(ring);
  const results = [];
  for (let i = 0; i < 10; i++) results.push(await w.writeBytes(RecordType.bytes, payload(1000, i)));
  const written = results.filter((x) => x === "written").length;
  assert.equal(written, 4);
  assert.equal(ringCounters(ring).droppedNewest, 6);
  const seqs = [];
  for (let rec = r.read(); rec; rec = r.read()) {
    seqs.push(rec.seq);
    r.release();
  }
  assert.deepEqual(seqs, [0, 1, 2, 3]);
  await w.writeBytes(RecordType.bytes, payload(10, 99));
  assert.equal(r.read()!.seq, 10);
  r.release();
  assert.equal(ringCounters(ring).gaps, 6);
});

Deno.test("ring: drop-oldest overwrites the oldest records, counts them, and never returns a torn one", async () => {
  const ring = createRing(4096, "drop-oldest");
  const w = new RingWriter(ring);
  const r = new RingReader(ring);
  for (let i = 0; i < 20; i++) {
    assert.equal(await w.writeBytes(RecordType.bytes, payload(1000, i)), "written");
  }
  const c = ringCounters(ring);
  assert.equal(c.droppedOldest, 16);
  const seqs = [];
  for (let rec = r.read(); rec; rec = r.read()) {
    assert.ok(rec.payload.every((b) => b === rec.seq));
    seqs.push(rec.seq);
  }
  assert.deepEqual(seqs, [16, 17, 18, 19]);
  assert.equal(ringCounters(ring).gaps, 16);
});

Deno.test("ring: Arrow batches travel as IPC streams and decode as views", () => {
  const ring = createRing(1 << 20);
  const w = new RingWriter(ring);
  const r = new RingReader(ring);
  const ts = BigInt64Array.from({ length: 100 }, (_, i) => BigInt(i) * 1000n);
  const v = Float64Array.from({ length: 100 }, (_, i) => i / 3);
  const bytes = encodeBatch(
    batchFromColumns([{ name: "timestamp_ns", values: ts }, { name: "v", values: v, unit: "V" }]),
  );
  w.tryWrite(RecordType.arrow, bytes.length, (d) => d.set(bytes));
  const rec = r.read()!;
  const batch = decodeBatch(rec.payload);
  assert.equal(batch.numRows, 100);
  assert.deepEqual(Array.from(batch.getChild("v")!.toArray() as Float64Array), Array.from(v));
  assert.equal(batch.getChild("timestamp_ns")!.get(99), 99000n);
  assert.equal(batch.schema.fields[1].metadata.get("unit"), "V");
  r.release();
});

Deno.test("ring: two Workers exchange two million records with every sequence number checked", async () => {
  const ring = createRing(1 << 20);
  const bell = createDoorbell();
  const count = 2_000_000;
  const url = new URL("./_ring_worker.ts", import.meta.url);
  const consumer = new Worker(url, { type: "module" });
  const producer = new Worker(url, { type: "module" });
  const result = new Promise<{ received: number; bad: number; sum: number }>((resolve, reject) => {
    consumer.onmessage = (e) => resolve(e.data);
    consumer.onerror = (e) => reject(e);
  });
  consumer.postMessage({ role: "consumer", ring, bell, count });
  producer.postMessage({ role: "producer", ring, bell, count });
  const r = await result;
  producer.terminate();
  consumer.terminate();
  assert.equal(r.received, count);
  assert.equal(r.bad, 0);
  const c = ringCounters(ring);
  assert.equal(c.gaps, 0);
  assert.equal(c.read, count);
  assert.equal(c.droppedNewest + c.droppedOldest, 0);
});

Deno.test("ring: records are counted when done with; a reader after a restart gets again only the one being handled", () => {
  const ring = createRing(1 << 16);
  const w = new RingWriter(ring);
  for (let i = 0; i < 10; i++) w.tryWrite(RecordType.bytes, 8, (d) => d.fill(i));
  const first = new RingReader(ring);
  for (let i = 0; i < 5; i++) assert.equal(first.read()!.seq, i);
  // Records 0..3 are done with (a later one was taken); record 4 was being handled when the
  // job crashed, and none of the space was freed yet.
  assert.equal(ringCounters(ring).read, 4);
  const second = new RingReader(ring);
  const seqs: number[] = [];
  for (let rec = second.read(); rec; rec = second.read()) seqs.push(rec.seq);
  second.release();
  assert.deepEqual(seqs, [4, 5, 6, 7, 8, 9]);
  const c = ringCounters(ring);
  assert.deepEqual([c.written, c.read, c.gaps, c.duplicates, c.usedBytes], [10, 10, 0, 0, 0]);
});

Deno.test("ring: taken records are freed in groups on block rings, one by one on dropping rings", () => {
  const record = 24 + 64;
  const filled = (policy: "block" | "drop-newest") => {
    const ring = createRing(1 << 16, policy);
    const w = new RingWriter(ring);
    for (let i = 0; i < 100; i++) w.tryWrite(RecordType.bytes, 64, (d) => d.fill(i));
    return ring;
  };
  /** Records still holding space after taking `n` of 100. */
  const held = (policy: "block" | "drop-newest", n: number) => {
    const ring = filled(policy);
    const r = new RingReader(ring);
    for (let i = 0; i < n; i++) r.read();
    return ringCounters(ring).usedBytes / record;
  };
  // Block: the first 64 stay reserved until the 65th is taken, then are freed together.
  assert.equal(held("block", 64), 100);
  assert.equal(held("block", 65), 100 - 64);
  // Dropping: taking a record frees the one before it, so a burst finds the most room.
  assert.equal(held("drop-newest", 10), 100 - 9);
});
