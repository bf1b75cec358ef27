import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import {
  ArrowPayloadError,
  streamRowCount,
  validateArrowBatch,
  validateArrowPayload,
  validateArrowSchema,
} from "../../src/arrow/mod.ts";
import { decodeBatch } from "../../src/transport/payload.ts";
import { batchFields, mixedPayloads, signalPayload, withInt32, withInt64 } from "./_payloads.ts";

function rejects(bytes: Uint8Array, pattern: RegExp) {
  assert.throws(() => validateArrowPayload(bytes), (e: unknown) => {
    assert.ok(e instanceof ArrowPayloadError, `an ArrowPayloadError, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

/** streamRowCount of each payload in a Worker, with a deadline: a loop that never ends fails. */
async function rowCountsWithin(payloads: Uint8Array[], ms: number): Promise<number[]> {
  const worker = new Worker(new URL("./_row_count_worker.ts", import.meta.url), { type: "module" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await new Promise<number[]>((resolve, reject) => {
      const counts: number[] = [];
      worker.onmessage = (e) => {
        counts.push(e.data);
        if (counts.length === payloads.length) resolve(counts);
      };
      worker.onerror = (e) => reject(new Error(e.message));
      timer = setTimeout(
        () => reject(new Error(`streamRowCount still running after ${ms} ms`)),
        ms,
      );
      for (const payload of payloads) worker.postMessage(payload);
    });
  } finally {
    clearTimeout(timer);
    worker.terminate();
  }
}

Deno.test("validateArrowPayload accepts ring records and apache-arrow streams, with their row counts", () => {
  for (const rows of [0, 1, 7, 100, 4096]) {
    const bytes = signalPayload(rows);
    assert.deepEqual(validateArrowPayload(bytes), {
      rows,
      schemaLength: batchFields(bytes).metaLength - 4,
    });
    // Without the end marker too (pyarrow streams read before close, e.g.).
    assert.equal(validateArrowPayload(bytes.subarray(0, bytes.length - 8)).rows, rows);
  }
  for (const bytes of mixedPayloads()) {
    const table = arrow.tableFromIPC(bytes);
    assert.equal(validateArrowPayload(bytes).rows, table.numRows);
  }
});

Deno.test("validateArrowSchema + validateArrowBatch check a schema once for many batches", () => {
  const a = signalPayload(10);
  const b = signalPayload(20, 10);
  const schemaLength = validateArrowPayload(a).schemaLength;
  const schema = validateArrowSchema(a.subarray(0, schemaLength));
  assert.deepEqual(schema.names, ["timestamp_ns", "v"]);
  assert.equal(validateArrowBatch(schema, a.subarray(schemaLength)), 10);
  assert.equal(validateArrowBatch(schema, b.subarray(schemaLength)), 20);
  const mixed = mixedPayloads()[0];
  const other = validateArrowSchema(mixed.subarray(0, validateArrowPayload(mixed).schemaLength));
  assert.throws(() => validateArrowBatch(other, a.subarray(schemaLength)), /its schema needs/);
});

Deno.test("a negative bodyLength is refused, and counting its rows ends (it looped forever)", async () => {
  const bytes = signalPayload(100);
  const f = batchFields(bytes);
  const metaLength = new DataView(bytes.buffer).getInt32(f.metaLength, true);
  // -(8 + metadata): the next message would start where this one did.
  const forged = withInt64(bytes, f.bodyLength, BigInt(-(8 + metaLength)));
  rejects(forged, /bodyLength = -\d+ is outside 0..2\^53-1/);
  // Back to the schema message, and before the start of the bytes.
  const back = withInt64(bytes, f.bodyLength, BigInt(-(8 + metaLength) - f.metaLength + 4));
  const before = withInt64(bytes, f.bodyLength, -(2n ** 40n));
  assert.deepEqual(await rowCountsWithin([forged, back, before, bytes], 20_000), [0, 0, 0, 100]);
  assert.equal(streamRowCount(bytes), 100);
});

Deno.test("lengths beyond the bytes are refused: bodyLength, metadata length, buffers", () => {
  const bytes = signalPayload(100);
  const f = batchFields(bytes);
  rejects(withInt64(bytes, f.bodyLength, 1n << 40n), /bodyLength 1099511627776 beyond/);
  rejects(withInt64(bytes, f.bodyLength, 1n << 62n), /bodyLength = \d+ is outside 0..2\^53-1/);
  rejects(withInt32(bytes, f.metaLength, -16), /metadata length -16/);
  rejects(withInt32(bytes, f.metaLength, 1 << 30), /metadata length 1073741824 beyond/);
  rejects(withInt32(bytes, 4, 1 << 30), /schema metadata length 1073741824/);
  rejects(withInt64(bytes, f.buffers[3], 1n << 20n), /buffer at 1048576 of 800 bytes beyond/);
  rejects(withInt64(bytes, f.buffers[3] + 8, 1n << 20n), /buffer at \d+ of 1048576 bytes beyond/);
  rejects(withInt64(bytes, f.buffers[3] + 8, -1n), /buffer length = -1/);
  rejects(withInt64(bytes, f.buffers[1], 4n), /offset 4 is not 8-aligned/);
});

Deno.test("a batch claiming 10^6 rows with 100 rows of body is refused (it stored 999,900 zeros)", () => {
  const bytes = signalPayload(100);
  const f = batchFields(bytes);
  let forged = withInt64(bytes, f.rowCount, 1_000_000n);
  rejects(forged, /column 0 \("timestamp_ns"\): 100 values for a batch of 1000000 rows/);
  for (const node of f.nodes) forged = withInt64(forged, node, 1_000_000n);
  rejects(
    forged,
    /column 0 \("timestamp_ns"\): 800 bytes of values for 1000000 values \(8000000 needed\)/,
  );
  // Fewer rows than the columns hold is as wrong: the columns say how many there are.
  rejects(withInt64(bytes, f.rowCount, 99n), /100 values for a batch of 99 rows/);
  rejects(withInt64(bytes, f.nodes[1] + 8, 101n), /101 nulls in 100 values/);
  rejects(withInt64(bytes, f.nodes[1] + 8, 5n), /validity bitmap of 0 bytes for 100 values/);
});

Deno.test("truncated, padded and garbage payloads are refused", () => {
  const bytes = signalPayload(10);
  for (let n = 0; n < bytes.length; n++) {
    if (n === bytes.length - 8) continue; // the end marker is optional
    assert.throws(
      () => validateArrowPayload(bytes.subarray(0, n)),
      ArrowPayloadError,
      `${n} bytes`,
    );
  }
  const longer = new Uint8Array(bytes.length + 8);
  longer.set(bytes);
  rejects(longer, /16 bytes after the record batch/);
  const garbage = new Uint8Array(4096);
  let x = 12345;
  for (let i = 0; i < garbage.length; i++) garbage[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  rejects(garbage, /no continuation marker/);
  garbage.set([0xff, 0xff, 0xff, 0xff, 0x40, 0, 0, 0]);
  assert.throws(() => validateArrowPayload(garbage), ArrowPayloadError);
});

Deno.test("what stores cannot take is refused: several batches, none, dictionaries", () => {
  const two = arrow.tableToIPC(
    new arrow.Table([
      arrow.tableFromArrays({ v: new Float64Array([1]) }).batches[0],
      arrow.tableFromArrays({ v: new Float64Array([2]) }).batches[0],
    ]),
    "stream",
  );
  rejects(two, /bytes after the record batch \(one batch per payload/);
  const none = arrow.tableToIPC(new arrow.Table(new arrow.Schema([])), "stream");
  rejects(none, /the stream ends before its record batch/);
  const dictionary = arrow.tableToIPC(
    new arrow.Table({
      d: arrow.vectorFromArray(
        ["a", "b", "a"],
        new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
      ),
    }),
    "stream",
  );
  rejects(dictionary, /field "d" is dictionary-encoded/);
});

Deno.test("an accepted payload decodes to a batch of the rows it claims", () => {
  for (const bytes of [signalPayload(100), ...mixedPayloads()]) {
    const { rows } = validateArrowPayload(bytes);
    const batch = decodeBatch(bytes);
    assert.equal(batch.numRows, rows);
    for (const column of batch.data.children) assert.equal(column.length, rows);
  }
});
