/**
 * ROOT TTree writer throughput: timestamp_ns (int64) + sine + noise (float64) rows appended
 * as 10k-row Arrow record batches, per compression setting.
 *
 *   node_modules/.bin/deno run --allow-all bench/root_writer.ts [rows] [basketBytes]
 *
 * MB/s counts the 24 bytes of column data per row (1 MB = 1e6 bytes). "1 compression Worker":
 * baskets compressed off the appending thread (RootCompressorPool), as store.root does.
 */

import * as arrow from "apache-arrow";
import {
  openRootWriter,
  rootColumnsFromArrowSchema,
  type RootCompression,
  RootCompressorPool,
} from "../src/formats/root/mod.ts";

const rows = Number(Deno.args[0] ?? 2_000_000);
const basketBytes = Number(Deno.args[1] ?? 256 * 1024);
const batchRows = 10_000;

function makeBatches(): arrow.RecordBatch[] {
  const batches: arrow.RecordBatch[] = [];
  let seed = 12345;
  const t0 = 1_700_000_000_000_000_000n;
  for (let start = 0; start < rows; start += batchRows) {
    const n = Math.min(batchRows, rows - start);
    const ts = new BigInt64Array(n);
    const sine = new Float64Array(n);
    const noise = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = start + i;
      ts[i] = t0 + BigInt(k) * 1000n;
      sine[i] = Math.sin(k / 1000);
      seed = (seed * 1103515245 + 12345) >>> 0;
      noise[i] = seed / 4294967296 - 0.5;
    }
    batches.push(
      new arrow.RecordBatch({
        timestamp_ns: arrow.makeData({ type: new arrow.TimestampNanosecond(), data: ts }),
        sine: arrow.makeData({ type: new arrow.Float64(), data: sine }),
        noise: arrow.makeData({ type: new arrow.Float64(), data: noise }),
      }),
    );
  }
  return batches;
}

/** Label, compression, rows between flushes (0: none), compression Workers (0: this thread). */
const settings: [string, RootCompression, number, number][] = [
  ["none", { algorithm: "none" }, 0, 0],
  ["none, flush+fdatasync every 100k rows", { algorithm: "none" }, 100_000, 0],
  ["lz4", { algorithm: "lz4" }, 0, 0],
  ["lz4, 1 compression Worker", { algorithm: "lz4" }, 0, 1],
  ["zstd level 1, 1 compression Worker", { algorithm: "zstd", level: 1 }, 0, 1],
  ["zstd level 3, 1 compression Worker", { algorithm: "zstd", level: 3 }, 0, 1],
  ["zlib level 1", { algorithm: "zlib", level: 1 }, 0, 0],
  ["zlib level 6", { algorithm: "zlib", level: 6 }, 0, 0],
  ["zstd level 1", { algorithm: "zstd", level: 1 }, 0, 0],
  ["zstd level 2", { algorithm: "zstd", level: 2 }, 0, 0],
  ["zstd level 3", { algorithm: "zstd", level: 3 }, 0, 0],
  ["zstd level 5", { algorithm: "zstd", level: 5 }, 0, 0],
];

const batches = makeBatches();
const columns = rootColumnsFromArrowSchema(batches[0].schema);
const dataBytes = rows * 24;
const dir = await Deno.makeTempDir({ prefix: "daq_root_bench_" });
console.log(
  `ROOT writer: ${rows} rows x (int64 + 2 float64) = ${(dataBytes / 1e6).toFixed(1)} MB, ` +
    `${batchRows}-row Arrow batches, basketBytes ${basketBytes}`,
);
try {
  for (const [label, compression, flushEvery, workers] of settings) {
    const compressor = workers > 0
      ? new RootCompressorPool({ workers, slotBytes: basketBytes })
      : undefined;
    while (compressor && !compressor.started) await new Promise((r) => setTimeout(r, 5));
    const times: number[] = [];
    let size = 0;
    for (let run = 0; run < 3; run++) {
      const path = `${dir}/bench.root`;
      const start = performance.now();
      const w = openRootWriter(path, {
        compression,
        basketBytes,
        syncOnFlush: flushEvery > 0,
        compressor,
      });
      w.addTree("events", columns);
      let sinceFlush = 0;
      for (const b of batches) {
        const ready = w.ready();
        if (ready) await ready;
        w.append("events", b);
        sinceFlush += b.numRows;
        if (flushEvery > 0 && sinceFlush >= flushEvery) {
          await w.flush();
          sinceFlush = 0;
        }
      }
      await w.close();
      times.push(performance.now() - start);
      size = Deno.statSync(path).size;
      Deno.removeSync(path);
    }
    compressor?.close();
    times.sort((a, b) => a - b);
    const best = times[0], median = times[1];
    console.log(
      `${label.padEnd(40)} best ${(dataBytes / best / 1e3).toFixed(0).padStart(5)} MB/s  ` +
        `median ${(dataBytes / median / 1e3).toFixed(0).padStart(5)} MB/s  ` +
        `file ${(size / 1e6).toFixed(1)} MB (${((100 * size) / dataBytes).toFixed(0)}%)`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
