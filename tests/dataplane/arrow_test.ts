import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import { createRingFile, openRingFile, RingFileError } from "../../src/dataplane/mod.ts";
import { row, SCHEMA, tempRing } from "./_helpers.ts";

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function simBatch(first: number, rows: number): arrow.RecordBatch {
  const ts = new BigInt64Array(rows);
  const sine = new Float64Array(rows);
  const noise = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const r = row(first + i);
    ts[i] = r.ts;
    sine[i] = r.sine;
    noise[i] = r.noise;
  }
  return new arrow.RecordBatch(
    SCHEMA,
    arrow.makeData({
      type: new arrow.Struct(SCHEMA.fields),
      length: rows,
      nullCount: 0,
      children: [
        arrow.makeData({ type: new arrow.Int64(), data: ts }),
        arrow.makeData({ type: new arrow.Float64(), data: sine }),
        arrow.makeData({ type: new arrow.Float64(), data: noise }),
      ],
    }),
  );
}

function checkRows(batch: arrow.RecordBatch, first: number, rows: number): void {
  assert.equal(batch.numRows, rows);
  const ts = batch.getChild("timestamp_ns")!.toArray() as BigInt64Array;
  const sine = batch.getChild("sine")!.toArray() as Float64Array;
  const noise = batch.getChild("noise")!.toArray() as Float64Array;
  for (let i = 0; i < rows; i++) {
    const r = row(first + i);
    assert.equal(ts[i], r.ts);
    assert.equal(sine[i], r.sine);
    assert.equal(noise[i], r.noise);
  }
}

Deno.test("Arrow batches written three ways read back, and schema + payload is an IPC stream", () => {
  const { path, cleanup } = tempRing();
  try {
    const writer = createRingFile(path, { schema: SCHEMA, capacityBytes: 1 << 20 });
    const reader = openRingFile(path);
    // 1. write(batch), also a slice (offset data)
    writer.write(simBatch(0, 1000));
    writer.write(simBatch(0, 3000).slice(1000, 2000));
    // 2. reserveBatch: columns filled in place
    const [ts, sine, noise] = writer.reserveBatch(1000) as [
      BigInt64Array,
      Float64Array,
      Float64Array,
    ];
    for (let i = 0; i < 1000; i++) {
      const r = row(2000 + i);
      ts[i] = r.ts;
      sine[i] = r.sine;
      noise[i] = r.noise;
    }
    writer.commit();
    // 3. writeColumns
    const b = simBatch(3000, 1000);
    writer.writeColumns(1000, b.schema.fields.map((f) => b.getChild(f.name)!.toArray()));

    for (let k = 0; k < 4; k++) {
      const r = reader.next();
      assert.ok(r !== null);
      assert.equal(r.seq, k);
      assert.equal(r.type, 1);
      checkRows(r.batch, k * 1000, 1000);
      // Independent check: apache-arrow's own reader on schema message + payload.
      const table = arrow.tableFromIPC(concat(reader.schemaMessage, r.payload));
      assert.equal(table.numRows, 1000);
      checkRows(table.batches[0], k * 1000, 1000);
    }
    assert.equal(reader.next(), null);
    writer.close();
    reader.close();
  } finally {
    cleanup();
  }
});

Deno.test("non-fixed-width schemas and nulls go through apache-arrow's writer", () => {
  const { path, cleanup } = tempRing();
  try {
    const table = new arrow.Table({
      name: arrow.vectorFromArray(["a", "bb", "ccc"], new arrow.Utf8()),
      value: arrow.vectorFromArray([1.5, null, 3.5], new arrow.Float64()),
    });
    const writer = createRingFile(path, { schema: table.schema, capacityBytes: 1 << 16 });
    const reader = openRingFile(path);
    writer.write(table.batches[0]);
    const r = reader.next();
    assert.ok(r !== null);
    assert.deepEqual(r.batch.toArray().map((x) => x.toJSON()), [
      { name: "a", value: 1.5 },
      { name: "bb", value: null },
      { name: "ccc", value: 3.5 },
    ]);
    assert.throws(
      () => writer.reserveBatch(10),
      (e: Error) => e instanceof RingFileError && /fixed-width/.test(e.message),
    );
    writer.close();
    reader.close();
  } finally {
    cleanup();
  }
});

Deno.test("a batch with another schema is refused, naming both schemas", () => {
  const { path, cleanup } = tempRing();
  try {
    const writer = createRingFile(path, { schema: SCHEMA, capacityBytes: 1 << 16 });
    const other = arrow.tableFromArrays({ x: new Float32Array([1]) }).batches[0];
    assert.throws(
      () => writer.write(other),
      (e: Error) =>
        e instanceof RingFileError && e.message.includes("x: Float32") &&
        e.message.includes("timestamp_ns: Int64"),
    );
    assert.throws(
      () => writer.reserve(1 << 15),
      (e: Error) => e instanceof RingFileError && /does not fit/.test(e.message),
    );
    writer.close();
  } finally {
    cleanup();
  }
});
