/**
 * Sustained write speed of the HDF5 writer (src/formats/hdf5), with h5wasm alone as baseline.
 *
 *   node_modules/.bin/deno run --allow-all bench/hdf5_append.ts [seconds per case, default 3]
 *
 * Batches of 10k rows: timestamp_ns (int64) + sine (float64), 16 B a row, the shape PLATFORM.md
 * measured; and the three-column simulated source (timestamp_ns, sine, noise). Chunks default
 * to the batch length (10k rows); one case shows 8192-row chunks that batches do not fill
 * evenly. MB/s counts
 * column bytes (1 MB = 1e6 B) and includes the flush after every batch and the final close.
 * The machine is shared: read the figures as orders of magnitude and compare within one run.
 */

import h5wasm from "h5wasm/node";
import { join } from "node:path";
import type * as arrow from "apache-arrow";
import { openHdf5Writer } from "../src/formats/hdf5/mod.ts";
import type { Hdf5Compression, Hdf5WriterOptions } from "../src/formats/hdf5/mod.ts";
import { simBatch } from "../tests/formats/hdf5/_batches.ts";

const SECONDS = Number(Deno.args[0] ?? 3);
const ROWS = 10_000;
const DISTINCT_BATCHES = 32;

function batchBytes(batch: arrow.RecordBatch): number {
  return batch.data.children.reduce((sum, child) => sum + child.values.byteLength, 0);
}

function makeBatches(columns: string[], rows = ROWS): arrow.RecordBatch[] {
  return Array.from(
    { length: DISTINCT_BATCHES },
    (_, n) => simBatch(n * rows, rows).select(columns),
  );
}

interface Figure {
  name: string;
  mbPerSecond: number;
  batches: number;
  fileMB: number;
  ratio: number;
}

async function measure(
  dir: string,
  name: string,
  batches: arrow.RecordBatch[],
  options: Hdf5WriterOptions,
): Promise<Figure> {
  const path = join(dir, `${name.replaceAll(/[^a-z0-9]+/gi, "_")}.h5`);
  const writer = await openHdf5Writer(path, options);
  const bytesPerBatch = batchBytes(batches[0]);
  let written = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000 || written < 10) {
    writer.writeBatch("sim", batches[written % batches.length]);
    written++;
  }
  writer.close();
  const seconds = (performance.now() - start) / 1000;
  const fileBytes = (await Deno.stat(path)).size;
  await Deno.remove(path);
  const dataBytes = written * bytesPerBatch;
  return {
    name,
    mbPerSecond: dataBytes / 1e6 / seconds,
    batches: written,
    fileMB: fileBytes / 1e6,
    ratio: fileBytes / dataBytes,
  };
}

/** h5wasm's own high-level API, no writer around it: resize + write_slice + flush. */
async function baseline(dir: string, batches: arrow.RecordBatch[]): Promise<Figure> {
  await h5wasm.ready;
  const path = join(dir, "baseline.h5");
  const file = new h5wasm.File(path, "w", { libver: "v110" });
  const names = batches[0].schema.fields.map((field) => field.name);
  const datasets = names.map((name, index) =>
    file.create_dataset({
      name,
      data: index === 0 ? new BigInt64Array(0) : new Float64Array(0),
      shape: [0],
      maxshape: [null],
      chunks: [8192],
      dtype: index === 0 ? "<q" : "<d",
    })
  );
  file.start_swmr_write();
  let rows = 0;
  let written = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000 || written < 10) {
    const batch = batches[written % batches.length];
    datasets.forEach((dataset, index) => {
      dataset.resize([rows + ROWS]);
      dataset.write_slice([[rows, rows + ROWS]], batch.data.children[index].values);
    });
    file.flush();
    rows += ROWS;
    written++;
  }
  file.close();
  const seconds = (performance.now() - start) / 1000;
  const fileBytes = (await Deno.stat(path)).size;
  await Deno.remove(path);
  const dataBytes = written * batchBytes(batches[0]);
  return {
    name: "h5wasm alone (append, SWMR)",
    mbPerSecond: dataBytes / 1e6 / seconds,
    batches: written,
    fileMB: fileBytes / 1e6,
    ratio: fileBytes / dataBytes,
  };
}

const dir = await Deno.makeTempDir({ prefix: "daq_bench_hdf5_" });
try {
  const two = makeBatches(["timestamp_ns", "sine"]);
  const three = makeBatches(["timestamp_ns", "sine", "noise"]);
  const big = makeBatches(["timestamp_ns", "sine", "noise"], 65536);
  const figures: Figure[] = [];
  const run = async (figure: Promise<Figure>) => {
    const result = await figure;
    figures.push(result);
    console.log(
      `${result.name.padEnd(44)} ${result.mbPerSecond.toFixed(0).padStart(6)} MB/s` +
        `  ${String(result.batches).padStart(5)} batches` +
        `  file ${result.fileMB.toFixed(1).padStart(7)} MB (${(result.ratio * 100).toFixed(0)}%)`,
    );
  };
  console.log(`10k rows a batch, ${SECONDS} s a case, flush after every batch\n`);
  await run(baseline(dir, two));
  await run(measure(dir, "append, ts+sine, SWMR", two, {}));
  await run(measure(dir, "append, ts+sine, no SWMR", two, { swmr: false }));
  await run(measure(dir, "append, ts+sine, chunks of 8192 (misaligned)", two, { chunkRows: 8192 }));
  await run(measure(dir, "append, ts+sine+noise, SWMR", three, {}));
  await run(measure(dir, "append, ts+sine+noise, gzip 1", three, { gzip: 1 }));
  await run(measure(dir, "append, ts+sine+noise, gzip 4", three, { gzip: 4 }));
  const compressions: [string, Hdf5Compression][] = [
    ["lz4", { algorithm: "lz4" }],
    ["bitshuffle-lz4", { algorithm: "bitshuffle-lz4" }],
    ["zstd 1", { algorithm: "zstd", level: 1 }],
    ["zstd 3", { algorithm: "zstd", level: 3 }],
  ];
  for (const [name, compression] of compressions) {
    await run(measure(dir, `append, ts+sine+noise, ${name}`, three, { compression }));
  }
  for (const [name, compression] of compressions.slice(0, 3)) {
    const options = { compression, chunkRows: 65536 };
    await run(measure(dir, `append, ts+sine+noise, ${name}, 64k-row chunks`, big, options));
  }
  await run(measure(dir, "batches, ts+sine", two, { layout: "batches" }));
  await run(measure(dir, "batches, ts+sine+noise", three, { layout: "batches" }));
  await run(measure(dir, "batches, ts+sine+noise, gzip 1", three, { layout: "batches", gzip: 1 }));
} finally {
  await Deno.remove(dir, { recursive: true });
}
