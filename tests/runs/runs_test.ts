import assert from "node:assert/strict";
import { FIRST_RUN, runDaq, signalJob } from "../_daq.ts";
import type { RunManifest } from "../../src/runs/mod.ts";

function config(extra = ""): string {
  return `
[supervisor]
id = "runs"
stats_interval = "50ms"
${
    signalJob({
      seed: 5,
      rateHz: 20000,
      batchRows: 200,
      maxBatches: 30,
      channels: [{ name: "sine", shape: "sine", freq_hz: 5, amplitude: 1, offset: 0, unit: "V" }],
    })
  }
[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["sim"]
date_in_name = false

[[jobs]]
type = "store.root"
name = "root"
inputs = ["sim"]

[[jobs]]
type = "store.hdf5"
name = "h5"
inputs = ["sim"]
ring_path = "RING"
ring_file_size = "1MiB"

[[jobs]]
type = "store.parquet"
name = "parquet"
inputs = ["sim"]

[[jobs]]
type = "store.arrow"
name = "arrow"
inputs = ["sim"]
${extra}
`;
}

async function sha256sum(path: string): Promise<string> {
  const out = await new Deno.Command("sha256sum", { args: [path], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split(" ")[0];
}

Deno.test("daq run: numbered runs with manifests whose hashes match sha256sum; daq verify passes, then names a changed file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/lab.toml`, config().replace("RING", `${dir}/h5.ring`));
    const first = await runDaq([
      "run",
      `${dir}/lab.toml`,
      "--data-dir",
      `${dir}/data`,
      "--comment",
      "first light",
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, new RegExp(`run 1: ${dir}/data/${FIRST_RUN}`));
    const m: RunManifest = JSON.parse(
      await Deno.readTextFile(`${dir}/data/${FIRST_RUN}/manifest.json`),
    );
    assert.equal(m.format, "daq-run-manifest");
    assert.equal(m.run, 1);
    assert.equal(m.status, "success");
    assert.equal(m.comment, "first light");
    assert.equal(m.host, Deno.hostname());
    assert.equal(m.denoVersion, Deno.version.deno);
    assert.ok(BigInt(m.stop!.ns) > BigInt(m.start!.ns));
    assert.equal(new Date(m.start!.utc).getTime(), Number(BigInt(m.start!.ns) / 1_000_000n));
    assert.equal(m.jobs.sim.rows, 30 * 200);
    assert.equal(m.jobs.csv.rows, 30 * 200);
    assert.equal(m.jobs.csv.drops + m.jobs.csv.gaps + m.jobs.csv.lostRecords, 0);
    assert.deepEqual(
      m.routes.map((r) => [r.key, r.to, r.messages, r.messagesRead, r.unread]).sort(),
      [
        ["sim", "arrow", 30, 30, 0],
        ["sim", "csv", 30, 30, 0],
        ["sim", "h5", 30, 30, 0],
        ["sim", "parquet", 30, 30, 0],
        ["sim", "root", 30, 30, 0],
      ],
    );
    assert.equal(m.instruments.sim, "daq signal simulator, seed 5, 20000 Hz");
    assert.equal((m.config as { supervisor: { id: string } }).supervisor.id, "runs");
    const paths = m.files.map((f) => f.path).sort();
    assert.ok(paths.includes("csv/csv_001.csv"), paths.join());
    assert.ok(paths.some((p) => p.startsWith("root/") && p.endsWith(".root")), paths.join());
    assert.ok(paths.some((p) => p.startsWith("h5/") && p.endsWith(".h5")), paths.join());
    assert.ok(paths.some((p) => p.startsWith("parquet/")), paths.join());
    assert.ok(paths.some((p) => p.startsWith("arrow/")), paths.join());
    // Every store reported its files with their rows.
    for (const f of m.files) {
      assert.equal(f.rows, 30 * 200, `${f.path} rows`);
      assert.equal(f.job, f.path.split("/")[0], `${f.path} job`);
    }
    for (const f of m.files) {
      const path = `${dir}/data/${FIRST_RUN}/${f.path}`;
      assert.equal(f.sha256, await sha256sum(path), f.path);
      assert.equal(f.bytes, (await Deno.stat(path)).size, f.path);
    }
    const ok = await runDaq(["verify", `${dir}/data/${FIRST_RUN}`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /run 1 .*: \d+ files match manifest\.json \(status success\)/);

    const second = await runDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`]);
    assert.equal(second.code, 0, second.stderr);
    const m2: RunManifest = JSON.parse(
      await Deno.readTextFile(`${dir}/data/run000002/manifest.json`),
    );
    assert.equal(m2.run, 2);
    assert.equal(m2.comment, "");

    // One byte of the CSV changed: verify names it and exits 1; the other run still passes.
    const csv = `${dir}/data/${FIRST_RUN}/csv/csv_001.csv`;
    const bytes = await Deno.readFile(csv);
    bytes[bytes.length - 2] ^= 1;
    await Deno.writeFile(csv, bytes);
    const bad = await runDaq(["verify", FIRST_RUN, "2", "--data-dir", `${dir}/data`]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(
      bad.stderr,
      /MISMATCH .*run000001\/csv\/csv_001\.csv: SHA-256 [0-9a-f]{64}, manifest says/,
    );
    assert.match(bad.stderr, /run 1 .*: 1 of \d+ files do not match/);
    assert.match(bad.stdout, /run 2 .*files match/);
    await Deno.remove(`${dir}/data/run000002/csv/csv_001.csv`);
    const gone = await runDaq(["verify", `${dir}/data/run000002`]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /MISMATCH .*csv_001\.csv: cannot read/);
    const none = await runDaq(["verify", "run000009", "--data-dir", `${dir}/data`]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no run folder run000009/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq run: a run folder deleted does not give its number again; run_dir names the folders", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      config().replace('id = "runs"', 'id = "runs"\nrun_dir = "scan-{number:03}"')
        .replace("RING", `${dir}/h5.ring`),
    );
    for (const n of [1, 2]) {
      const r = await runDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok((await Deno.stat(`${dir}/data/scan-00${n}/manifest.json`)).isFile);
    }
    await Deno.remove(`${dir}/data/scan-002`, { recursive: true });
    const r = await runDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`]);
    assert.equal(r.code, 0, r.stderr);
    const m: RunManifest = JSON.parse(
      await Deno.readTextFile(`${dir}/data/scan-003/manifest.json`),
    );
    assert.equal(m.run, 3);
    await Deno.writeTextFile(
      `${dir}/bad.toml`,
      config().replace('id = "runs"', 'id = "runs"\nrun_dir = "../up{number}"')
        .replace("RING", `${dir}/h5.ring`),
    );
    const bad = await runDaq(["check", `${dir}/bad.toml`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /supervisor\.run_dir: .*placeholder/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
