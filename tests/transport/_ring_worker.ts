/// <reference lib="deno.worker" />
// Producer or consumer of the two-Worker ring test.
import { RingReader, RingWriter, waitDoorbell } from "../../src/transport/ring.ts";
import { RecordType } from "../../src/transport/payload.ts";

self.onmessage = async (e) => {
  const { role, ring, bell, count } = e.data;
  if (role === "producer") {
    const w = new RingWriter(ring, bell);
    for (let i = 0; i < count; i++) {
      const len = 8 + (i % 57);
      const r = w.tryWrite(RecordType.bytes, len, (d) => {
        new DataView(d.buffer, d.byteOffset).setUint32(0, i, true);
        d[len - 1] = i & 0xff;
      });
      if (r === "full") {
        await w.write(RecordType.bytes, len, (d) => {
          new DataView(d.buffer, d.byteOffset).setUint32(0, i, true);
          d[len - 1] = i & 0xff;
        });
      }
    }
    return;
  }
  const r = new RingReader(ring);
  const bellI32 = new Int32Array(bell.sab);
  let received = 0;
  let bad = 0;
  while (received < count) {
    const rec = r.read();
    if (!rec) {
      await waitDoorbell(bellI32, () => r.hasData(), 100);
      continue;
    }
    const p = rec.payload;
    const v = new DataView(p.buffer, p.byteOffset).getUint32(0, true);
    if (
      v !== received || rec.seq !== received || p.length !== 8 + (received % 57) ||
      p[p.length - 1] !== (received & 0xff)
    ) bad++;
    received++;
    r.release();
  }
  self.postMessage({ received, bad });
};
