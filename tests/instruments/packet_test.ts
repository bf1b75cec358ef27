import assert from "node:assert/strict";
import {
  compileLayout,
  FIELD_TYPES,
  type FieldType,
  type LayoutSpec,
  PacketDecoder,
  readSequence,
  sequenceBits,
  SequenceTracker,
  SpecError,
} from "../../src/instruments/mod.ts";
import { mutate, Rng } from "./_fuzz.ts";

const TYPES = Object.keys(FIELD_TYPES) as FieldType[];

function setValue(view: DataView, at: number, type: FieldType, v: number, little: boolean): void {
  switch (type) {
    case "int8":
      return view.setInt8(at, v);
    case "uint8":
      return view.setUint8(at, v);
    case "int16":
      return view.setInt16(at, v, little);
    case "uint16":
      return view.setUint16(at, v, little);
    case "int32":
      return view.setInt32(at, v, little);
    case "uint32":
      return view.setUint32(at, v, little);
    case "int64":
      return view.setBigInt64(at, BigInt(v), little);
    case "uint64":
      return view.setBigUint64(at, BigInt(v), little);
    case "float32":
      return view.setFloat32(at, v, little);
    case "float64":
      return view.setFloat64(at, v, little);
  }
}

function valueFor(type: FieldType, rng: Rng): number {
  const size = FIELD_TYPES[type];
  if (type.startsWith("float")) {
    return type === "float32" ? Math.fround(rng.next() * 1e6 - 5e5) : rng.next() * 1e12 - 5e11;
  }
  const bits = Math.min(size * 8, 48);
  const u = Math.floor(rng.next() * 2 ** bits);
  return type.startsWith("int") ? u - 2 ** (bits - 1) : u;
}

Deno.test("packet layout: every field type in both byte orders, arrays and records per packet", () => {
  const rng = new Rng(3);
  for (const byteOrder of ["little", "big"] as const) {
    const spec: LayoutSpec = {
      byteOrder,
      recordsPerPacket: 3,
      fields: TYPES.map((type, i) => ({ name: `f${i}`, type, count: i % 3 === 0 ? 5 : 1 })),
    };
    const layout = compileLayout(spec);
    const decoder = new PacketDecoder(layout, 30);
    const expected: number[][] = layout.fields.map(() => []);
    for (let p = 0; p < 10; p++) {
      const packet = new Uint8Array(layout.packetBytes);
      const view = new DataView(packet.buffer);
      for (let r = 0; r < 3; r++) {
        layout.fields.forEach((f, i) => {
          for (let e = 0; e < f.count; e++) {
            const v = valueFor(f.type, rng);
            setValue(
              view,
              r * layout.recordBytes + f.offset + e * f.size,
              f.type,
              v,
              byteOrder === "little",
            );
            expected[i].push(v);
          }
        });
      }
      assert.ok(decoder.decode(packet));
    }
    assert.equal(decoder.rows, 30);
    assert.equal(decoder.hasRoom(), false);
    assert.throws(() => decoder.decode(new Uint8Array(layout.packetBytes)), /decoder full/);
    decoder.columns().forEach(({ values }, i) => {
      assert.deepEqual(
        Array.from(values, Number),
        expected[i],
        `${byteOrder} ${layout.fields[i].type}`,
      );
    });
  }
});

Deno.test("packet layout: bad specs are SpecErrors naming the key", () => {
  const f = (fields: LayoutSpec["fields"], extra: Partial<LayoutSpec> = {}) => () =>
    compileLayout({ byteOrder: "little", fields, ...extra });
  const is = (key: string, message: RegExp) => (e: unknown) =>
    e instanceof SpecError && e.key === key && message.test(e.message);
  assert.throws(
    f([{ name: "a", type: "uint32" }, { name: "b", type: "uint24" }]),
    is("fields[1].type", /unknown field type "uint24"; known: int8/),
  );
  assert.throws(
    f([{ name: "a", type: "int16", count: 0 }]),
    is("fields[0].count", /at least 1, got 0/),
  );
  assert.throws(
    f([{ name: "a", type: "int16", count: 2.5 }]),
    is("fields[0].count", /whole number/),
  );
  assert.throws(
    f([{ name: "a", type: "float64", count: 8193 }]),
    is("fields[0].count", /reaches 65544 bytes here, more than a UDP packet holds \(65507\)/),
  );
  assert.throws(
    f([{ name: "a", type: "float64", count: 1024 }], { recordsPerPacket: 8 }),
    is("records_per_packet", /65536 bytes/),
  );
  assert.throws(
    f([{ name: "a", type: "int8" }, { name: "a", type: "int8" }]),
    is("fields[1].name", /used by two fields/),
  );
  assert.throws(
    f([{ name: "timestamp_ns", type: "int64" }]),
    is("fields[0].name", /added by the job/),
  );
  assert.throws(f([{ name: "x y", type: "int8" }]), is("fields[0].name", /letters, digits/));
  assert.throws(f([]), is("fields", /at least one field/));
  assert.throws(
    f([{ name: "s", type: "float32" }], { sequence: "s" }),
    is("sequence", /single integer/),
  );
  assert.throws(
    f([{ name: "s", type: "uint32", count: 2 }], { sequence: "s" }),
    is("sequence", /2 x uint32/),
  );
  assert.throws(
    f([{ name: "s", type: "uint32" }], { sequence: "seq" }),
    is("sequence", /no field is named "seq"/),
  );
  assert.throws(
    f([{ name: "s", type: "uint32" }], { byteOrder: "middle" as "big" }),
    is("byte_order", /"little" or "big"/),
  );
});

Deno.test("packet sequence numbers of every integer type and both byte orders", () => {
  for (const type of ["uint8", "int16", "uint32", "int64", "uint64"] as const) {
    for (const byteOrder of ["little", "big"] as const) {
      const layout = compileLayout({
        byteOrder,
        sequence: "s",
        recordsPerPacket: 2,
        fields: [{ name: "pad", type: "uint8" }, { name: "s", type }],
      });
      const packet = new Uint8Array(layout.packetBytes);
      const view = new DataView(packet.buffer);
      const v = type === "uint8"
        ? 200
        : type === "int16"
        ? -1234
        : type === "uint32"
        ? 4_000_000_000
        : 2 ** 40 + 7;
      setValue(view, layout.recordBytes + 1, type, v, byteOrder === "little");
      assert.equal(readSequence(layout, packet, 1), v, `${type} ${byteOrder}`);
      assert.equal(sequenceBits(layout.sequence!), Math.min(53, FIELD_TYPES[type] * 8));
    }
  }
});

Deno.test("sequence tracker: planted gaps, swapped pairs and duplicates are counted as planted", () => {
  for (const bits of [16, 32]) {
    const stream: number[] = [];
    let gaps = 0, swaps = 0, dups = 0;
    const rng = new Rng(bits);
    for (let n = 0; n < 200_000; n++) {
      const r = rng.next();
      const s = n % 2 ** bits;
      if (r < 0.002) gaps++;
      else if (r < 0.004 && n + 1 < 200_000) {
        stream.push((n + 1) % 2 ** bits, s);
        swaps++;
        n++;
      } else if (r < 0.006) {
        stream.push(s, s);
        dups++;
      } else stream.push(s);
    }
    const tracker = new SequenceTracker(bits);
    stream.forEach((s) => tracker.see(s));
    assert.deepEqual(
      tracker.counts(),
      { gaps, reordered: swaps, duplicates: dups, resets: 0 },
      `${bits} bits`,
    );
    assert.ok(gaps > 100 && swaps > 100 && dups > 100);
  }
});

Deno.test("sequence tracker: wrap-around, a first pair swapped, a late packet, and a sender restart", () => {
  const t = new SequenceTracker(16);
  for (const n of [65534, 65535, 0, 2, 1]) t.see(n);
  assert.deepEqual(t.counts(), { gaps: 0, reordered: 1, duplicates: 0, resets: 0 });
  const first = new SequenceTracker(32);
  for (const n of [11, 10, 12]) first.see(n);
  assert.deepEqual(first.counts(), { gaps: 0, reordered: 1, duplicates: 0, resets: 0 });
  const restart = new SequenceTracker(32);
  for (let n = 0; n < 100_000; n++) restart.see(n);
  for (let n = 0; n < 10; n++) restart.see(n);
  assert.deepEqual(restart.counts(), { gaps: 0, reordered: 0, duplicates: 0, resets: 1 });
});

Deno.test("packet fuzz: mutated packets decode exactly when their length matches, never a partial row", () => {
  const rng = new Rng(21);
  const layout = compileLayout({
    byteOrder: "big",
    sequence: "seq",
    fields: [{ name: "seq", type: "uint32" }, { name: "t", type: "uint64" }, {
      name: "adc",
      type: "int16",
      count: 16,
    }],
  });
  const decoder = new PacketDecoder(layout, 64);
  const seed = rng.bytes(layout.packetBytes);
  let good = 0, bad = 0;
  for (let i = 0; i < 50_000; i++) {
    const packet = mutate(rng, seed, 70_000);
    if (!decoder.hasRoom()) decoder.clear();
    const before = decoder.rows;
    const ok = decoder.decode(packet);
    assert.equal(ok, packet.length === layout.packetBytes);
    assert.equal(decoder.rows, before + (ok ? 1 : 0));
    if (ok) {
      good++;
      const adc = decoder.columns()[2].values as Int16Array;
      const view = new DataView(packet.buffer);
      assert.equal(adc[before * 16 + 15], view.getInt16(12 + 30, false));
      assert.equal(readSequence(layout, packet, 0), view.getUint32(0, false));
    } else bad++;
  }
  assert.ok(good > 1000 && bad > 1000, `${good} good, ${bad} bad`);
});
