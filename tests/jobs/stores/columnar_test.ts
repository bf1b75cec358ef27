import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import * as arrowRs from "parquet-wasm";
import { FIRST_RUN, readStats, runDaq, runLabArgs, signalJob, spawnDaq } from "../../_daq.ts";
import { type ChannelSpec, signalValue } from "../../../src/jobs/sources/signal.ts";
import { parseConfigFiles } from "../../../src/config/load.ts";
import { ConfigError } from "../../../src/config/errors.ts";
import { BUILTIN_JOB_TYPES } from "../../../src/jobs/catalogue.ts";

const CHANNELS: ChannelSpec[] = [
  { name: "sine", shape: "sine", freq_hz: 50, amplitude: 2, offset: 0.5, unit: "V" },
  { name: "noise", shape: "noise", freq_hz: 1, amplitude: 0.1, offset: 0, unit: "V" },
];
const SEED = 3;
const RATE = 100_000;
const ROWS = 2000;
const BATCHES = 60;
const READER = new URL("../../formats/arrow_ipc/read_arrow_ipc.py", import.meta.url).pathname;

function files(dir: string, ext: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(ext)).sort()
    .map((n) => `${dir}/${n}`);
}

interface SignalRows {
  ts: bigint[];
  sine: number[];
  noise: number[];
}

/** Asserts the rows of every file, in order, are the signal's rows 0 .. rows - 1. */
function assertSignal(parts: SignalRows[], rows = BATCHES * ROWS, rate = RATE): void {
  const ts = parts.flatMap((p) => p.ts);
  const sine = parts.flatMap((p) => p.sine);
  const noise = parts.flatMap((p) => p.noise);
  assert.equal(ts.length, rows);
  for (let i = 0; i < ts.length; i++) {
    assert.equal(ts[i] - ts[0], BigInt(Math.round(i * 1e9 / rate)), `timestamp ${i}`);
    assert.equal(sine[i], signalValue(CHANNELS[0], i, rate, SEED), `sine ${i}`);
    assert.equal(noise[i], signalValue(CHANNELS[1], i, rate, SEED), `noise ${i}`);
  }
}

interface ArrowFileRead extends SignalRows {
  /** Rows of each record batch. */
  batches: number[];
  codecs: string[];
}

/** An Arrow file as the spec-based Python reader sees it (footer needed). */
async function readArrowFile(path: string): Promise<ArrowFileRead> {
  const out = await new Deno.Command("/usr/bin/python3", { args: [READER, path] }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const file = JSON.parse(new TextDecoder().decode(out.stdout));
  return {
    batches: file.batches,
    codecs: file.codecs,
    ts: file.columns.timestamp_ns.map(BigInt),
    sine: file.columns.sine.map(Number),
    noise: file.columns.noise.map(Number),
  };
}

function lab(stores: string): string {
  return `
[supervisor]
id = "t"
stats_interval = "50ms"
restart_limit = 0
${signalJob({ seed: SEED, rateHz: RATE, batchRows: ROWS, maxBatches: BATCHES, channels: CHANNELS })}
${stores}
`;
}

Deno.test("store.arrow and store.parquet: daq run, rotation by size, every row read back by independent readers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "daq_columnar_store_" });
  try {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      lab(`
[[jobs]]
type = "store.arrow"
name = "arrow"
inputs = ["sim"]
compression = "lz4"
rotate_size = "600KiB"

[[jobs]]
type = "store.arrow"
name = "arrow_zstd"
inputs = ["sim"]
compression = "zstd"
compression_level = 3

[[jobs]]
type = "store.parquet"
name = "parquet"
inputs = ["sim"]
compression = "zstd"
row_group_size = "256KiB"
rotate_size = "1MiB"
`),
    );
    const r = await runDaq([...runLabArgs(dir), "--duration", "20s"]);
    assert.equal(r.code, 0, r.stderr);

    const arrowFiles = files(`${dir}/data/${FIRST_RUN}/arrow`, ".arrow");
    assert.ok(arrowFiles.length >= 3, `arrow files: ${arrowFiles.length}`);
    const parts = [];
    for (const path of [...arrowFiles, ...files(`${dir}/data/${FIRST_RUN}/arrow_zstd`, ".arrow")]) {
      const out = await new Deno.Command("/usr/bin/python3", { args: [READER, path] }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const file = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.deepEqual(file.codecs, [path.includes("zstd") ? "zstd" : "lz4"]);
      assert.equal(file.metadata.daq_route_key, "sim");
      assert.equal(JSON.parse(file.metadata.daq_config).jobs.length, 4);
      parts.push({
        path,
        ts: file.columns.timestamp_ns.map(BigInt),
        sine: file.columns.sine.map(Number),
        noise: file.columns.noise.map(Number),
      });
    }
    assertSignal(parts.filter((p) => !p.path.includes("zstd")));
    assertSignal(parts.filter((p) => p.path.includes("zstd")));

    const parquetFiles = files(`${dir}/data/${FIRST_RUN}/parquet`, ".parquet");
    assert.ok(parquetFiles.length >= 2, `parquet files: ${parquetFiles.length}`);
    assertSignal(parquetFiles.map((path) => {
      const table = arrow.tableFromIPC(
        arrowRs.readParquet(Deno.readFileSync(path)).intoIPCStream(),
      );
      assert.equal(table.schema.metadata.get("daq_job"), "parquet");
      return {
        ts: Array.from(
          table.getChild("timestamp_ns")!.data.flatMap((d) =>
            Array.from(d.values as BigInt64Array)
          ),
        ),
        sine: Array.from(table.getChild("sine")!.toArray() as Float64Array),
        noise: Array.from(table.getChild("noise")!.toArray() as Float64Array),
      };
    }));

    const stats = await readStats(`${dir}/stats.ndjson`);
    const last = stats.at(-1)!;
    for (const name of ["arrow", "arrow_zstd", "parquet"]) {
      const job = last.jobs.find((j) => j.name === name)!;
      assert.equal(job.extra.rows, BATCHES * ROWS, name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("store.arrow: small messages come out as fewer, larger record batches, held ones written at rotation and at stop", async () => {
  const dir = await Deno.makeTempDir({ prefix: "daq_arrow_gather_" });
  try {
    // No flush during the run: what is gathered goes out when full, at rotation and at stop.
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      lab(`
[[jobs]]
type = "store.arrow"
name = "plain"
inputs = ["sim"]
flush_interval = "1h"

[[jobs]]
type = "store.arrow"
name = "zstd"
inputs = ["sim"]
compression = "zstd"
flush_interval = "1h"
batch_rows = 5000

[[jobs]]
type = "store.arrow"
name = "rotated"
inputs = ["sim"]
compression = "lz4"
flush_interval = "1h"
rotate_size = "200KiB"
`),
    );
    const r = await runDaq([...runLabArgs(dir), "--duration", "20s"]);
    assert.equal(r.code, 0, r.stderr);
    const read = async (job: string) => {
      const parts = [];
      for (const path of files(`${dir}/data/${FIRST_RUN}/${job}`, ".arrow")) {
        parts.push(await readArrowFile(path));
      }
      assertSignal(parts);
      return parts;
    };
    // 32 messages of 2000 rows fit in 65536; the other 28 wait for the stop.
    const [plain] = await read("plain");
    assert.deepEqual(plain.batches, [64_000, 56_000]);
    assert.deepEqual(plain.codecs, ["none"]);
    const [zstd] = await read("zstd");
    assert.deepEqual(zstd.batches, Array(30).fill(4000));
    assert.deepEqual(zstd.codecs, ["zstd"]);
    // Rotation by size counts the rows held: each file closes with its rows as one batch.
    const rotated = await read("rotated");
    assert.ok(rotated.length >= 3, `files: ${rotated.length}`);
    const perFile = rotated.map((f) => f.batches);
    for (const batches of perFile) assert.equal(batches.length, 1, `${perFile}`);
    for (const batches of perFile.slice(0, -1)) assert.equal(batches[0], perFile[0][0]);
    assert.ok(perFile[0][0] % ROWS === 0 && perFile[0][0] > ROWS, `${perFile}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Rows and record batches of an Arrow file being written (the stream from byte 8), by
 * apache-arrow, once it holds at least `min` rows; waits for the file, retries torn reads.
 */
async function readOpenArrowFile(
  path: string,
  min: number,
): Promise<SignalRows & { batches: number[] }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const table = arrow.tableFromIPC(Deno.readFileSync(path).subarray(8));
      if (table.numRows >= min) {
        return {
          batches: table.batches.map((b) => b.numRows),
          ts: Array.from(table.getChild("timestamp_ns")!, (v) => BigInt(v as bigint)),
          sine: Array.from(table.getChild("sine")!.toArray() as Float64Array),
          noise: Array.from(table.getChild("noise")!.toArray() as Float64Array),
        };
      }
    } catch (e) {
      // Not created yet, or a batch half written as it is read.
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error(`${path}: fewer than ${min} rows after 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("store.arrow: gathered rows are written at every flush_interval and across rotations; SIGINT leaves every row sent", async () => {
  const dir = await Deno.makeTempDir({ prefix: "daq_arrow_flush_" });
  try {
    const rate = 5000;
    const rows = 50;
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      `
[supervisor]
id = "t"
stats_interval = "50ms"
restart_limit = 0
${signalJob({ seed: SEED, rateHz: rate, batchRows: rows, channels: CHANNELS })}
[[jobs]]
type = "store.arrow"
name = "plain"
inputs = ["sim"]
date_in_name = false
flush_interval = "200ms"

[[jobs]]
type = "store.arrow"
name = "rotated"
inputs = ["sim"]
compression = "lz4"
batch_rows = 1000
rotate_interval = "700ms"
`,
    );
    const child = spawnDaq([...runLabArgs(dir), "--quiet"]);
    const path = `${dir}/data/${FIRST_RUN}/plain/plain_sim_001.arrow`;
    const seen: number[] = [];
    for (const min of [2000, 4000]) {
      const open = await readOpenArrowFile(path, min);
      const sum = open.ts.length;
      // A full batch would be 65500 rows (13 s at 5000 a second): fewer come from flushes.
      assert.ok(sum % rows === 0 && sum < 65_500, `mid-run rows ${sum}`);
      assert.ok(open.batches.length * 4 <= sum / rows, `batches ${open.batches} of ${sum} rows`);
      assertSignal([open], sum, rate);
      seen.push(sum);
    }
    assert.ok(seen[1] > seen[0], `rows grow between flushes: ${seen}`);
    child.kill("SIGINT");
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    const sent = last.jobs.find((j) => j.name === "sim")!.rows;
    assert.ok(sent >= seen[1]);
    const messages = sent / rows;

    const plain = await readArrowFile(path);
    assertSignal([plain], sent, rate);
    assert.ok(plain.batches.length * 4 <= messages, `${plain.batches.length} batches`);
    const rotated = [];
    for (const file of files(`${dir}/data/${FIRST_RUN}/rotated`, ".arrow")) {
      rotated.push(await readArrowFile(file));
    }
    assert.ok(rotated.length >= 2, `rotated files: ${rotated.length}`);
    assertSignal(rotated, sent, rate);
    const batches = rotated.flatMap((f) => f.batches);
    assert.ok(batches.every((n) => n <= 1000 && n % rows === 0), `${batches}`);
    assert.ok(batches.length * 4 <= messages, `${batches.length} batches of ${messages} messages`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("store.arrow and store.parquet: settings that cannot work are config errors naming the key", () => {
  const error = (store: string) => {
    try {
      parseConfigFiles([{ file: "lab.toml", text: lab(store) }], { jobTypes: BUILTIN_JOB_TYPES });
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
    return "no error";
  };
  const job = (type: string, lines: string) =>
    `[[jobs]]\ntype = "${type}"\nname = "s"\ninputs = ["sim"]\n${lines}\n`;
  assert.match(
    error(job("store.arrow", 'compression = "lz4"\ncompression_level = 3')),
    /compression_level.*"lz4" takes no compression_level/,
  );
  assert.match(error(job("store.arrow", 'compression = "brotli"')), /compression/);
  assert.match(error(job("store.arrow", "batch_rows = 0")), /batch_rows/);
  assert.match(error(job("store.arrow", "batch_size = 0")), /batch_size/);
  assert.match(
    error(job("store.parquet", "row_group_size = 100")),
    /row_group_size must be at least 1 KiB/,
  );
  assert.match(
    error(job("store.parquet", 'compression = "zstd"\ncompression_level = 30')),
    /compression_level/,
  );
  assert.equal(error(job("store.parquet", 'compression = "lz4"')), "no error");
});
