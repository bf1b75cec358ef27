import assert from "node:assert/strict";
import { type Framed, LineFramer } from "../../src/instruments/mod.ts";
import { Rng } from "./_fuzz.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const text = (f: Framed) => f?.kind === "line" ? new TextDecoder().decode(f.bytes) : f;

function drain(framer: LineFramer): (string | Framed)[] {
  const out: (string | Framed)[] = [];
  for (let f = framer.next(); f; f = framer.next()) out.push(text(f));
  return out;
}

Deno.test("framing: replies split across chunks, two-byte terminators split too", () => {
  const framer = new LineFramer({ terminator: "\r\n", maxBytes: 100 });
  framer.push(enc("+1.0E+00\r"));
  assert.deepEqual(drain(framer), []);
  framer.push(enc("\n+2.0E+00\r\n+3"));
  assert.deepEqual(drain(framer), ["+1.0E+00", "+2.0E+00"]);
  assert.equal(framer.pending, 2);
  framer.push(enc("\r\n"));
  assert.deepEqual(drain(framer), ["+3"]);
  framer.push(enc("\r\n"));
  assert.deepEqual(drain(framer), [""]);
});

Deno.test("framing: a reply over the limit is dropped whole, once, and the next one is read in step", () => {
  const framer = new LineFramer({ terminator: "\n", maxBytes: 8 });
  framer.push(enc("12345678\n"));
  assert.deepEqual(drain(framer), ["12345678"]);
  for (let i = 0; i < 100; i++) {
    framer.push(enc("x".repeat(50)));
    drain(framer);
    assert.ok(framer.pending <= 8 + 50);
  }
  framer.push(enc("xx\nok\n"));
  assert.deepEqual(drain(framer), [{ kind: "overflow", bytes: 5002 }, "ok"]);
  framer.push(enc("123456789\nok\n"));
  assert.deepEqual(drain(framer), [{ kind: "overflow", bytes: 9 }, "ok"]);
});

Deno.test("framing fuzz: any chunking of any bytes gives the reference split, within the limit", () => {
  const rng = new Rng(5);
  for (let round = 0; round < 2000; round++) {
    const terminator = rng.pick(["\n", "\r\n", "\r"]);
    const maxBytes = 1 + rng.int(40);
    const alphabet = ["a", "1", "\n", "\r", ",", "\u00e9"];
    let stream = "";
    const n = rng.int(300);
    for (let i = 0; i < n; i++) stream += rng.pick(alphabet);
    const bytes = enc(stream);
    const framer = new LineFramer({ terminator, maxBytes });
    const got: (string | Framed)[] = [];
    for (let at = 0; at < bytes.length;) {
      const size = 1 + rng.int(16);
      framer.push(bytes.subarray(at, at + size));
      at += size;
      got.push(...drain(framer));
      assert.ok(framer.pending <= maxBytes + terminator.length + 16, `pending ${framer.pending}`);
    }
    const parts = stream.split(terminator);
    parts.pop(); // the unterminated tail stays pending
    const expected = parts.map((p) => {
      const length = enc(p).length;
      return length > maxBytes ? { kind: "overflow", bytes: length } : p;
    });
    assert.deepEqual(got, expected, JSON.stringify({ stream, terminator, maxBytes }));
  }
});
