// store.hdf5 end to end against ring files that others break or plant (issue #16): a filesystem
// too small for the ring, a ring truncated while daq runs, a second run with the same supervisor
// id, a ring file planted by another user, a symlinked folder of ring files.
import assert from "node:assert/strict";
import * as arrow from "apache-arrow";
import { createRingFile } from "../../../../src/dataplane/mod.ts";
import { FIRST_RUN, runDaq, spawnDaq } from "../../../_daq.ts";
import {
  assertSignalValues,
  columnsOf,
  h5Files,
  hdf5Config,
  RATE_HZ,
  readH5,
  runConfig,
  startLiveRun,
  twoSourceConfig,
  waitFor,
  withRun,
} from "./_live_run.ts";
import { withTmpfs } from "../../../dataplane/_helpers.ts";

/** Rows of every HDF5 file under `dir` (0 when there are none). */
async function storedRows(dir: string): Promise<number> {
  let rows = 0;
  for (const f of h5Files(dir)) {
    const file = await readH5(f).catch(() => undefined);
    for (const values of Object.values(file ? columnsOf(file) : {})) rows = values.length;
  }
  return rows;
}

Deno.test("store.hdf5: a ring file its filesystem cannot hold fails at start naming the sizes, not SIGBUS", async (t) => {
  await withRun(async (dir, id) => {
    const shm = `${dir}/shm`;
    await withTmpfs(t, shm, "size=8m", async () => {
      // The default 100 MiB ring on an 8 MiB tmpfs (Docker's /dev/shm is 64 MiB).
      const ring = `${shm}/daq.ring`;
      const r = await runConfig(
        dir,
        hdf5Config({ id, source: "max_batches = 50", store: `ring_path = "${ring}"` }),
        ["--duration", "10s"],
      );
      assert.equal(r.code, 2, `exit ${r.code} (135 is SIGBUS): ${r.stderr}`);
      assert.ok(r.stderr.includes(`${ring}: cannot reserve`), r.stderr);
      assert.match(r.stderr, /cannot reserve 1048\d{5} bytes for the ring file/);
      assert.match(r.stderr, /the filesystem has \d+ bytes free/);
      assert.match(r.stderr, /failed for good: h5/);
      assert.deepEqual([...Deno.readDirSync(shm)], [], "no ring file is left behind");
    });
  });
});

Deno.test("store.hdf5: a ring truncated while daq runs fails the job with the path, not SIGBUS", async () => {
  await withRun(async (dir, id) => {
    // 4 batches a second: the truncation lands between writes, where it is found before the
    // next one (a truncation during a write's few microseconds cannot be caught; guarantees.md).
    const run = await startLiveRun(dir, id, 2000);
    await new Promise((r) => setTimeout(r, 600));
    await Deno.truncate(run.ring, 4096);
    // The job fails, its restart refuses the damaged ring and gives up; the source goes on.
    await new Promise((r) => setTimeout(r, 4000));
    const out = await run.stop();
    const stderr = out.stderr;
    assert.equal(out.code, 2, `exit ${out.code} (135 is SIGBUS): ${stderr}`);
    assert.ok(stderr.includes(`${run.ring}: the ring file shrank to 4096 bytes`), stderr);
    // The restarted job does not take the damaged ring for a leftover: it names it.
    assert.ok(stderr.includes(`${run.ring} exists but is not a usable daq ring file`), stderr);
    assert.match(stderr, /failed for good: h5/);
  });
});

Deno.test("store.hdf5: a second run with the same supervisor id refuses the live ring; the first is untouched", async () => {
  await withRun(async (dir, id) => {
    const first = await startLiveRun(dir, id, 20000);
    try {
      await Deno.mkdir(`${dir}/second`);
      await Deno.writeTextFile(
        `${dir}/second/lab.toml`,
        await Deno.readTextFile(`${dir}/lab.toml`),
      );
      const second = await runDaq(
        ["run", `${dir}/second/lab.toml`, "--data-dir", `${dir}/second/data`, "--duration", "5s"],
      );
      assert.equal(second.code, 2, second.stderr);
      assert.ok(
        second.stderr.includes(
          `${first.ring}: in use: another daq (writer pid ${first.child.pid}) holds this ring file's lock`,
        ),
        second.stderr,
      );
      assert.equal(
        await storedRows(`${dir}/second/data/${FIRST_RUN}/h5`),
        0,
        "the second run stored nothing",
      );
      assert.ok((await Deno.stat(first.ring)).isFile, "the first run's ring is still there");
    } finally {
      const { code, stderr } = await first.stop();
      assert.equal(code, 0, stderr);
    }
    // The first run's file holds its own rows once each, in order (no takeover, no duplicates),
    // and its stop removed its own ring.
    const files = h5Files(`${dir}/data/${FIRST_RUN}/h5`);
    assert.equal(files.length, 1);
    const file = await readH5(files[0]);
    assert.equal(file.attrs.complete, 1);
    assert.ok(assertSignalValues(columnsOf(file), 0, 20000) > 0);
    await assert.rejects(Deno.lstat(first.ring), Deno.errors.NotFound);
  });
});

Deno.test("store.hdf5: a ring file planted by another user is refused, never stored as this run's data", async (t) => {
  await withRun(async (dir, id) => {
    const ring = `/dev/shm/daq-${id}-h5.ring`;
    const schema = new arrow.Schema(
      [new arrow.Field("timestamp_ns", new arrow.Int64(), false)],
      new Map([["daq.source", "sim"]]),
    );
    const planted = createRingFile(ring, { schema, capacityBytes: 1 << 16 });
    planted.writeColumns(3, [new BigInt64Array([666n, 667n, 668n])]);
    planted.close();
    try {
      Deno.chownSync(ring, 65534, 65534);
    } catch {
      await t.step({
        name: "needs root to give a file to another user",
        ignore: true,
        fn: () => {},
      });
      return;
    }
    const before = await Deno.readFile(ring);
    const r = await runConfig(dir, hdf5Config({ id, source: "max_batches = 20" }));
    assert.equal(r.code, 2, r.stderr);
    assert.ok(
      r.stderr.includes(`${ring}: belongs to uid 65534, not to this user (uid ${Deno.uid()})`),
      r.stderr,
    );
    assert.doesNotMatch(r.stderr, /previous run did not write/);
    for (const f of h5Files(`${dir}/data/${FIRST_RUN}/h5`)) {
      const file = await readH5(f);
      assert.ok(!JSON.stringify(file.data).includes("666"), `${f} holds the planted rows`);
    }
    assert.deepEqual(await Deno.readFile(ring), before, "the planted file is left alone");
  });
});

Deno.test("store.hdf5: a symlinked folder of ring files is refused, naming it", async () => {
  await withRun(async (dir, id) => {
    const elsewhere = `${dir}/elsewhere`;
    await Deno.mkdir(elsewhere);
    const rings = `/dev/shm/daq-${id}-h5.rings`;
    await Deno.symlink(elsewhere, rings);
    const r = await runConfig(dir, twoSourceConfig({ id, maxBatches: 20 }));
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`${rings}: is a symbolic link`), r.stderr);
    assert.deepEqual([...Deno.readDirSync(elsewhere)], [], "nothing was written through the link");
    assert.ok((await Deno.lstat(rings)).isSymlink, "the link is left alone");
  });
});

Deno.test("store.hdf5: after SIGKILL the next run takes over the ring (its lock died too) and writes every record left in it", async () => {
  await withRun(async (dir, id) => {
    // The flusher of the first run never gets to write (10 s interval): all it took stays in
    // the ring file when the process is killed.
    const config = (batches: string) =>
      hdf5Config({ id, source: batches, store: 'flush_interval = "10s"' });
    await Deno.writeTextFile(`${dir}/lab.toml`, config(""));
    const killed = spawnDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`, "--quiet"]);
    const ring = `/dev/shm/daq-${id}-h5.ring`;
    await waitFor(async () => (await ringRecords(ring)) >= 20, 20000, `records in ${ring}`);
    killed.kill("SIGKILL");
    const status = await killed.status;
    assert.equal(status.signal, "SIGKILL");
    await killed.stdout.cancel();
    await killed.stderr.cancel();
    const { ringStatus } = await import("../../../../src/dataplane/mod.ts");
    const left = ringStatus(ring);
    assert.ok(!left.writerClosed && left.uncommittedBytes > 0);

    const r = await runConfig(dir, config("max_batches = 10"));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.stderr.includes(
        `${ring} holds ${left.uncommittedBytes} bytes of records (its writer was stopped without ` +
          `closing it) that a previous run did not write to HDF5: writing them first`,
      ),
      r.stderr,
    );
    const runs = [...Deno.readDirSync(`${dir}/data`)].map((e) => e.name).filter((n) =>
      n.startsWith("run")
    ).sort();
    const files = h5Files(`${dir}/data/${runs.at(-1)}/h5`);
    assert.equal(files.length, 1, files.join(", "));
    const file = await readH5(files[0]);
    assert.equal(file.attrs.complete, 1);
    // First every row the killed run had put in its ring, from its first sample on, once each
    // (at least as many as its last published count); then this run's own rows.
    const columns = columnsOf(file);
    const ts = columns.timestamp_ns.map((t) => BigInt(t));
    let split = 1;
    while (split < ts.length && ts[split] - ts[split - 1] === BigInt(1e9 / RATE_HZ)) split++;
    const slice = (from: number, to: number) =>
      Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v.slice(from, to)]));
    assert.ok(split >= left.recordsWritten * 500, `${split} rows from the killed run`);
    assert.equal(split % 500, 0);
    assert.equal(assertSignalValues(slice(0, split)), split);
    assert.equal(assertSignalValues(slice(split, Infinity)), 10 * 500);
  });
});

/** Records written into the ring file at `path` so far (0 while it is not there). */
async function ringRecords(path: string): Promise<number> {
  const { ringStatus } = await import("../../../../src/dataplane/mod.ts");
  try {
    const s = ringStatus(path);
    return s.writeHead === 0 ? 0 : s.recordsWritten;
  } catch {
    return 0;
  }
}
