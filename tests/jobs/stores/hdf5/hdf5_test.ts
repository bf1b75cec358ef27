import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import { createRingFile } from "../../../../src/dataplane/mod.ts";
import { FIRST_RUN, readStats, runDaq, runLabArgs, spawnDaq } from "../../../_daq.ts";
import { signalValue } from "../../../../src/jobs/sources/signal.ts";
import {
  assertSignalValues,
  CHANNELS,
  columnsOf,
  h5dump,
  h5Files,
  hdf5Config,
  lastFigures,
  PYTHON,
  RATE_HZ,
  readH5,
  runConfig,
  SECOND,
  SEED,
  twoSourceConfig,
  waitFor,
  withRun,
} from "./_live_run.ts";
import { withTmpfs } from "../../../dataplane/_helpers.ts";

for (const layout of ["append", "batches"] as const) {
  Deno.test(`store.hdf5 (${layout}): h5py reads back exactly what the source generated`, async () => {
    await withRun(async (dir, id) => {
      const r = await runConfig(
        dir,
        hdf5Config({ id, source: "max_batches = 30", store: `layout = "${layout}"` }),
      );
      assert.equal(r.code, 0, r.stderr);
      const files = h5Files(`${dir}/data/${FIRST_RUN}/h5`);
      assert.equal(files.length, 1, r.stderr);
      const file = await readH5(files[0]);
      assert.equal(assertSignalValues(columnsOf(file)), 30 * 500);
      assert.equal(file.attrs.complete, 1);
      assert.equal(file.attrs.layout, layout);
      assert.equal(file.attrs.software_version, "daq 0.1.0");
      assert.deepEqual(JSON.parse(file.attrs.lost_records as string), { sim: 0 });
      const config = JSON.parse(file.attrs.config as string);
      assert.equal(config.jobs.find((j: { name: string }) => j.name === "sim").fields.seed, 7);
      assert.ok(
        Date.parse(file.attrs.run_start as string) <= Date.parse(file.attrs.stop_time as string),
      );
      const unitOf = (name: string) =>
        Object.entries(file.dataAttrs).find(([p]) => p.endsWith(`/${name}`))![1].unit;
      for (const ch of CHANNELS) assert.equal(unitOf(ch.name), ch.unit);
      assert.match(String(unitOf("timestamp_ns")), /ns/);
      if (layout === "batches") {
        const groups = Object.keys(file.groupAttrs).filter((g) => g.includes("batch_"));
        assert.equal(groups.length, 30, "one group per batch");
        assert.equal(file.groupAttrs[groups[0]].source, "sim");
      } else {
        assert.equal(file.data["sim/_lost"][0], "0");
      }
      const dump = await h5dump(files[0]);
      assert.match(dump, /DATASET "sine"/);
      assert.match(dump, /ATTRIBUTE "complete"/);
      const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
      const h5 = last.jobs.find((j) => j.name === "h5")!;
      assert.equal(h5.rows, 30 * 500);
      assert.equal(h5.state, "finished");
      const figures = lastFigures(await readStats(`${dir}/stats.ndjson`), "h5");
      assert.equal(figures.lost_records, 0);
      // A clean stop removes the ring file: everything in it is in the HDF5 file.
      await assert.rejects(Deno.stat(`/dev/shm/daq-${id}-h5.ring`), Deno.errors.NotFound);
    });
  });
}

for (
  const [store, filter] of [
    ['compression = "bitshuffle-lz4"', /FILTER_ID 32008/],
    ['compression = "lz4"\nlayout = "batches"', /FILTER_ID 32004/],
    ["gzip = 2", /COMPRESSION DEFLATE \{ LEVEL 2 \}/],
  ] as const
) {
  Deno.test(`store.hdf5 (${store.replaceAll("\n", ", ")}): compressed, h5py and h5dump read back every value`, async () => {
    await withRun(async (dir, id) => {
      const r = await runConfig(dir, hdf5Config({ id, source: "max_batches = 30", store }));
      assert.equal(r.code, 0, r.stderr);
      const files = h5Files(`${dir}/data/${FIRST_RUN}/h5`);
      assert.equal(files.length, 1, r.stderr);
      const file = await readH5(files[0]);
      assert.equal(assertSignalValues(columnsOf(file)), 30 * 500);
      assert.equal(file.attrs.complete, 1);
      const sine = Object.keys(file.dataAttrs).find((p) => p.endsWith("/sine"))!;
      const header = await h5dump(files[0], ["-p", "-H", "-d", `/${sine}`]);
      assert.match(header, filter);
      if (!store.includes("batches")) {
        // Chunks of whole 500-row messages, up to 1 MiB: writes end on chunk boundaries.
        assert.match(header, /CHUNKED \( 131000 \)/);
      }
      // h5dump decodes it too: the first value of the first sine dataset.
      const value = await h5dump(files[0], ["-d", `/${sine}`, "-c", "1"]);
      const first = Number(/\(0\): ([-0-9.e]+)/.exec(value)![1]);
      assert.ok(Math.abs(first - signalValue(CHANNELS[0], 0, RATE_HZ, SEED)) < 1e-9, value);
    });
  });
}

Deno.test("store.hdf5: compression settings that cannot work are config errors naming the key", async () => {
  await withRun(async (dir, id) => {
    for (
      const [store, message] of [
        [
          'compression = "lz4"\ncompression_level = 3',
          /compression_level.*takes no compression_level/,
        ],
        ['compression = "blosc-lz4"', /compression/],
        ['compression = "zstd"\ngzip = 3', /gzip.*either gzip/],
        ['compression = "zstd"\nshuffle = true', /shuffle/],
      ] as const
    ) {
      const r = await runConfig(dir, hdf5Config({ id, source: "max_batches = 1", store }));
      assert.equal(r.code, 1, `${store}: ${r.stderr}`);
      assert.match(r.stderr, message, store);
    }
  });
});

/**
 * Seconds from the first stats snapshot in which store "h5" had rows to the first in which it
 * had `rows`.
 */
function storeSeconds(stats: Awaited<ReturnType<typeof readStats>>, rows: number): number {
  const h5 = (s: (typeof stats)[number]) => s.jobs.find((j) => j.name === "h5")!;
  const first = stats.find((s) => h5(s).rows > 0);
  const done = stats.find((s) => h5(s).rows >= rows);
  assert.ok(first && done, `store h5 reached ${rows} rows`);
  return done.elapsedS - first.elapsedS;
}

for (const layout of ["append", "batches"] as const) {
  Deno.test(`store.hdf5 (${layout}): two interleaved sources, one ring file each, both exact`, async () => {
    await withRun(async (dir, id) => {
      // 300 batches of 500 rows at 100 kHz: each source paces itself to 1.5 s.
      const batches = 300;
      const store = `layout = "${layout}"`;
      const r = await runConfig(dir, twoSourceConfig({ id, maxBatches: batches, store }));
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /schema of .* changed/);
      const files = h5Files(`${dir}/data/${FIRST_RUN}/h5`);
      assert.equal(files.length, 1, files.join(", "));
      const file = await readH5(files[0]);
      assert.equal(file.attrs.complete, 1);
      assert.deepEqual(JSON.parse(file.attrs.lost_records as string), { sim: 0, sim2: 0 });
      assert.equal(assertSignalValues(columnsOf(file, "sim")), batches * 500);
      assert.equal(
        assertSignalValues(columnsOf(file, SECOND.name), 0, RATE_HZ, SECOND),
        batches * 500,
      );
      if (layout === "append") {
        assert.equal(file.groupAttrs.sim2 !== undefined, true, "group /sim2");
        assert.equal(file.dataAttrs["sim2/ramp"].unit, "mA");
      }
      const stats = await readStats(`${dir}/stats.ndjson`);
      const figures = lastFigures(stats, "h5");
      assert.equal(figures.lost_records, 0);
      assert.equal(figures.hdf5_rows, 2 * batches * 500);
      // Each key had its own ring file, named after the key, and a clean stop removed them all.
      for (const key of ["sim", SECOND.name]) {
        assert.match(r.stderr, new RegExp(`ring file /dev/shm/daq-${id}-h5\\.rings/${key}\\.ring`));
      }
      await assert.rejects(Deno.lstat(`/dev/shm/daq-${id}-h5.rings`), Deno.errors.NotFound);
      if (layout === "batches") return;
      // No stalls: the store keeps up with both paced sources about as well as with one.
      const bothS = storeSeconds(stats, 2 * batches * 500);
      const one = await runConfig(dir, twoSourceConfig({ id, maxBatches: batches, single: true }));
      assert.equal(one.code, 0, one.stderr);
      const oneS = storeSeconds(await readStats(`${dir}/stats.ndjson`), batches * 500);
      const bothRate = 2 * batches * 500 / bothS;
      const oneRate = batches * 500 / oneS;
      assert.ok(
        bothRate > oneRate / 2 && bothS < 2 * oneS + 0.5,
        `two sources: ${bothRate.toFixed(0)} rows/s over ${bothS.toFixed(2)} s; ` +
          `one source: ${oneRate.toFixed(0)} rows/s over ${oneS.toFixed(2)} s`,
      );
    });
  });
}

Deno.test("store.hdf5: SIGINT mid-run closes the file whole, with every row the source sent", async () => {
  await withRun(async (dir, id) => {
    await Deno.writeTextFile(`${dir}/lab.toml`, hdf5Config({ id }));
    const child = spawnDaq([...runLabArgs(dir)]);
    await waitFor(
      () => h5Files(`${dir}/data/${FIRST_RUN}/h5`).length > 0,
      15000,
      "the HDF5 file",
    ).catch(() => {});
    await new Promise((r) => setTimeout(r, 800));
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    const sent = last.jobs.find((j) => j.name === "sim")!.rows;
    assert.ok(sent > 0);
    const files = h5Files(`${dir}/data/${FIRST_RUN}/h5`);
    assert.equal(files.length, 1);
    const file = await readH5(files[0]);
    assert.equal(file.attrs.complete, 1);
    assert.ok(file.attrs.stop_time);
    assert.equal(assertSignalValues(columnsOf(file)), sent);
  });
});

Deno.test("store.hdf5: an h5py SWMR reader sees rows grow while daq run writes", async () => {
  await withRun(async (dir, id) => {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      hdf5Config({ id, source: "rate_hz = 20000" }).replace("rate_hz = 100000\n", ""),
    );
    const child = spawnDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`, "--quiet"]);
    try {
      await waitFor(
        () => h5Files(`${dir}/data/${FIRST_RUN}/h5`).length > 0,
        15000,
        "the HDF5 file",
      );
      const path = h5Files(`${dir}/data/${FIRST_RUN}/h5`)[0];
      const script = `
import sys, time, h5py
counts = []
deadline = time.time() + 20
while time.time() < deadline:
    try:
        f = h5py.File(sys.argv[1], "r", swmr=True)
        break
    except Exception:
        time.sleep(0.1)
ds = None
while time.time() < deadline and len(set(counts)) < 4:
    try:
        if ds is None:
            ds = f["sim/sine"]
        ds.refresh()
        counts.append(ds.shape[0])
    except KeyError:
        pass
    time.sleep(0.15)
print(" ".join(str(c) for c in counts))
`;
      const out = await new Deno.Command(PYTHON, { args: ["-c", script, path] }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const counts = new TextDecoder().decode(out.stdout).trim().split(" ").map(Number);
      assert.ok(new Set(counts).size >= 4, `rows grew: ${counts.join(" ")}`);
      for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1]);
    } finally {
      child.kill("SIGINT");
      const out = await child.output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
    }
  });
});

Deno.test("store.hdf5: overwrite with a slow flusher loses records, counted in stats and in the file", async () => {
  await withRun(async (dir, id) => {
    const r = await runConfig(
      dir,
      hdf5Config({
        id,
        source: "max_batches = 400\nbatch_rows = 100",
        store: 'overrun = "overwrite"\nring_file_size = "64KiB"\nflush_interval = "2s"',
      }).replace("batch_rows = 500\n", ""),
    );
    assert.equal(r.code, 0, r.stderr);
    const file = await readH5(h5Files(`${dir}/data/${FIRST_RUN}/h5`)[0]);
    assert.equal(file.attrs.complete, 1);
    const lost = JSON.parse(file.attrs.lost_records as string).sim;
    assert.ok(lost > 0, `records lost: ${lost}`);
    const rows = (file.data["sim/timestamp_ns"] as string[]).length;
    assert.equal(rows + lost * 100, 400 * 100, "rows written + rows lost = rows sent");
    assert.equal(file.data["sim/_lost"][0], String(lost));
    const stats = await readStats(`${dir}/stats.ndjson`);
    assert.ok(lastFigures(stats, "h5").lost_records > 0, "loss shown in stats");
    // What was written is still exactly what the source generated, with gaps between records:
    // find the first row's sample index from its noise value, then check every row.
    const ts = (file.data["sim/timestamp_ns"] as string[]).map(BigInt);
    const noise = file.data["sim/noise"] as number[];
    let first = 0;
    while (first < 400 * 100 && signalValue(CHANNELS[1], first, RATE_HZ, SEED) !== noise[0]) {
      first++;
    }
    assert.ok(first < 400 * 100, "first row found among the samples sent");
    for (let i = 0; i < ts.length; i++) {
      const index = first + Number((ts[i] - ts[0]) / 10_000n);
      for (const ch of CHANNELS) {
        const values = file.data[`sim/${ch.name}`] as number[];
        assert.equal(values[i], signalValue(ch, index, RATE_HZ, SEED), `${ch.name} of row ${i}`);
      }
    }
  });
});

Deno.test("store.hdf5: a crashed flusher is restarted and no row is lost", async () => {
  await withRun(async (dir, id) => {
    const r = await runConfig(
      dir,
      hdf5Config({
        id,
        source: "max_batches = 80\nrate_hz = 10000",
        store: "crash_flusher_after = 5000",
      }).replace("rate_hz = 100000\n", ""),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /flusher crashed: .*crash_flusher_after = 5000.*restart 1/);
    const files = h5Files(`${dir}/data/${FIRST_RUN}/h5`);
    assert.equal(files.length, 2, files.join(", "));
    // The second file starts where read_tail was; the first was never closed (complete = 0).
    const second = await readH5(files[1]);
    assert.equal(second.attrs.complete, 1);
    const firstTs = await new Deno.Command(PYTHON, {
      args: [
        "-c",
        "import sys,h5py\nf=h5py.File(sys.argv[1],'r',swmr=True)\nprint(f.attrs['complete'], f['sim/timestamp_ns'].shape[0])",
        files[0],
      ],
    }).output();
    const [complete, firstRows] = new TextDecoder().decode(firstTs.stdout).trim().split(" ");
    assert.equal(complete, "0", new TextDecoder().decode(firstTs.stderr));
    const secondRows = assertSignalValues(columnsOf(second), Number(firstRows), 10000);
    assert.equal(Number(firstRows) + secondRows, 80 * 500);
    assert.equal(r.stderr.match(/flusher crashed/g)?.length, 1);
  });
});

Deno.test("store.hdf5: a key prefix gets a ring file per key; a crashed flusher resumes them all", async () => {
  await withRun(async (dir, id) => {
    const batches = 300;
    const r = await runConfig(
      dir,
      twoSourceConfig({
        id,
        maxBatches: batches,
        inputs: ["sim*"],
        store: "crash_flusher_after = 20000",
      }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.match(/flusher crashed: .*crash_flusher_after = 20000/g)?.length, 1);
    for (const key of ["sim", SECOND.name]) {
      assert.ok(r.stderr.includes(`ring file /dev/shm/daq-${id}-h5.rings/${key}.ring`), r.stderr);
    }
    const files = h5Files(`${dir}/data/${FIRST_RUN}/h5`);
    assert.equal(files.length, 2, files.join(", "));
    // Rows of each key in the file the crashed flusher left (never closed, complete = 0).
    const script = `
import json, sys, h5py
f = h5py.File(sys.argv[1], "r", swmr=True)
rows = {k: f[k]["timestamp_ns"].shape[0] for k in f.keys() if "timestamp_ns" in f[k]}
print(json.dumps({"complete": int(f.attrs["complete"]), "rows": rows}))
`;
    const out = await new Deno.Command(PYTHON, { args: ["-c", script, files[0]] }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const crashed = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(crashed.complete, 0);
    const second = await readH5(files[1]);
    assert.equal(second.attrs.complete, 1);
    const before = (key: string) => crashed.rows[key] ?? 0;
    assert.ok(before("sim") + before(SECOND.name) >= 20000, JSON.stringify(crashed.rows));
    // A key may have been written whole before the crash (timing); then the second file has none.
    const after = (key: string, check: () => number) => before(key) === batches * 500 ? 0 : check();
    assert.equal(
      before("sim") +
        after("sim", () => assertSignalValues(columnsOf(second, "sim"), before("sim"))),
      batches * 500,
    );
    const name = SECOND.name;
    assert.equal(
      before(name) +
        after(
          name,
          () => assertSignalValues(columnsOf(second, name), before(name), RATE_HZ, SECOND),
        ),
      batches * 500,
    );
    await assert.rejects(Deno.lstat(`/dev/shm/daq-${id}-h5.rings`), Deno.errors.NotFound);
  });
});

Deno.test("store.hdf5: records a previous run left in a per-key ring file are written first", async () => {
  await withRun(async (dir, id) => {
    // A ring file of key "old" (no longer among the store's sources) with 3 unread batches.
    const rings = `/dev/shm/daq-${id}-h5.rings`;
    await Deno.mkdir(rings);
    const schema = new arrow.Schema(
      [
        new arrow.Field("timestamp_ns", new arrow.Int64()),
        new arrow.Field("x", new arrow.Float64()),
      ],
      new Map([["daq.source", "old"]]),
    );
    const writer = createRingFile(`${rings}/old.ring`, { schema, capacityBytes: 1 << 20 });
    for (let b = 0; b < 3; b++) {
      const ts = BigInt64Array.from({ length: 100 }, (_, i) => BigInt(b * 100 + i));
      const x = Float64Array.from({ length: 100 }, (_, i) => (b * 100 + i) / 4);
      writer.write(
        new arrow.RecordBatch(
          schema,
          arrow.makeData({
            type: new arrow.Struct(schema.fields),
            length: 100,
            children: [
              arrow.makeData({ type: new arrow.Int64(), data: ts }),
              arrow.makeData({ type: new arrow.Float64(), data: x }),
            ],
          }),
        ),
      );
    }
    writer.close();
    const r = await runConfig(dir, twoSourceConfig({ id, maxBatches: 20 }));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes(`${rings}/old.ring holds 3 records`), r.stderr);
    const file = await readH5(h5Files(`${dir}/data/${FIRST_RUN}/h5`)[0]);
    assert.equal(file.attrs.complete, 1);
    assert.deepEqual(file.data["old/x"], Array.from({ length: 300 }, (_, i) => i / 4));
    assert.deepEqual(file.data["old/timestamp_ns"], Array.from({ length: 300 }, (_, i) => `${i}`));
    assert.equal(assertSignalValues(columnsOf(file, "sim")), 20 * 500);
    await assert.rejects(Deno.lstat(rings), Deno.errors.NotFound);
  });
});

Deno.test("store.hdf5: a foreign file at ring_path fails the job with its path; other jobs go on", async () => {
  await withRun(async (dir, id) => {
    const stale = `${dir}/stale.ring`;
    await Deno.writeFile(stale, new Uint8Array(4096).fill(7));
    const r = await runConfig(
      dir,
      hdf5Config({
        id,
        source: "max_batches = 20",
        store: `ring_path = "${stale}"`,
        extraJobs: '[[jobs]]\ntype = "store.csv"\nname = "csv"\ninputs = ["sim"]',
      }),
    );
    assert.equal(r.code, 2, r.stderr);
    assert.ok(
      r.stderr.includes(`${stale} exists but is not a usable daq ring file`),
      r.stderr,
    );
    assert.match(r.stderr, /bad magic/);
    assert.match(r.stderr, /failed for good: h5/);
    assert.equal((await Deno.readFile(stale))[0], 7, "the foreign file is left alone");
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    assert.equal(last.jobs.find((j) => j.name === "csv")!.rows, 20 * 500);
    assert.equal(last.jobs.find((j) => j.name === "csv")!.state, "finished");
  });
});

Deno.test("store.hdf5: a read-only out_dir fails the job with the path; no file claims to be whole", async (t) => {
  await withRun(async (dir, id) => {
    const out = `${dir}/ro`;
    await withTmpfs(t, out, "ro,size=1m", async () => {
      const r = await runConfig(
        dir,
        hdf5Config({ id, source: "max_batches = 20", store: `out_dir = "${out}"` }),
        ["--duration", "6s"],
      );
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(out), r.stderr);
      assert.match(r.stderr, /Hdf5WriteError/);
      assert.match(r.stderr, /failed for good: h5/);
      assert.equal(h5Files(out).length, 0);
    });
  });
});

Deno.test("store.hdf5: a full disk fails the job with the path; the file stays complete = 0", async (t) => {
  await withRun(async (dir, id) => {
    const out = `${dir}/small`;
    await withTmpfs(t, out, "size=256k", async () => {
      const r = await runConfig(
        dir,
        hdf5Config({ id, source: "max_batches = 100", store: `out_dir = "${out}"` }),
        ["--duration", "8s"],
      );
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /No space left on device/);
      assert.ok(r.stderr.includes(out), r.stderr);
      const files = h5Files(out);
      assert.ok(files.length >= 1);
      for (const f of files) {
        const check = await new Deno.Command(PYTHON, {
          args: [
            "-c",
            "import sys,h5py\nf=h5py.File(sys.argv[1],'r',swmr=True)\nprint(f.attrs.get('complete', 0))",
            f,
          ],
        }).output();
        // Unreadable (cut short) or readable with complete = 0: never a file that looks whole.
        if (check.success) assert.equal(new TextDecoder().decode(check.stdout).trim(), "0", f);
      }
    });
  });
});

Deno.test("daq check: store.hdf5 gets ffi and read/write on its folder, ring file and one /tmp folder; no env", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/lab.toml`, hdf5Config({ id: "chk" }));
    const r = await runDaq(["check", `${dir}/lab.toml`]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    const at = lines.findIndex((l) => l.includes("h5 (store.hdf5, store)"));
    const src = new URL("../../../../src", import.meta.url).pathname;
    const modules = new URL("../../../../node_modules", import.meta.url).pathname;
    await Deno.writeTextFile(`${dir}/two.toml`, twoSourceConfig({ id: "chk", maxBatches: 1 }));
    const two = await runDaq(["check", `${dir}/two.toml`]);
    assert.equal(two.code, 0, two.stderr);
    const twoLine = two.stdout.split("\n").find((l) => l.includes("h5 (store.hdf5, store)"))!;
    // Not all of the environment (h5wasm sees a stub), not all of /tmp (one folder for its
    // temporary files).
    assert.equal(
      twoLine.trim(),
      "h5 (store.hdf5, store) permissions: " +
        `read=data/h5:/dev/shm/daq-chk-h5.rings:/tmp/daq-chk-h5.h5tmp:${src}:${modules} ` +
        "write=data/h5:/dev/shm/daq-chk-h5.rings:/tmp/daq-chk-h5.h5tmp " +
        "env=MSGPACKR_NATIVE_ACCELERATION_DISABLED ffi",
    );
    assert.equal(
      lines[at].trim(),
      "h5 (store.hdf5, store) permissions: " +
        `read=data/h5:/dev/shm/daq-chk-h5.ring:/tmp/daq-chk-h5.h5tmp:${src}:${modules} ` +
        "write=data/h5:/dev/shm/daq-chk-h5.ring:/tmp/daq-chk-h5.h5tmp " +
        "env=MSGPACKR_NATIVE_ACCELERATION_DISABLED ffi",
    );
    // Each permission with the reason for it.
    assert.deepEqual(lines.slice(at + 1, at + 5).map((l) => l.trim().split(":")[0]), [
      "read",
      "write",
      "env",
      "ffi",
    ]);
    assert.match(lines[at + 3], /h5wasm gets a stub environment/);
    assert.match(lines[at + 4], /libc for the memory-mapped ring file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
