// tools/python/daq_ring.py follows the ring file of a live `daq run` (store.hdf5) and reads the
// values the source generated, while the store's flusher keeps writing HDF5.
import assert from "node:assert/strict";
import { signalValue } from "../../src/jobs/sources/signal.ts";
import {
  CHANNELS,
  h5Files,
  PYTHON,
  readH5,
  SEED,
  startLiveRun,
} from "../jobs/stores/hdf5/_live_run.ts";
import { FIRST_RUN } from "../_daq.ts";

const RATE = 20000;
const TOOLS = new URL("../../tools/python", import.meta.url).pathname;

Deno.test("daq_ring.py follows a live daq run's ring file and reads correct values", async () => {
  const dir = await Deno.makeTempDir();
  const id = `py${crypto.randomUUID().slice(0, 8)}`;
  const run = await startLiveRun(dir, id, RATE);
  let stopped: { code: number; stderr: string } | undefined;
  try {
    const script = `
import json, sys
sys.path.insert(0, sys.argv[2])
from daq_ring import RingReader
out = []
with RingReader(sys.argv[1], start="oldest") as ring:
    for rec in ring.follow(timeout=10):
        c = rec.columns
        out.append({"seq": rec.seq, "rows": len(c["timestamp_ns"]),
                    "ts": [str(x) for x in c["timestamp_ns"][:2].tolist()],
                    "first": {k: float(v[0]) for k, v in c.items() if k != "timestamp_ns"},
                    "last": {k: float(v[-1]) for k, v in c.items() if k != "timestamp_ns"}})
        if len(out) == 30:
            break
print(json.dumps({"records": out, "lost": ring.lost_records}))
`;
    const out = await new Deno.Command(PYTHON, { args: ["-c", script, run.ring, TOOLS] })
      .output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const got = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(got.records.length, 30, "30 records while the run goes on");
    assert.equal(got.lost, 0);
    got.records.forEach((r: Record<string, never>, i: number) => {
      assert.equal(r.seq, i);
      assert.equal(r.rows, 500);
      assert.equal(BigInt(r.ts[1]) - BigInt(r.ts[0]), BigInt(1e9 / RATE));
      for (const ch of CHANNELS) {
        const first = r.first as unknown as Record<string, number>;
        const last = r.last as unknown as Record<string, number>;
        assert.equal(first[ch.name], signalValue(ch, i * 500, RATE, SEED), `${ch.name} @${i}`);
        assert.equal(last[ch.name], signalValue(ch, i * 500 + 499, RATE, SEED));
      }
    });
    // The reader took nothing from the store: the HDF5 file has every row from the start.
    stopped = await run.stop();
    assert.equal(stopped.code, 0, stopped.stderr);
    const file = await readH5(h5Files(`${dir}/data/${FIRST_RUN}/h5`)[0]);
    assert.equal(file.attrs.complete, 1);
    assert.ok((file.data["sim/sine"] as number[]).length >= 30 * 500);
    assert.equal((file.data["sim/sine"] as number[])[0], signalValue(CHANNELS[0], 0, RATE, SEED));
  } finally {
    if (!stopped) await run.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
