import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import {
  createRingFile,
  defaultRingPath,
  openRingConsumer,
  openRingFile,
  RingFileError,
  ringStatus,
} from "../../src/dataplane/mod.ts";
import { SCHEMA, tempRing } from "./_helpers.ts";

Deno.test("header fields sit at their documented offsets", () => {
  const { path, cleanup } = tempRing();
  try {
    const writer = createRingFile(path, {
      schema: SCHEMA,
      capacityBytes: 65536,
      policy: "block",
      streamId: 0x1234_5678_9abc_def0n,
    });
    writer.writeBytes(new Uint8Array(20).fill(7), 42n);
    writer.writeBytes(new Uint8Array(8).fill(9), 43n);
    const consumer = openRingConsumer(path);
    consumer.next();
    consumer.commit();
    consumer.close();

    const file = Deno.readFileSync(path);
    const h = new DataView(file.buffer);
    assert.equal(h.getBigUint64(0, true), 0xDADADADA00000001n, "magic");
    assert.equal(h.getBigUint64(8, true), 65536n, "capacity_bytes");
    // two records: 32-byte header + 20 bytes padded to 24, then 32 + 8
    assert.equal(h.getBigUint64(16, true), 56n + 40n, "write_head");
    assert.equal(h.getBigUint64(24, true), 56n, "read_tail after committing the first record");
    const schemaLength = h.getUint32(32, true);
    assert.equal(h.getUint32(36, true), 1, "format version");
    assert.ok(h.getBigUint64(40, true) >= 96n, "reserve_head covers what was written");
    assert.equal(h.getBigUint64(48, true), 0n, "oldest");
    assert.equal(h.getBigUint64(56, true), 1n, "read_tail_seq");
    assert.equal(h.getBigUint64(64, true), 0n, "lost_records");
    assert.equal(h.getBigUint64(80, true), 0x1234_5678_9abc_def0n, "stream_id");
    const createdMs = Number(h.getBigInt64(88, true) / 1_000_000n);
    assert.ok(Math.abs(createdMs - Date.now()) < 60_000, "created_ns is now");
    const dataOffset = h.getUint32(96, true);
    assert.equal(dataOffset, Math.ceil((128 + schemaLength) / 64) * 64);
    assert.equal(h.getUint32(100, true), 1, "policy block");
    assert.equal(h.getUint32(104, true), Deno.pid, "writer pid");
    assert.equal(file.length, dataOffset + 65536, "file size");

    // The schema message right after the header is a valid Arrow IPC stream prefix.
    const schema = arrow.tableFromIPC(file.slice(128, 128 + schemaLength)).schema;
    assert.deepEqual(schema.fields.map((f) => f.name), ["timestamp_ns", "sine", "noise"]);

    // First record header.
    const r = new DataView(file.buffer, dataOffset);
    assert.equal(r.getUint32(0, true), 20, "length");
    assert.equal(r.getUint16(4, true), 2, "type raw bytes");
    assert.equal(r.getBigUint64(8, true), 0n, "seq");
    assert.equal(r.getBigInt64(16, true), 42n, "timestamp");
    assert.equal(r.getBigUint64(24, true), 0n, "position");
    assert.deepEqual([...file.subarray(dataOffset + 32, dataOffset + 52)], Array(20).fill(7));
    assert.equal(r.getBigUint64(56 + 8, true), 1n, "second record seq");
    assert.equal(r.getBigUint64(56 + 24, true), 56n, "second record position");

    writer.close();
    const closed = new DataView(Deno.readFileSync(path).buffer);
    assert.equal(closed.getUint32(108, true) & 1, 1, "writer-closed flag");
    assert.equal(closed.getBigUint64(72, true), 2n, "records_written after close");
  } finally {
    cleanup();
  }
});

Deno.test("openRingFile rejects a bad magic, naming the path and both values", () => {
  const { path, cleanup } = tempRing();
  try {
    createRingFile(path, { schema: SCHEMA, capacityBytes: 8192 }).close();
    const bytes = Deno.readFileSync(path);
    bytes[0] = 0x02;
    Deno.writeFileSync(path, bytes);
    assert.throws(() => openRingFile(path), (e: Error) => {
      assert.ok(e instanceof RingFileError);
      assert.match(e.message, new RegExp(path.replaceAll("/", "\\/")));
      assert.match(e.message, /bad magic 0xDADADADA00000002, expected 0xDADADADA00000001/);
      return true;
    });
  } finally {
    cleanup();
  }
});

Deno.test("openRingFile rejects a file of the wrong size", () => {
  const { path, cleanup } = tempRing();
  try {
    createRingFile(path, { schema: SCHEMA, capacityBytes: 8192 }).close();
    const size = Deno.statSync(path).size;
    Deno.truncateSync(path, size - 8);
    assert.throws(
      () => openRingFile(path),
      (e: Error) =>
        e instanceof RingFileError &&
        e.message.includes(path) &&
        e.message.includes(`file is ${size - 8} bytes, expected ${size}`),
    );
    Deno.writeFileSync(path, new Uint8Array(100));
    assert.throws(
      () => openRingConsumer(path),
      (e: Error) =>
        e instanceof RingFileError && /smaller than the 128-byte ring header/.test(e.message),
    );
  } finally {
    cleanup();
  }
});

Deno.test("ringStatus and defaultRingPath", () => {
  const { dir, path, cleanup } = tempRing();
  try {
    const writer = createRingFile(path, { schema: SCHEMA, capacityBytes: 10_000 });
    const s = ringStatus(path);
    assert.equal(s.capacityBytes, 10_000);
    assert.equal(s.policy, "overwrite");
    assert.equal(s.writerClosed, false);
    writer.close();
    assert.equal(ringStatus(path).writerClosed, true);
    const p = defaultRingPath("lab 1", "adc/0", dir);
    const shm = (() => {
      try {
        return Deno.statSync("/dev/shm").isDirectory;
      } catch {
        return false;
      }
    })();
    assert.equal(p, `${shm ? "/dev/shm" : dir}/daq-lab_1-adc_0.ring`);
  } finally {
    cleanup();
  }
});

Deno.test("re-creating a ring gives a new stream id; the old reader sees its writer closed", () => {
  const { path, cleanup } = tempRing();
  try {
    const first = createRingFile(path, { schema: SCHEMA, capacityBytes: 8192 });
    const oldReader = openRingFile(path);
    first.close();
    const second = createRingFile(path, { schema: SCHEMA, capacityBytes: 8192 });
    const newReader = openRingFile(path);
    assert.notEqual(newReader.streamId, oldReader.streamId);
    assert.equal(oldReader.done, true);
    assert.equal(newReader.done, false);
    second.writeBytes(new Uint8Array(8));
    assert.equal(oldReader.next(), null);
    assert.equal(newReader.next()?.seq, 0);
    second.close();
    oldReader.close();
    newReader.close();
  } finally {
    cleanup();
  }
});
