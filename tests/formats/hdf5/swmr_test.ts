import assert from "node:assert/strict";
import { join } from "node:path";
import { openHdf5Writer } from "../../../src/formats/hdf5/mod.ts";
import { simBatch } from "./_batches.ts";
import { intAttr, PYTHON, readWithH5py } from "./_readers.ts";

/** An h5py SWMR reader in its own process: each "check" line refreshes and reports. */
const SWMR_READER = `
import json, sys, h5py
f = h5py.File(sys.argv[1], "r", swmr=True)
sine, stamps, lost = f["sim/sine"], f["sim/timestamp_ns"], f["sim/_lost"]
print("ready", flush=True)
for line in sys.stdin:
    if line.strip() != "check":
        break
    for d in (sine, stamps, lost):
        d.refresh()
    n = sine.shape[0]
    print(json.dumps({
        "rows": n,
        "stampRows": stamps.shape[0],
        "lastSine": repr(float(sine[n - 1])) if n else None,
        "lastStamp": str(int(stamps[n - 1])) if n else None,
        "lost": int(lost[0]),
    }), flush=True)
f.close()
`;

interface ReaderView {
  rows: number;
  stampRows: number;
  lastSine: string | null;
  lastStamp: string | null;
  lost: number;
}

class LineReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  async next(): Promise<string> {
    while (!this.#buffer.includes("\n")) {
      const { value, done } = await this.#reader.read();
      if (done) throw new Error(`reader process ended; output so far: ${this.#buffer}`);
      this.#buffer += value;
    }
    const end = this.#buffer.indexOf("\n");
    const line = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end + 1);
    return line;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

Deno.test("an h5py SWMR reader in another process sees rows grow while the writer appends", async () => {
  const dir = await Deno.makeTempDir({ prefix: "daq_hdf5_swmr_" });
  const path = join(dir, "swmr.h5");
  const rowsPerBatch = 1000;
  const writer = await openHdf5Writer(path, {
    chunkRows: 256,
    sources: { sim: simBatch(0, 1).schema },
  });
  const child = new Deno.Command(PYTHON, {
    args: ["-c", SWMR_READER, path],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const lines = new LineReader(child.stdout);
  const check = async (): Promise<ReaderView> => {
    await stdin.write(new TextEncoder().encode("check\n"));
    return JSON.parse(await lines.next());
  };
  try {
    assert.equal(await lines.next(), "ready");
    assert.deepEqual(await check(), {
      rows: 0,
      stampRows: 0,
      lastSine: null,
      lastStamp: null,
      lost: 0,
    });
    for (let n = 1; n <= 5; n++) {
      const batch = simBatch((n - 1) * rowsPerBatch, rowsPerBatch);
      writer.writeBatch("sim", batch);
      writer.setLost("sim", n * 10);
      const view = await check();
      const lastSine = batch.getChild("sine")!.get(rowsPerBatch - 1) as number;
      const lastStamp = batch.getChild("timestamp_ns")!.get(rowsPerBatch - 1) as bigint;
      assert.equal(view.rows, n * rowsPerBatch, `rows after batch ${n}`);
      assert.equal(view.stampRows, n * rowsPerBatch);
      assert.equal(Number(view.lastSine), lastSine);
      assert.equal(BigInt(view.lastStamp!), lastStamp);
      assert.equal(view.lost, n * 10);
    }
    await stdin.write(new TextEncoder().encode("quit\n"));
    await stdin.close();
    const status = await child.status;
    assert.equal(status.code, 0, new TextDecoder().decode(await readAll(child.stderr)));
    assert.equal(writer.close().complete, true);
    const file = await readWithH5py(path);
    assert.deepEqual(file.datasets["sim/sine"].shape, [5 * rowsPerBatch]);
    assert.equal(intAttr(file.attrs.complete), 1n);
  } finally {
    writer.close();
    try {
      child.kill();
    } catch {
      // already exited
    }
    await lines.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
