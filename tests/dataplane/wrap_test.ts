import assert from "node:assert/strict";
import { createRingFile, openRingConsumer, openRingFile } from "../../src/dataplane/mod.ts";
import { fillPayload, payloadMatches, SCHEMA, tempRing } from "./_helpers.ts";

Deno.test("records wrap around the end of the data region behind padding", () => {
  const { path, cleanup } = tempRing();
  try {
    const capacity = 4096;
    const writer = createRingFile(path, { schema: SCHEMA, capacityBytes: capacity });
    const consumer = openRingConsumer(path);
    let expected = 0;
    let paddingSeen = 0;
    let previousEnd = 0;
    for (let seq = 0; seq < 2000; seq++) {
      const length = 4 * (1 + ((seq * 37) % 200)); // 4..800 bytes
      fillPayload(writer.reserve(length), seq);
      writer.commit();
      if (seq % 3 === 2) {
        for (let r = consumer.next(); r !== null; r = consumer.next()) {
          assert.equal(r.seq, expected);
          assert.equal(r.payload.length, 4 * (1 + ((expected * 37) % 200)));
          assert.ok(payloadMatches(r.payload, r.seq), `payload of record ${r.seq}`);
          if (r.position !== previousEnd) {
            paddingSeen++;
            assert.equal(r.position % capacity, 0, "a skipped gap ends at the start of a lap");
          }
          previousEnd = r.end;
          expected++;
        }
        consumer.commit();
      }
    }
    assert.equal(expected, 1998);
    assert.equal(consumer.lostRecords, 0);
    assert.ok(writer.writeHead > 50 * capacity, "wrapped many times");
    assert.ok(paddingSeen > 40, `padding before wrapped records (${paddingSeen})`);
    writer.close();
    consumer.close();
  } finally {
    cleanup();
  }
});

Deno.test("overwrite: a lapped reader counts every lost record and returns none torn", () => {
  const { path, cleanup } = tempRing();
  try {
    const writer = createRingFile(path, { schema: SCHEMA, capacityBytes: 8192 });
    const follower = openRingFile(path, { startAt: "oldest" });
    const consumer = openRingConsumer(path);
    const total = 5000;
    const seen: number[] = [];
    const consumed: number[] = [];
    for (let seq = 0; seq < total; seq++) {
      fillPayload(writer.reserve(64 + (seq % 5) * 8), seq);
      writer.commit();
      // The follower reads 1 record per 3 written, the consumer 1 per 2: both fall behind.
      if (seq % 3 === 0) {
        const r = follower.next();
        if (r) {
          assert.ok(payloadMatches(r.payload, r.seq), `follower record ${r.seq} intact`);
          seen.push(r.seq);
        }
      }
      if (seq % 2 === 0) {
        const r = consumer.next();
        if (r) {
          assert.ok(payloadMatches(r.payload, r.seq), `consumer record ${r.seq} intact`);
          consumed.push(r.seq);
          consumer.commit();
        }
      }
    }
    writer.close();
    for (let r = follower.next(); r; r = follower.next()) seen.push(r.seq);
    for (let r = consumer.next(); r; r = consumer.next()) consumed.push(r.seq);
    consumer.commit();

    for (
      const [name, list, reader] of [
        ["follower", seen, follower],
        ["consumer", consumed, consumer],
      ] as const
    ) {
      assert.ok(reader.overruns > 0, `${name} was lapped`);
      assert.ok(reader.lostRecords > 0, `${name} lost records`);
      for (let i = 1; i < list.length; i++) assert.ok(list[i] > list[i - 1], "increasing seq");
      assert.equal(list.at(-1), total - 1, `${name} reached the last record`);
      assert.equal(
        list.length + reader.lostRecords,
        total,
        `${name}: delivered + lost = written`,
      );
    }
    const status = consumer.status();
    assert.equal(status.lostRecords, consumer.lostRecords, "header lost_records = consumer's");
    assert.equal(status.readTailSeq, total);
    assert.equal(status.readTail, status.writeHead);
    follower.close();
    consumer.close();
  } finally {
    cleanup();
  }
});

Deno.test("a consumer that was away counts the loss when it comes back", () => {
  const { path, cleanup } = tempRing();
  try {
    const writer = createRingFile(path, { schema: SCHEMA, capacityBytes: 8192 });
    for (let seq = 0; seq < 10; seq++) writer.writeBytes(new Uint8Array(64));
    let consumer = openRingConsumer(path);
    for (let i = 0; i < 4; i++) consumer.next();
    consumer.commit();
    consumer.close();
    for (let seq = 10; seq < 1000; seq++) writer.writeBytes(new Uint8Array(64));
    consumer = openRingConsumer(path);
    const first = consumer.next();
    assert.ok(first !== null);
    assert.equal(first.lostBefore, first.seq - 4, "lost = gap from read_tail_seq");
    let count = 1;
    while (consumer.next()) count++;
    consumer.commit();
    assert.equal(consumer.status().lostRecords, 1000 - 4 - count);
    assert.equal(consumer.status().readTailSeq, 1000);
    writer.close();
    consumer.close();
  } finally {
    cleanup();
  }
});
