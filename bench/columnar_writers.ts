/**
 * The Arrow IPC and Parquet writers alone, on the signal data (timestamp_ns int64 at 10 kHz, a
 * 5 Hz sine and Gaussian noise as float64), 10000-row batches, per compression; beside them in
 * the same run a plain file write of the same bytes (the limit the writers are read against).
 *
 *   deno run --allow-all bench/columnar_writers.ts [rows] [DIR]
 *
 * MB/s counts the 24 bytes of column data per row (1 MB = 1e6 bytes), best of 3 runs, including
 * the close (footer and fdatasync).
 */

import * as arrow from "apache-arrow";
import { openArrowFileWriter } from "../src/formats/arrow_ipc/mod.ts";
import { openParquetWriter } from "../src/formats/parquet/mod.ts";
import { batchFromColumns } from "../src/transport/payload.ts";
import { signalColumns } from "../src/jobs/sources/signal.ts";

const rows = Number(Deno.args[0] ?? 2_000_000);
const dir = Deno.args[1] ?? await Deno.makeTempDir({ prefix: "daq_columnar_bench_" });
const batchRows = 10_000;
const channels = [
  { name: "sine", shape: "sine", freq_hz: 5, amplitude: 1, offset: 0, unit: "V" },
  { name: "noise", shape: "noise", freq_hz: 0, amplitude: 0.1, offset: 0, unit: "V" },
] as const;
const batches: arrow.RecordBatch[] = [];
for (let first = 0; first < rows; first += batchRows) {
  batches.push(batchFromColumns(
    signalColumns([...channels], first, batchRows, 10_000, 1, 1_700_000_000_000_000_000n),
  ));
}
const raw = batches.length * batchRows * 24;

interface Case {
  name: string;
  run(path: string): Promise<void>;
}

const cases: Case[] = [
  {
    name: "plain file write of the column bytes + fdatasync",
    async run(path) {
      const file = Deno.openSync(path, { write: true, createNew: true });
      for (const batch of batches) {
        for (const child of batch.data.children) {
          const v = child.values as ArrayBufferView;
          file.writeSync(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        }
      }
      await file.syncData();
      file.close();
    },
  },
  ...(["none", "lz4", "zstd"] as const).map((compression) => ({
    name: `store.arrow writer, ${compression}`,
    async run(path: string) {
      const writer = openArrowFileWriter(path, { compression });
      for (const batch of batches) writer.write(batch);
      await writer.close();
    },
  })),
  ...(["none", "lz4", "zstd"] as const).map((compression) => ({
    name: `store.parquet writer, ${compression}`,
    async run(path: string) {
      const writer = openParquetWriter(path, { compression });
      for (const batch of batches) writer.write(batch);
      await writer.close();
    },
  })),
];

console.log(`${batches.length * batchRows} rows, ${(raw / 1e6).toFixed(0)} MB of column data\n`);
console.log("| writer | MB/s (best of 3) | file vs raw |");
console.log("| --- | --- | --- |");
try {
  for (const c of cases) {
    let best = Infinity;
    let size = 0;
    for (let k = 0; k < 3; k++) {
      const path = `${dir}/bench_${k}.out`;
      const t = performance.now();
      await c.run(path);
      best = Math.min(best, performance.now() - t);
      size = Deno.statSync(path).size;
      Deno.removeSync(path);
    }
    console.log(
      `| ${c.name} | ${(raw / 1e3 / best).toFixed(0)} | ${(100 * size / raw).toFixed(0)}% |`,
    );
  }
} finally {
  if (Deno.args[1] === undefined) await Deno.remove(dir, { recursive: true });
}
