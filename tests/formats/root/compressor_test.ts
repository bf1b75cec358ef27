import assert from "node:assert/strict";
import {
  openRootWriter,
  type RootCompression,
  RootCompressorPool,
  RootWriterError,
} from "../../../src/formats/root/mod.ts";
import { readTreeWithJsroot } from "./_jsroot_read.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "daq_root_pool_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const COLUMNS = [
  { name: "t", type: "int64" as const },
  { name: "v", type: "float64" as const },
  { name: "k", type: "int16" as const },
];

/** Entries `from` to `from + n`: a timestamp, a ramp and a small counter, compressible. */
function batch(from: number, n: number) {
  const t = new BigInt64Array(n), v = new Float64Array(n), k = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = 1_700_000_000_000_000_000n + BigInt(from + i) * 1000n;
    v[i] = (from + i) / 7;
    k[i] = (from + i) % 1000;
  }
  return { t, v, k };
}

/** Asserts that the columns read back hold entries 0 to `n`, in order. */
function assertEntries(columns: Record<string, unknown[]>, n: number, where: string): void {
  assert.equal(columns.t.length, n, where);
  for (let i = 0; i < n; i++) {
    if (
      columns.t[i] !== 1_700_000_000_000_000_000n + BigInt(i) * 1000n &&
      columns.t[i] !== Number(1_700_000_000_000_000_000n + BigInt(i) * 1000n)
    ) assert.fail(`${where}: t[${i}] = ${columns.t[i]}`);
    if (columns.v[i] !== i / 7) assert.fail(`${where}: v[${i}] = ${columns.v[i]}`);
    if (columns.k[i] !== i % 1000) assert.fail(`${where}: k[${i}] = ${columns.k[i]}`);
  }
}

for (const compression of [{ algorithm: "lz4" }, { algorithm: "zstd", level: 3 }] as const) {
  const name = `${compression.algorithm}`;
  Deno.test(`compression Workers (${name}): many baskets in flight, flushes mid-stream, JSROOT reads every value in order`, async () => {
    await withTempDir(async (dir) => {
      const pool = new RootCompressorPool({ workers: 2 });
      try {
        const path = `${dir}/pool.root`;
        // 1 KiB baskets: 128 int64 entries, so each batch of 3000 makes about 70 baskets.
        const w = openRootWriter(path, {
          compression: compression as RootCompression,
          basketBytes: 1024,
          compressor: pool,
          maxInFlightBaskets: 1000,
        });
        w.addTree("events", COLUMNS);
        let total = 0;
        let sawInFlight = 0;
        for (let round = 0; round < 4; round++) {
          for (let i = 0; i < 5; i++) {
            w.append("events", batch(total, 3000));
            total += 3000;
            sawInFlight = Math.max(sawInFlight, pool.inFlight);
          }
          // The flush waits for every basket out; appends go on while it runs.
          const flushed = total;
          const flushing = w.flush();
          w.append("events", batch(total, 1234));
          total += 1234;
          await flushing;
          const mid = await readTreeWithJsroot(path, "events");
          assert.ok(mid.entries >= flushed && mid.entries <= total, `entries ${mid.entries}`);
          assertEntries(mid.columns, mid.entries, `after flush ${round}`);
        }
        await w.close();
        assert.ok(sawInFlight >= 20, `baskets in flight at once: ${sawInFlight}`);
        const { entries, columns } = await readTreeWithJsroot(path, "events");
        assert.equal(entries, total);
        assertEntries(columns, total, "after close");
        const bytes = Deno.readFileSync(path);
        const tag = compression.algorithm === "lz4" ? "L4" : "ZS";
        const tags = new TextDecoder("latin1").decode(bytes).split(tag).length - 1;
        assert.ok(tags >= total / 128, `${tag} blocks: ${tags}`);
        assert.ok(bytes.length < total * 18 * 0.8, `file ${bytes.length} bytes`);
      } finally {
        pool.close();
      }
    });
  });
}

Deno.test("compression Workers: ready() holds the caller at maxInFlightBaskets", async () => {
  await withTempDir(async (dir) => {
    const pool = new RootCompressorPool({ workers: 1 });
    try {
      const w = openRootWriter(`${dir}/ready.root`, {
        compression: "zstd",
        basketBytes: 1024,
        compressor: pool,
        maxInFlightBaskets: 3,
        syncOnFlush: false,
      });
      w.addTree("events", COLUMNS);
      assert.equal(w.ready(), undefined);
      let total = 0;
      for (let i = 0; i < 20; i++) {
        const wait = w.ready();
        if (i > 0) assert.ok(wait instanceof Promise, "a full compressor makes the caller wait");
        if (wait) await wait;
        assert.ok(pool.inFlight < 3, `in flight: ${pool.inFlight}`);
        w.append("events", batch(total, 1000));
        total += 1000;
      }
      await w.close();
      const { entries, columns } = await readTreeWithJsroot(`${dir}/ready.root`, "events");
      assert.equal(entries, total);
      assertEntries(columns, total, "ready");
    } finally {
      pool.close();
    }
  });
});

Deno.test("a compression Worker that crashes fails the writer with a clear error, without a hang", async () => {
  await withTempDir(async (dir) => {
    const pool = new RootCompressorPool({
      workers: 1,
      module: new URL("./_failing_compress_worker.ts", import.meta.url),
    });
    try {
      const path = `${dir}/crash.root`;
      const w = openRootWriter(path, { compression: "lz4", basketBytes: 1024, compressor: pool });
      w.addTree("events", COLUMNS);
      w.append("events", batch(0, 1000)); // 8 + 8 + 2 baskets, then 3 more at the flush
      await w.flush();
      w.append("events", batch(1000, 5000));
      const failed = (e: Error) =>
        e instanceof RootWriterError &&
        /ROOT compression worker 1 failed: .*codec crashed/.test(e.message);
      await assert.rejects(w.flush(), failed);
      assert.throws(() => w.append("events", batch(6000, 10)), failed);
      await assert.rejects(w.ready()!, failed);
      await assert.rejects(w.close(), failed);
      await w.close(); // closed: a second close does nothing
      // The file is what the last good flush left: complete, readable, every value in order.
      const { entries, columns } = await readTreeWithJsroot(path, "events");
      assert.equal(entries, 1000);
      assertEntries(columns, 1000, "after the crash");
      await assert.rejects(pool.compress(new ArrayBuffer(8), 0, 8, { algorithm: "lz4" }), failed);
    } finally {
      pool.close();
    }
  });
});

Deno.test("a codec error inside a compression Worker rejects that basket, naming it", async () => {
  const pool = new RootCompressorPool({ workers: 1 });
  try {
    const data = new Uint8Array(4096).map((_, i) => i % 13);
    await assert.rejects(
      pool.compress(data.buffer, 0, data.length, { algorithm: "zlib", level: 99 }),
      (e: Error) => e instanceof RootWriterError && /4096-byte basket/.test(e.message),
    );
    // The Worker goes on with the next basket.
    const again = new Uint8Array(4096).map((_, i) => i % 13);
    const r = await pool.compress(again.buffer, 0, again.length, { algorithm: "zstd" });
    assert.ok(r.stored && r.stored.length < 4096 && r.buffer.byteLength === 4096);
  } finally {
    pool.close();
  }
});
