import assert from "node:assert/strict";
import { pack } from "msgpackr";
import {
  decodeMessage,
  encodeMessage,
  encodePackedMessage,
  WIRE_VERSION,
  WireFormatError,
  type WireHeader,
} from "../../src/remote/mod.ts";
import { acceptSeq, newCounters, newStream } from "../../src/remote/_sequence.ts";

const header: WireHeader = {
  v: WIRE_VERSION,
  origin: "sup-a",
  session: 4_000_000_000,
  seq: 2 ** 40,
  type: "batch",
  route_keys: ["ev", "x"],
  timestamp_ns: 1_800_000_000_123_456_789n,
  count: 2,
};

Deno.test("wire message round trip keeps 64-bit fields exact", () => {
  const payloads = [pack({ a: 1 }), pack([1, 2, 3])];
  const frames = encodeMessage("ev", header, payloads);
  assert.equal(frames.length, 4);
  const decoded = decodeMessage(frames);
  assert.equal(decoded.topic, "ev");
  assert.deepEqual(decoded.header, header);
  assert.deepEqual(decoded.payloads, payloads);
});

Deno.test("packed_arrow with a shared schema: the schema goes once, each payload gets it back", () => {
  const schema = new Uint8Array([0xff, 0xff, 0xff, 0xff, 8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const bodies = [new Uint8Array([9, 9, 9]), new Uint8Array([7]), new Uint8Array([5, 5])];
  const frame = new Uint8Array([9, 9, 9, 7, 5, 5]);
  const packed = { ...header, type: "packed_arrow" as const, count: 3, sizes: [3, 1, 2] };
  const frames = encodePackedMessage("ev", packed, frame, schema);
  assert.equal(frames.length, 4, "topic, header, schema, packed frame");
  const decoded = decodeMessage(frames);
  assert.deepEqual(decoded.header, { ...packed, shared_schema: true });
  assert.deepEqual(decoded.schema, schema);
  assert.deepEqual(decoded.payloads, bodies);
  assert.throws(() => decodeMessage(frames.slice(0, 3)), /schema frame and a packed frame/);
  const onMsgpack = [frames[0], pack({ ...packed, type: "packed_msgpack", shared_schema: true })];
  assert.throws(() => decodeMessage([...onMsgpack, frame]), /"shared_schema" is for packed_arrow/);
});

Deno.test("malformed wire messages raise WireFormatError naming the problem", () => {
  const bad = (frames: Uint8Array[], pattern: RegExp) =>
    assert.throws(() => decodeMessage(frames), (error: Error) => {
      assert.ok(error instanceof WireFormatError);
      assert.match(error.message, pattern);
      return true;
    });
  const topic = new TextEncoder().encode("ev");
  bad([topic], /at least 2 frames/);
  bad(encodeMessage("ev", header, [pack(1)]), /count 2 but 1 payload/);
  bad([topic, pack({ ...header, v: 2 })], /"v" must be 1/);
  bad([topic, pack({ ...header, origin: "" })], /"origin"/);
  bad([topic, pack({ ...header, type: "json" })], /"type"/);
  bad([topic, pack({ ...header, seq: -1 })], /"seq"/);
  bad([topic, new Uint8Array([0xdc, 0x00])], /not valid msgpack/);
  bad([topic, pack(5)], /expected a map/);
});

Deno.test("sequence tracking: duplicates dropped, gaps counted, late arrivals recovered", () => {
  const counters = newCounters();
  const stream = newStream(1, 10, 9, counters);
  const accept = (seq: number) => acceptSeq(stream, seq, counters, 1_000_000);
  assert.equal(counters.missedAtStart, 9);
  assert.equal(accept(11), true);
  assert.equal(accept(11), false);
  assert.equal(counters.duplicates, 1);
  assert.equal(accept(15), true);
  assert.equal(counters.gaps, 3);
  assert.equal(counters.gapEvents, 1);
  assert.equal(accept(13), true);
  assert.equal(counters.gaps, 2);
  assert.equal(counters.late, 1);
  assert.equal(accept(13), false);
  assert.equal(accept(9), false);
  assert.equal(accept(5000), true);
  assert.equal(counters.gaps, 2 + 4984);
  // Far behind the jump, close to where the stream stood before it: the jump was false (a
  // forged or corrupt header), so it is undone and 14 is the late arrival it is.
  assert.equal(accept(14), true, "the numbering from before the jump goes on");
  assert.equal(counters.gaps, 1);
  assert.equal(counters.seqJumps, 1);
  assert.equal(accept(16), true);
  assert.equal(accept(16), false);
  assert.equal(counters.duplicates, 4);
});
