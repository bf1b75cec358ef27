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
      // 1 KiB baskets: 128 int64 entries, so each batch of 3000 makes about 60 baskets.
      const pool = new RootCompressorPool({ workers: 2, slotBytes: 1024, slotsPerWorker: 64 });
      try {
        const path = `${dir}/pool.root`;
        const w = openRootWriter(path, {
          compression: compression as RootCompression,
          basketBytes: 1024,
          compressor: pool,
        });
        w.addTree("events", COLUMNS);
        while (!pool.started) await new Promise((r) => setTimeout(r, 5));
        let total = 0;
        let sawInFlight = 0;
        for (let round = 0; round < 4; round++) {
          for (let i = 0; i < 5; i++) {
            const ready = w.ready();
            if (ready) await ready;
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
        assert.equal(pool.inFlight, 0);
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

Deno.test("compression Workers: ready() holds the caller while every slot is taken", async () => {
  await withTempDir(async (dir) => {
    const pool = new RootCompressorPool({ workers: 1, slotBytes: 1024, slotsPerWorker: 2 });
    try {
      const w = openRootWriter(`${dir}/ready.root`, {
        compression: "zstd",
        basketBytes: 1024,
        compressor: pool,
        syncOnFlush: false,
      });
      w.addTree("events", COLUMNS);
      while (!pool.started) await new Promise((r) => setTimeout(r, 5));
      assert.equal(w.ready(), undefined);
      let total = 0;
      let waited = 0;
      for (let i = 0; i < 30; i++) {
        const wait = w.ready();
        if (wait) {
          waited++;
          await wait;
          assert.ok(pool.hasRoom(w), "a slot is free once ready() resolves");
        }
        // 40 entries: 320 bytes of t, so a basket of t every few appends.
        w.append("events", batch(total, 40));
        total += 40;
        assert.ok(pool.inFlight <= 2, `in flight: ${pool.inFlight}`);
      }
      assert.ok(waited > 0, "ready() made the caller wait at least once");
      await w.close();
      const { entries, columns } = await readTreeWithJsroot(`${dir}/ready.root`, "events");
      assert.equal(entries, total);
      assertEntries(columns, total, "ready");
    } finally {
      pool.close();
    }
  });
});

Deno.test("a codec that fails in a compression Worker fails the writer with a clear error, without a hang", async () => {
  await withTempDir(async (dir) => {
    const pool = new RootCompressorPool({
      workers: 1,
      slotBytes: 1024,
      module: new URL("./_failing_compress_worker.ts", import.meta.url),
    });
    try {
      const path = `${dir}/codec.root`;
      const w = openRootWriter(path, { compression: "lz4", basketBytes: 1024, compressor: pool });
      w.addTree("events", COLUMNS);
      while (!pool.started) await new Promise((r) => setTimeout(r, 5));
      w.append("events", batch(0, 1000)); // 8 + 8 + 2 baskets, then 3 more at the flush
      await w.flush();
      const failed = (e: Error) =>
        e instanceof RootWriterError &&
        /ROOT compression: compressing a 1024-byte basket: codec failed \(test\)/.test(e.message);
      let failure: Error | undefined;
      for (let i = 0; i < 40 && !failure; i++) {
        try {
          const ready = w.ready();
          if (ready) await ready;
          w.append("events", batch(1000 + 500 * i, 500));
        } catch (e) {
          failure = e as Error;
        }
      }
      assert.ok(failure && failed(failure), String(failure));
      await assert.rejects(w.flush(), failed);
      assert.throws(() => w.append("events", batch(6000, 10)), failed);
      await assert.rejects(w.ready()!, failed);
      await assert.rejects(w.close(), failed);
      await w.close(); // closed: a second close does nothing
      // The file is what the last good flush left: complete, readable, every value in order.
      const { entries, columns } = await readTreeWithJsroot(path, "events");
      assert.equal(entries, 1000);
      assertEntries(columns, 1000, "after the codec failed");
    } finally {
      pool.close();
    }
  });
});

Deno.test("a compression Worker that crashes fails the writer with a clear error, without a hang", async () => {
  await withTempDir(async (dir) => {
    const pool = new RootCompressorPool({
      workers: 1,
      module: new URL("./_crashing_compress_worker.ts", import.meta.url),
    });
    try {
      const path = `${dir}/crash.root`;
      const w = openRootWriter(path, { compression: "zstd", basketBytes: 1024, compressor: pool });
      w.addTree("events", COLUMNS);
      const failed = (e: Error) =>
        e instanceof RootWriterError &&
        /ROOT compression worker 1 failed: .*worker crashed \(test\)/.test(e.message);
      const deadline = Date.now() + 20_000;
      while (!pool.failure && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.ok(pool.failure, "the crash is seen");
      assert.throws(() => w.append("events", batch(0, 10)), failed);
      await assert.rejects(w.close(), failed);
    } finally {
      pool.close();
    }
  });
});

Deno.test("compression Workers: baskets too big for a slot, or past a full pool, are compressed here, in order", async () => {
  await withTempDir(async (dir) => {
    const pool = new RootCompressorPool({ workers: 1, slotBytes: 1024, slotsPerWorker: 2 });
    try {
      const path = `${dir}/mixed.root`;
      const w = openRootWriter(path, { compression: "zstd", basketBytes: 1024, compressor: pool });
      // t: 1024-byte baskets, through the pool while it has room; wave: one 1600-byte entry
      // per basket, never fitting a slot.
      w.addTree("events", [
        { name: "t", type: "int64" },
        { name: "wave", type: "float64", length: 200 },
      ]);
      while (!pool.started) await new Promise((r) => setTimeout(r, 5));
      const rows = (from: number, n: number) => {
        const t = new BigInt64Array(n), wave = new Float64Array(n * 200);
        for (let i = 0; i < n; i++) {
          t[i] = BigInt(from + i);
          for (let j = 0; j < 200; j++) wave[i * 200 + j] = (from + i) * 1000 + (j % 10);
        }
        return { t, wave };
      };
      let total = 0;
      let mostOut = 0;
      for (let i = 0; i < 60; i++) {
        // No wait for ready(): with both slots taken, baskets are compressed on this thread.
        w.append("events", rows(total, 37));
        total += 37;
        mostOut = Math.max(mostOut, pool.inFlight);
        if (i === 30) await w.flush();
      }
      assert.ok(mostOut >= 1 && mostOut <= 2, `slots out: ${mostOut}`);
      await w.close();
      const { entries, columns } = await readTreeWithJsroot(path, "events");
      assert.equal(entries, total);
      for (let i = 0; i < total; i++) {
        if (Number(columns.t[i]) !== i) assert.fail(`t[${i}] = ${columns.t[i]}`);
        const wave = columns.wave[i] as number[];
        if (wave.length !== 200 || wave[0] !== i * 1000 || wave[199] !== i * 1000 + 9) {
          assert.fail(`wave[${i}] = ${wave.slice(0, 3)}...`);
        }
      }
    } finally {
      pool.close();
    }
  });
});

/** Ids of the threads of this process whose name starts with `worker` (Deno's Worker threads). */
function workerThreads(): Set<string> {
  const ids = new Set<string>();
  for (const t of Deno.readDirSync("/proc/self/task")) {
    try {
      if (Deno.readTextFileSync(`/proc/self/task/${t.name}/comm`).startsWith("worker")) {
        ids.add(t.name);
      }
    } catch {
      // The thread ended meanwhile.
    }
  }
  return ids;
}

Deno.test({
  name: "compression Workers end with the thread that started them (a job's Worker terminated)",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const before = workerThreads();
    const owner = new Worker(new URL("./_pool_owner_worker.ts", import.meta.url), {
      type: "module",
    });
    await new Promise((resolve) => (owner.onmessage = resolve));
    // The owner and its pool's two Workers (threads of earlier tests may end meanwhile).
    const started = [...workerThreads()].filter((id) => !before.has(id));
    assert.ok(started.length >= 3, `new Worker threads: ${started.length}`);
    owner.terminate();
    const alive = () => started.filter((id) => workerThreads().has(id));
    const deadline = Date.now() + 10_000;
    while (alive().length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(alive(), [], "threads left after the owner was terminated");
  },
});
