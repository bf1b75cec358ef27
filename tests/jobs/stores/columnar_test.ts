import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import * as arrowRs from "parquet-wasm";
import { FIRST_RUN, readStats, runDaq, runLabArgs, signalJob } from "../../_daq.ts";
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

/** Asserts the rows of every file, in order, are the signal's rows 0 .. BATCHES * ROWS - 1. */
function assertSignal(parts: { ts: bigint[]; sine: number[]; noise: number[] }[]): void {
  const ts = parts.flatMap((p) => p.ts);
  const sine = parts.flatMap((p) => p.sine);
  const noise = parts.flatMap((p) => p.noise);
  assert.equal(ts.length, BATCHES * ROWS);
  for (let i = 0; i < ts.length; i++) {
    assert.equal(ts[i] - ts[0], BigInt(Math.round(i * 1e9 / RATE)), `timestamp ${i}`);
    assert.equal(sine[i], signalValue(CHANNELS[0], i, RATE, SEED), `sine ${i}`);
    assert.equal(noise[i], signalValue(CHANNELS[1], i, RATE, SEED), `noise ${i}`);
  }
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
