import assert from "node:assert/strict";
import {
  decodeReadResponse,
  encodeReadRequest,
  exceptionName,
  ModbusFrameError,
  ModbusFramer,
  planReads,
  type RegisterSpec,
  registerValue,
  SpecError,
} from "../../src/instruments/mod.ts";
import { mutate, Rng } from "./_fuzz.ts";

function response(tid: number, unit: number, fn: number, data: number[]): Uint8Array {
  const pdu = [fn, data.length, ...data];
  return Uint8Array.from([tid >> 8, tid & 0xff, 0, 0, 0, pdu.length + 1, unit, ...pdu]);
}

Deno.test("modbus: a read request is MBAP + function, address, count (big-endian)", () => {
  assert.deepEqual(
    Array.from(encodeReadRequest(0x1234, 17, { functionCode: 3, address: 40, count: 10 })),
    [0x12, 0x34, 0, 0, 0, 6, 17, 3, 0, 40, 0, 10],
  );
});

Deno.test("modbus: responses, values of each type and word order, exceptions by name", () => {
  const words = [0x4049, 0x0fdb, 0xfffe, 0x0001, 0x0002]; // float32 pi (high word first), -2, 0x00010002
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  const r = decodeReadResponse(response(7, 1, 3, bytes), 1, { functionCode: 3, count: 5 });
  assert.equal(r.kind, "data");
  if (r.kind !== "data") return;
  assert.equal(r.transactionId, 7);
  assert.ok(Math.abs(registerValue(r, 0, "float32", "big") - Math.PI) < 1e-6);
  assert.equal(registerValue(r, 2, "int16", "big"), -2);
  assert.equal(registerValue(r, 2, "uint16", "big"), 0xfffe);
  assert.equal(registerValue(r, 3, "uint32", "big"), 0x00010002);
  assert.equal(registerValue(r, 3, "uint32", "little"), 0x00020001);
  assert.equal(registerValue(r, 1, "int32", "big"), 0x0fdbfffe);
  assert.equal(registerValue(r, 2, "int32", "little"), 0x0001fffe);
  const coils = decodeReadResponse(response(8, 1, 1, [0b10100101, 0b1]), 1, {
    functionCode: 1,
    count: 9,
  });
  assert.ok(coils.kind === "data");
  if (coils.kind === "data") assert.deepEqual(Array.from(coils.bits), [1, 0, 1, 0, 0, 1, 0, 1, 1]);
  const ex = decodeReadResponse(Uint8Array.from([0, 9, 0, 0, 0, 3, 1, 0x83, 2]), 1, {
    functionCode: 3,
    count: 5,
  });
  assert.deepEqual(ex, {
    kind: "exception",
    transactionId: 9,
    code: 2,
    name: "ILLEGAL DATA ADDRESS",
  });
  assert.equal(exceptionName(0x13), "EXCEPTION 0x13");
});

Deno.test("modbus: responses that do not answer the request are ModbusFrameErrors", () => {
  const plan = { functionCode: 3, count: 2 };
  const bad: [Uint8Array, RegExp][] = [
    [response(1, 2, 3, [0, 1, 0, 2]), /unit 2, expected 1/],
    [response(1, 1, 4, [0, 1, 0, 2]), /function 4, expected 3/],
    [response(1, 1, 3, [0, 1, 0]), /3 data bytes in 3, expected 4 for 2 registers/],
    [Uint8Array.from([0, 1, 0, 0, 0, 2, 1, 3]), /too short/],
  ];
  for (const [adu, message] of bad) {
    assert.throws(
      () => decodeReadResponse(adu, 1, plan),
      (e: unknown) => e instanceof ModbusFrameError && message.test(e.message),
    );
  }
});

Deno.test("modbus framer: ADUs split anywhere are put together; impossible headers throw", () => {
  const a = response(1, 1, 3, [0, 1, 0, 2]);
  const b = response(2, 1, 3, [0, 3, 0, 4]);
  const stream = Uint8Array.from([...a, ...b]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const framer = new ModbusFramer();
    framer.push(stream.subarray(0, cut));
    const got: Uint8Array[] = [];
    for (let f = framer.next(); f; f = framer.next()) got.push(f);
    framer.push(stream.subarray(cut));
    for (let f = framer.next(); f; f = framer.next()) got.push(f);
    assert.deepEqual(got, [a, b]);
  }
  const f = new ModbusFramer();
  f.push(Uint8Array.from([0, 1, 0, 5, 0, 6, 1, 3]));
  assert.throws(() => f.next(), /protocol id 5/);
  const g = new ModbusFramer();
  g.push(Uint8Array.from([0, 1, 0, 0, 1, 0, 1, 3]));
  assert.throws(() => g.next(), /MBAP length 256, expected 2-254/);
});

Deno.test("modbus plan: adjacent registers of a kind in one request, up to 125 words or 2000 bits", () => {
  const reg = (
    name: string,
    kind: RegisterSpec["kind"],
    address: number,
    type: RegisterSpec["type"],
  ): RegisterSpec => ({ name, kind, address, type, wordOrder: "big" });
  const plans = planReads([
    reg("a", "holding", 10, "uint16"),
    reg("b", "holding", 11, "float32"),
    reg("c", "holding", 14, "uint16"), // gap at 13: a new request
    reg("d", "input", 11, "int16"),
    reg("e", "holding", 11, "uint16"), // overlaps b: same request
    reg("f", "discrete", 0, "bool"),
    reg("g", "discrete", 1, "bool"),
  ]);
  assert.deepEqual(plans.map((p) => [p.kind, p.functionCode, p.address, p.count, p.items]), [
    ["discrete", 2, 0, 2, [{ register: 5, offset: 0 }, { register: 6, offset: 1 }]],
    ["holding", 3, 10, 3, [{ register: 0, offset: 0 }, { register: 1, offset: 1 }, {
      register: 4,
      offset: 1,
    }]],
    ["holding", 3, 14, 1, [{ register: 2, offset: 0 }]],
    ["input", 4, 11, 1, [{ register: 3, offset: 0 }]],
  ]);
  const many = Array.from({ length: 130 }, (_, i) => reg(`r${i}`, "input", i, "uint16"));
  assert.deepEqual(planReads(many).map((p) => [p.address, p.count]), [[0, 125], [125, 5]]);
  const floats = Array.from({ length: 63 }, (_, i) => reg(`f${i}`, "holding", 2 * i, "float32"));
  assert.deepEqual(planReads(floats).map((p) => [p.address, p.count]), [[0, 124], [124, 2]]);
  const bits = Array.from({ length: 2001 }, (_, i) => reg(`c${i}`, "coil", i, "bool"));
  assert.deepEqual(planReads(bits).map((p) => [p.address, p.count]), [[0, 2000], [2000, 1]]);
  assert.throws(
    () => planReads([reg("x", "coil", 1, "uint16")]),
    (e: unknown) => e instanceof SpecError && e.key === "registers[0].type",
  );
  assert.throws(
    () => planReads([reg("x", "holding", 65535, "uint32")]),
    (e: unknown) => e instanceof SpecError && e.key === "registers[0].address",
  );
  assert.throws(
    () => planReads([reg("x", "register" as "input", 1, "uint16")]),
    /expected holding, input, coil or discrete/,
  );
});

Deno.test("modbus fuzz: a mutated stream gives whole ADUs, decoded or refused with ModbusFrameError", () => {
  const rng = new Rng(502);
  const plan = { functionCode: 3, count: 4 };
  const good = Uint8Array.from([
    ...response(1, 1, 3, [0, 1, 0, 2, 0, 3, 0, 4]),
    ...Uint8Array.from([0, 2, 0, 0, 0, 3, 1, 0x83, 4]),
  ]);
  let decoded = 0, refused = 0;
  for (let i = 0; i < 20_000; i++) {
    const stream = mutate(rng, good, 600);
    const framer = new ModbusFramer();
    try {
      for (let at = 0; at < stream.length; at += 1 + rng.int(9)) {
        framer.push(stream.subarray(at, at + 1 + rng.int(9)));
        for (let adu = framer.next(); adu; adu = framer.next()) {
          assert.ok(adu.length <= 260 && adu.length >= 8);
          try {
            const r = decodeReadResponse(adu, 1, plan);
            if (r.kind === "data") assert.equal(r.words.length, 4);
            decoded++;
          } catch (e) {
            if (!(e instanceof ModbusFrameError)) throw e;
            refused++;
          }
        }
      }
    } catch (e) {
      if (!(e instanceof ModbusFrameError)) throw e;
      refused++;
    }
  }
  assert.ok(decoded > 1000 && refused > 1000, `${decoded} decoded, ${refused} refused`);
});
