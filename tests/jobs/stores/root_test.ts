import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import { FIRST_RUN, readStats, runDaq, runLabArgs, signalJob, spawnDaq } from "../../_daq.ts";
import { readTreeWithJsroot } from "../../formats/root/_jsroot_read.ts";
import { type ChannelSpec, signalValue } from "../../../src/jobs/sources/signal.ts";
import { parseConfigFiles } from "../../../src/config/load.ts";
import { ConfigError } from "../../../src/config/errors.ts";
import { BUILTIN_JOB_TYPES } from "../../../src/jobs/catalogue.ts";
import storeRoot, { rootStoreCompression, RootStoreError } from "../../../src/jobs/stores/root.ts";
import type { JobContext, ReceivedMessage } from "../../../src/job/mod.ts";
import { decodeBatch, encodeBatch, RecordType } from "../../../src/transport/payload.ts";
import { RootSchemaError } from "../../../src/formats/root/mod.ts";
import { compressBuffer } from "../../../src/formats/root/_compress.ts";

const CHANNELS: ChannelSpec[] = [
  { name: "sine", shape: "sine", freq_hz: 50, amplitude: 2, offset: 0.5, unit: "V" },
  { name: "noise", shape: "noise", freq_hz: 1, amplitude: 0.1, offset: 0, unit: "V" },
  { name: "square", shape: "square", freq_hz: 20, amplitude: 1, offset: 0, unit: "V" },
  { name: "pulses", shape: "pulses", freq_hz: 10, amplitude: 3, offset: 0, unit: "mV" },
];
const SEED = 7;

/** A config with the `signal` source "sim" (CHANNELS) and the given extra lines and jobs. */
function config(source: string, jobs: string): string {
  return `
[supervisor]
id = "t"
stats_interval = "50ms"
restart_limit = 0
${signalJob({ seed: SEED, extra: source, channels: CHANNELS })}
${jobs}
`;
}

/** The `.root` files of a folder, in the order they were written. */
function rootFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".root"))
    .sort().map((n) => `${dir}/${n}`);
}

/**
 * Asserts that `columns` hold rows `first ..` of a `signal` source sampled at `rateHz`;
 * returns the time of row 0, to check the next part of the same run against.
 */
function assertSignalRows(
  columns: Record<string, unknown[]>,
  first: number,
  rateHz: number,
  label: string,
  t0?: bigint,
  channels = CHANNELS,
  seed = SEED,
): bigint {
  assert.deepEqual(Object.keys(columns), ["timestamp_ns", ...channels.map((c) => c.name)]);
  const ts = columns.timestamp_ns.map((v) => BigInt(v as bigint));
  const start = t0 ?? ts[0] - BigInt(Math.round(first * 1e9 / rateHz));
  for (let i = 0; i < ts.length; i++) {
    const row = first + i;
    assert.equal(ts[i] - start, BigInt(Math.round(row * 1e9 / rateHz)), `${label}: ts ${row}`);
    for (const ch of channels) {
      assert.equal(
        columns[ch.name][i],
        signalValue(ch, row, rateHz, seed),
        `${label}: ${ch.name} at row ${row}`,
      );
    }
  }
  return start;
}

/** fCompress from a ROOT file header (small files: 32-bit header fields). */
function fileCompress(path: string): number {
  const bytes = Deno.readFileSync(path);
  return new DataView(bytes.buffer).getInt32(4 + 4 * 7 + 1);
}

Deno.test("store.root: daq run round trip, every compression, read back by JSROOT", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const stores = [
      ["default", ""],
      ["none", `compression = "none"`],
      ["zlib", `compression = "zlib"\ncompression_level = 6`],
      ["lz4", `compression = "lz4"`],
    ];
    const jobs = stores.map(([name, extra]) =>
      `[[jobs]]\ntype = "store.root"\nname = "${name}"\ninputs = ["sim"]\n` +
      `date_in_name = false\nbasket_bytes = "32KiB"\n${extra}\n`
    ).join("\n") +
      // A second source with the default channels; "both" takes both route keys.
      signalJob({
        name: "sim2",
        seed: 8,
        rateHz: 100000,
        batchRows: 400,
        maxBatches: 15,
        channels: [],
      }) +
      `[[jobs]]\ntype = "store.root"\nname = "both"\ninputs = ["sim", "sim2"]\n` +
      `date_in_name = false\n`;
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      config("rate_hz = 100000\nbatch_rows = 500\nmax_batches = 20", jobs),
    );
    const r = await runDaq([...runLabArgs(dir), "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    const sizes: Record<string, number> = {};
    for (const [name] of stores) {
      const files = rootFiles(`${dir}/data/${FIRST_RUN}/${name}`);
      assert.deepEqual(
        files.map((f) =>
          f.split("/").pop()
        ),
        [`${name}_001.root`],
      );
      const { entries, columns, tree } = await readTreeWithJsroot(files[0], "sim");
      assert.equal(entries, 10_000, name);
      assertSignalRows(columns, 0, 100_000, name);
      const title = JSON.parse(String(tree.fTitle));
      assert.equal(title.store, "store.root");
      assert.equal(title.job, name);
      assert.equal(
        title.config.jobs.find((j: { name: string }) => j.name === "sim").fields.seed,
        7,
      );
      sizes[name] = Deno.statSync(files[0]).size;
      const job = last.jobs.find((j) => j.name === name)!;
      assert.equal(job.rows, 10_000);
      assert.deepEqual(
        [job.extra.files, job.extra.entries, job.extra.file_bytes],
        [1, 10_000, sizes[name]],
        `${name} figures`,
      );
      assert.ok(job.extra.flushes >= 1);
    }
    // fCompress = algorithm * 100 + level: zstd 1 by default, zlib 6, lz4 4, none 0.
    const codes = Object.fromEntries(
      stores.map((
        [name],
      ) => [name, fileCompress(rootFiles(`${dir}/data/${FIRST_RUN}/${name}`)[0])]),
    );
    assert.deepEqual(codes, { default: 501, none: 0, zlib: 106, lz4: 404 });
    for (const name of ["default", "zlib", "lz4"]) {
      assert.ok(sizes[name] < sizes.none * 0.9, `${name} ${sizes[name]} vs none ${sizes.none}`);
    }
    // One file, one tree per route key.
    const [both] = rootFiles(`${dir}/data/${FIRST_RUN}/both`);
    const sim = await readTreeWithJsroot(both, "sim");
    assert.equal(sim.entries, 10_000);
    assertSignalRows(sim.columns, 0, 100_000, "both/sim");
    const sim2 = await readTreeWithJsroot(both, "sim2");
    assert.equal(sim2.entries, 15 * 400);
    const defaults: ChannelSpec[] = ["sine", "noise"].map((shape) => ({
      name: shape,
      shape: shape as ChannelSpec["shape"],
      freq_hz: 1,
      amplitude: 1,
      offset: 0,
      unit: "V",
    }));
    assertSignalRows(sim2.columns, 0, 100_000, "both/sim2", undefined, defaults, 8);
    assert.equal(last.jobs.find((j) => j.name === "both")!.extra.entries, 10_000 + 15 * 400);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Reads a tree that a running writer may be flushing; retries a torn read a few times. */
async function readWhileWritten(path: string, tree: string) {
  for (let attempt = 1;; attempt++) {
    try {
      return await readTreeWithJsroot(path, tree);
    } catch (e) {
      if (attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

Deno.test("store.root: flushed trees are readable mid-run; SIGINT leaves every row sent", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rate = 5000;
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      config(
        `rate_hz = ${rate}\nbatch_rows = 250`,
        `[[jobs]]\ntype = "store.root"\nname = "root"\ninputs = ["sim"]\n` +
          `date_in_name = false\nflush_interval = "200ms"\n`,
      ),
    );
    const child = spawnDaq([...runLabArgs(dir), "--quiet"]);
    const path = `${dir}/data/${FIRST_RUN}/root/root_001.root`;
    const seen: number[] = [];
    let t0: bigint | undefined;
    for (const waitMs of [1500, 800]) {
      await new Promise((r) => setTimeout(r, waitMs));
      const { entries, columns } = await readWhileWritten(path, "sim");
      assert.ok(entries > 0 && entries % 250 === 0, `mid-run entries ${entries}`);
      t0 = assertSignalRows(columns, 0, rate, "mid-run", t0);
      seen.push(entries);
    }
    assert.ok(seen[1] > seen[0], `entries grow between flushes: ${seen}`);
    child.kill("SIGINT");
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    const sent = last.jobs.find((j) => j.name === "sim")!.rows;
    const root = last.jobs.find((j) => j.name === "root")!;
    assert.deepEqual(rootFiles(`${dir}/data/${FIRST_RUN}/root`), [path]);
    const { entries, columns } = await readTreeWithJsroot(path, "sim");
    assert.ok(sent > seen[1]);
    assert.equal(entries, sent);
    assert.equal(root.extra.entries, sent);
    assertSignalRows(columns, 0, rate, "after SIGINT", t0);
    assert.ok(root.extra.flushes >= 5, `flushes: ${root.extra.flushes}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("store.root: rotation by size and by time makes several files, never overwriting one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/out`;
    await Deno.mkdir(out);
    // A file already holding the first name: the store must pick the next counter.
    await Deno.writeTextFile(`${out}/run_001.root`, "not mine");
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      config(
        "rate_hz = 25000\nbatch_rows = 500\nmax_batches = 40",
        `[[jobs]]\ntype = "store.root"\nname = "root"\ninputs = ["sim"]\nout_dir = "${out}"\n` +
          `prefix = "run"\ndate_in_name = false\ncompression = "none"\nrotate_size = "64KiB"\n` +
          `tree_name = "samples"\n` +
          `[[jobs]]\ntype = "store.root"\nname = "timed"\ninputs = ["sim"]\n` +
          `out_dir = "${dir}/timed"\nrotate_interval = "300ms"\n`,
      ),
    );
    const r = await runDaq(["run", `${dir}/lab.toml`, "--stats-json", `${dir}/stats.ndjson`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await Deno.readTextFile(`${out}/run_001.root`), "not mine");
    const files = rootFiles(out).slice(1);
    assert.ok(files.length >= 5, `files: ${files.length}`);
    assert.equal(files[0], `${out}/run_002.root`);
    let total = 0;
    let t0: bigint | undefined;
    for (const file of files) {
      const { entries, columns } = await readTreeWithJsroot(file, "samples");
      assert.ok(entries > 0);
      // A file is closed once past rotate_size: at most one batch over it.
      assert.ok(Deno.statSync(file).size < 64 * 1024 + 500 * 5 * 8 + 8192, file);
      t0 = assertSignalRows(columns, total, 25_000, file, t0);
      total += entries;
    }
    assert.equal(total, 40 * 500);
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    const root = last.jobs.find((j) => j.name === "root")!;
    assert.equal(root.extra.files, files.length);
    assert.equal(root.extra.entries, total);
    const bytes = files.reduce((n, f) => n + Deno.statSync(f).size, 0);
    assert.equal(root.extra.file_bytes, bytes);

    // 0.8 s of data, a new file every 300 ms, names with the date: timed_<date>_<NNN>.root
    const timed = rootFiles(`${dir}/timed`);
    assert.ok(timed.length >= 2, `timed files: ${timed.length}`);
    let timedTotal = 0;
    t0 = undefined;
    for (const file of timed) {
      assert.match(file, /\/timed_\d{8}-\d{6}_\d{3}\.root$/);
      const { entries, columns } = await readTreeWithJsroot(file, "sim");
      t0 = assertSignalRows(columns, timedTotal, 25_000, file, t0);
      timedTotal += entries;
    }
    assert.equal(timedTotal, 40 * 500);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function rootStoreConfig(channelNames: string[], storeExtra = ""): string {
  return `
[[jobs]]
type = "signal"
name = "sim"
${channelNames.map((n) => `[[jobs.channels]]\nname = "${n}"\nshape = "sine"`).join("\n")}

[[jobs]]
type = "store.root"
name = "root"
${storeExtra}
inputs = ["sim"]
`;
}

function configError(text: string): ConfigError {
  try {
    parseConfigFiles([{ file: "lab.toml", text }], { jobTypes: BUILTIN_JOB_TYPES });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("store.root: columns ROOT cannot hold are config errors at the store's inputs", () => {
  const text = rootStoreConfig(["ok", "temp C"]);
  const e = configError(text);
  assert.equal(e.location.key, "jobs[1].inputs");
  assert.equal(e.location.line, text.split("\n").indexOf(`inputs = ["sim"]`) + 1);
  assert.match(e.problem, /job "sim" sends column 'temp C': name must not contain/);

  assert.match(
    configError(rootStoreConfig(["timestamp_ns"])).problem,
    /"timestamp_ns" is the time column every signal sends/,
  );
  assert.match(
    configError(rootStoreConfig(["a"], `tree_name = "a/b"`)).problem,
    /tree_name "a\/b" must not contain/,
  );
  // Two sources with different columns into one named tree.
  const two = rootStoreConfig(["a"], `tree_name = "t"`).replace(`inputs = ["sim"]`, "") +
    `inputs = ["sim", "sim2"]\n[[jobs]]\ntype = "signal"\nname = "sim2"\n`;
  assert.match(configError(two).problem, /"sim" and "sim2" send different columns into tree "t"/);

  // What is fine: ROOT names, one tree per route key, sources that declare no schema.
  parseConfigFiles([{ file: "ok.toml", text: rootStoreConfig(["a", "b_2"]) }], {
    jobTypes: BUILTIN_JOB_TYPES,
  });
  parseConfigFiles([{
    file: "bench.toml",
    text: `[[jobs]]\ntype = "bench"\nname = "b"\npayload_bytes = "1KiB"\n` +
      `[[jobs]]\ntype = "store.root"\nname = "r"\ninputs = ["b"]\n`,
  }], { jobTypes: BUILTIN_JOB_TYPES });
});

Deno.test("store.root: checkInputs names the column of any Arrow type ROOT cannot hold", () => {
  const { checkInputs } = BUILTIN_JOB_TYPES["store.root"];
  const job = parseConfigFiles([{ file: "ok.toml", text: rootStoreConfig(["a"]) }], {
    jobTypes: BUILTIN_JOB_TYPES,
  }).jobs[1];
  const schema = new arrow.Schema([
    new arrow.Field("timestamp_ns", new arrow.Int64()),
    new arrow.Field("label", new arrow.Utf8()),
  ]);
  const problem = checkInputs!(job, [{ key: "daq", from: "daq", schema }]);
  assert.match(String(problem), /column 'label': Arrow type Utf8 cannot be stored/);
  assert.equal(checkInputs!(job, [{ key: "daq", from: "daq", schema: undefined }]), undefined);
});

Deno.test("store.root: compression levels out of range are refused, naming the key", () => {
  assert.deepEqual(rootStoreCompression({ compression: "zstd", compression_level: 19 }), {
    algorithm: "zstd",
    level: 19,
  });
  assert.deepEqual(rootStoreCompression({ compression: "none", compression_level: 9 }), {
    algorithm: "none",
  });
  assert.throws(
    () => rootStoreCompression({ compression: "zlib", compression_level: 12 }),
    (e: Error) =>
      e instanceof RootStoreError &&
      /compression_level: expected 1 to 9 for zlib, got 12/.test(e.message),
  );
});

Deno.test("ROOT zstd baskets hold exactly one zstd frame (no trailing empty frame)", () => {
  // Poorly compressible doubles: the frame is bigger than node:zlib's default 16 KiB chunk.
  const values = Float64Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 10));
  const stored = compressBuffer(new Uint8Array(values.buffer), { algorithm: "zstd", level: 5 });
  const payload = stored.length - 9;
  assert.equal(stored[3] | stored[4] << 8 | stored[5] << 16, payload);
  const magic = [0x28, 0xb5, 0x2f, 0xfd];
  let frames = 0;
  for (let i = 9; i + 4 <= stored.length; i++) {
    if (magic.every((b, k) => stored[i + k] === b)) frames++;
  }
  assert.equal(frames, 1);
});

/**
 * Runs the store's `run` in this thread on `batches` as if they came from route "daq" of a
 * source that declares no schema (none of the shipped sources sends such columns).
 */
async function runOnBatches(dir: string, batches: arrow.RecordBatch[]) {
  const config = parseConfigFiles([{
    file: "lab.toml",
    text: `[[jobs]]\ntype = "bench"\nname = "daq"\npayload_bytes = "1KiB"\n` +
      `[[jobs]]\ntype = "store.root"\nname = "root"\ninputs = ["daq"]\nout_dir = "${dir}"\n`,
  }], { jobTypes: BUILTIN_JOB_TYPES });
  const figures: Record<string, number> = {};
  const abort = new AbortController();
  const ctx = {
    fields: config.jobs[1].fields,
    job: config.jobs[1],
    supervisor: config.supervisor,
    restarts: 0,
    configJson: JSON.stringify(config),
    signal: abort.signal,
    stopping: () => true,
    send: () => Promise.resolve(),
    sendBatch: () => Promise.resolve(),
    sendMessage: () => Promise.resolve(),
    sendColumns: () => Promise.resolve(),
    sendRow: () => Promise.resolve(),
    batches: () => {
      throw new Error("store.root reads ctx.receive()");
    },
    async *receive(): AsyncIterable<ReceivedMessage> {
      for (const [seq, batch] of batches.entries()) {
        const payload = encodeBatch(batch);
        yield {
          key: "daq",
          from: "daq",
          type: RecordType.arrow,
          seq,
          sentMs: 0,
          payload,
          origin: undefined,
        };
      }
    },
    batchOf: (msg) => decodeBatch(msg.payload),
    countRows: () => {},
    setFigure: (name, value) => void (figures[name] = value),
    setStatus: () => {},
    requestSetting: () => Promise.resolve(),
    log: () => {},
    warn: () => {},
    breathe: () => Promise.resolve(),
    sleep: () => Promise.resolve(),
    paused: () => false,
    reportFile: () => {},
    setIdentity: () => {},
    onSetting: () => {},
  } as JobContext as Parameters<typeof storeRoot.run>[0];
  const error = await storeRoot.run(ctx).then(() => undefined, (e: Error) => e);
  return { error, figures, files: rootFiles(dir) };
}

Deno.test("store.root: a column ROOT cannot hold at run time fails the job, naming it; the file stays valid", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = new arrow.RecordBatch({
      timestamp_ns: arrow.makeData({ type: new arrow.Int64(), data: BigInt64Array.of(1n, 2n) }),
      value: arrow.makeData({ type: new arrow.Float64(), data: Float64Array.of(0.5, 1.5) }),
    });
    const bad = arrow.tableFromArrays({ timestamp_ns: BigInt64Array.of(3n), label: ["x"] })
      .batches[0];

    const first = await runOnBatches(`${dir}/a`, [bad]);
    assert.ok(first.error instanceof RootSchemaError, String(first.error));
    assert.match(first.error.message, /column 'label': Arrow type .*Utf8.* cannot be stored/);
    assert.deepEqual(first.files, [], "no file is started for a batch that cannot be stored");

    const later = await runOnBatches(`${dir}/b`, [good, bad]);
    assert.ok(later.error instanceof RootSchemaError);
    assert.equal(later.files.length, 1);
    const { entries, columns } = await readTreeWithJsroot(later.files[0], "daq");
    assert.equal(entries, 2);
    assert.deepEqual(columns.value, [0.5, 1.5]);
    assert.deepEqual(later.figures.entries, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
