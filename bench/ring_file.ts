/**
 * Ring file throughput and latency: a writer in the main thread, a live reader in a Worker.
 *
 *   node_modules/.bin/deno run --allow-all bench/ring_file.ts
 *
 * Figures are noisy on a shared 2-core machine: read them as orders of magnitude.
 */
import * as arrow from "apache-arrow";
import { createRingFile, type OverrunPolicy, type WaitOptions } from "../src/dataplane/mod.ts";

const dir = Deno.makeTempDirSync({ prefix: "daq-ring-bench-" });
const shm = (() => {
  try {
    return Deno.statSync("/dev/shm").isDirectory;
  } catch {
    return false;
  }
})();
const path = `${shm ? "/dev/shm" : dir}/daq-bench-${Deno.pid}.ring`;

const SCHEMA = new arrow.Schema([
  new arrow.Field("timestamp_ns", new arrow.Int64(), false),
  new arrow.Field("sine", new arrow.Float64(), false),
  new arrow.Field("noise", new arrow.Float64(), false),
]);

interface ReaderResult {
  records: number;
  bytes: number;
  lost: number;
  overruns: number;
  ms: number;
  torn: number;
}

function message<T>(w: Worker): Promise<T> {
  return new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)));
}

interface ReaderOptions {
  consumer?: boolean;
  wait?: WaitOptions;
  zeroCopy?: boolean;
  spanBytes?: number;
  clock?: "precise" | "coarse";
}

async function withReader(
  policy: OverrunPolicy,
  options: ReaderOptions,
  write: (w: ReturnType<typeof createRingFile>) => void,
): Promise<{ writeMs: number; reader: ReaderResult }> {
  const writer = createRingFile(path, {
    schema: SCHEMA,
    capacityBytes: 64 << 20,
    policy,
    recordClock: options.clock,
  });
  const worker = new Worker(new URL("./ring_file_reader_worker.ts", import.meta.url), {
    type: "module",
  });
  worker.postMessage({
    path,
    consumer: options.consumer ?? false,
    wait: options.wait ?? {},
    zeroCopy: options.zeroCopy ?? false,
    spanBytes: options.spanBytes ?? 1 << 20,
  });
  await message(worker);
  const done = message<ReaderResult>(worker);
  const t0 = performance.now();
  write(writer);
  const writeMs = performance.now() - t0;
  writer.close();
  const reader = await done;
  worker.terminate();
  return { writeMs, reader };
}

function fmtRate(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`;
}

async function rawRecords(
  label: string,
  payloadBytes: number,
  count: number,
  policy: OverrunPolicy,
  options: ReaderOptions,
) {
  const payload = new Uint8Array(payloadBytes).fill(1);
  const { writeMs, reader } = await withReader(policy, options, (w) => {
    for (let i = 0; i < count; i++) w.writeBytes(payload);
  });
  const rate = count / (writeMs / 1000);
  const gbs = (count * payloadBytes) / (writeMs / 1000) / 1e9;
  const readRate = reader.records / (reader.ms / 1000);
  console.log(
    `${label.padEnd(44)} write ${fmtRate(rate)}/s ${gbs.toFixed(2)} GB/s | reader ${
      fmtRate(readRate)
    }/s, got ${reader.records}, lost ${reader.lost} (${reader.overruns} overruns)${
      options.zeroCopy ? `, ${reader.torn} views overwritten after use` : ""
    }`,
  );
}

async function latency(payloadBytes: number, count: number) {
  const payload = new Uint8Array(payloadBytes).fill(1);
  const samples = new Float64Array(count);
  await withReader("overwrite", {}, (w) => {
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      w.writeBytes(payload);
      samples[i] = performance.now() - t;
    }
  });
  samples.sort();
  const q = (p: number) => (samples[Math.floor(p * (count - 1))] * 1000).toFixed(2);
  console.log(
    `write latency ${payloadBytes} B (${count} writes, live reader): p50 ${q(0.5)} us, ` +
      `p99 ${q(0.99)} us, p99.9 ${q(0.999)} us, max ${q(1)} us`,
  );
}

async function arrowBatches(rows: number, count: number, mode: "reserveBatch" | "write") {
  const ts = new BigInt64Array(rows);
  const sine = new Float64Array(rows);
  const noise = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    ts[i] = BigInt(i);
    sine[i] = Math.sin(i / 100);
    noise[i] = Math.random();
  }
  const batch = new arrow.RecordBatch({
    timestamp_ns: arrow.makeData({ type: new arrow.Int64(), data: ts }),
    sine: arrow.makeData({ type: new arrow.Float64(), data: sine }),
    noise: arrow.makeData({ type: new arrow.Float64(), data: noise }),
  });
  const schemaBatch = new arrow.RecordBatch(SCHEMA, batch.data);
  const { writeMs, reader } = await withReader("overwrite", {}, (w) => {
    for (let i = 0; i < count; i++) {
      if (mode === "write") {
        w.write(schemaBatch);
      } else {
        const [t, s, n] = w.reserveBatch(rows) as [BigInt64Array, Float64Array, Float64Array];
        t.set(ts);
        s.set(sine);
        n.set(noise);
        w.commit();
      }
    }
  });
  const bytes = rows * 24 * count;
  console.log(
    `arrow ${mode}(${rows} rows x 3 cols) ${fmtRate(count / (writeMs / 1000))} batches/s, ` +
      `${
        (bytes / (writeMs / 1000) / 1e9).toFixed(2)
      } GB/s of column data | reader got ${reader.records}, lost ${reader.lost}`,
  );
}

try {
  console.log(`ring at ${path}; 64 MiB data region; reader in a Worker`);
  const M = 1_000_000;
  for (const clock of ["precise", "coarse"] as const) {
    const writer = createRingFile(path, {
      schema: SCHEMA,
      capacityBytes: 64 << 20,
      recordClock: clock,
    });
    const payload = new Uint8Array(64).fill(1);
    const t0 = performance.now();
    for (let i = 0; i < 5 * M; i++) writer.writeBytes(payload);
    const rate = (5 * M) / ((performance.now() - t0) / 1000);
    writer.close();
    console.log(
      `64 B, no reader (baseline), ${clock} clock`.padEnd(44) + ` write ${fmtRate(rate)}/s`,
    );
  }
  await rawRecords("64 B, overwrite, follower copies", 64, 5 * M, "overwrite", {});
  await rawRecords("64 B, overwrite, follower copies, coarse clock", 64, 5 * M, "overwrite", {
    clock: "coarse",
  });
  await rawRecords("64 B, overwrite, follower views", 64, 5 * M, "overwrite", { zeroCopy: true });
  await rawRecords("64 B, overwrite, follower copies, futex wait", 64, 5 * M, "overwrite", {
    wait: { sleep: "futex" },
  });
  await rawRecords("64 B, overwrite, follower copies, spin 0.05 ms", 64, 5 * M, "overwrite", {
    wait: { spinMs: 0.05 },
  });
  await rawRecords("64 B, block, consumer copies", 64, 5 * M, "block", { consumer: true });
  await rawRecords("64 B, block, consumer views", 64, 5 * M, "block", {
    consumer: true,
    zeroCopy: true,
  });
  await rawRecords("1 KiB, overwrite, follower copies", 1024, M, "overwrite", {});
  await rawRecords("64 KiB, overwrite, follower copies", 65536, 50_000, "overwrite", {});
  await rawRecords(
    "64 KiB, overwrite, follower copies, 256 KiB spans",
    65536,
    50_000,
    "overwrite",
    {
      spanBytes: 256 << 10,
    },
  );
  await rawRecords("64 KiB, overwrite, follower views", 65536, 50_000, "overwrite", {
    zeroCopy: true,
  });
  await rawRecords("64 KiB, block, consumer copies", 65536, 50_000, "block", { consumer: true });
  await rawRecords("64 KiB, block, consumer views", 65536, 50_000, "block", {
    consumer: true,
    zeroCopy: true,
  });
  await latency(64, 1_000_000);
  await latency(65536, 20_000);
  await arrowBatches(10_000, 5_000, "reserveBatch");
  await arrowBatches(10_000, 5_000, "write");
} finally {
  try {
    Deno.removeSync(path);
  } catch { /* already gone */ }
  Deno.removeSync(dir, { recursive: true });
}
