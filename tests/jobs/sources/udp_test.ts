// The `udp` job end to end: `daq run` (udp -> store.hdf5) against the simulated digitizer
// with planted faults; counters equal what was planted, values read back with h5py.
import assert from "node:assert/strict";
import { runDaq, runLabArgs, spawnDaq } from "../../_daq.ts";
import { freePort } from "../../remote/_helpers.ts";
import { PYTHON, runSimUdp } from "../../instruments/_sim.ts";
import { csvRows, lastStats, until } from "./_instruments.ts";

Deno.test("udp: planted gaps, swaps, duplicates and malformed packets counted as planted; values in HDF5 as sent", async () => {
  const dir = await Deno.makeTempDir();
  const port = freePort();
  try {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      `[supervisor]
id = "udp-${crypto.randomUUID().slice(0, 8)}"
stats_interval = "100ms"
[[jobs]]
type = "udp"
name = "digitizer"
listen = "udp://127.0.0.1:${port}"
byte_order = "little"
sequence = "seq"
batch_rows = 512
batch_interval = "10ms"
[[jobs.fields]]
name = "seq"
type = "uint32"
[[jobs.fields]]
name = "t_ns"
type = "uint64"
unit = "ns"
[[jobs.fields]]
name = "adc"
type = "int16"
count = 256
unit = "count"
[[jobs]]
type = "store.hdf5"
name = "h5"
inputs = ["digitizer"]
ring_path = "${dir}/h5.ring"
flush_interval = "200ms"
`,
    );
    const child = spawnDaq(runLabArgs(dir));
    await until(
      async () =>
        (await lastStats(`${dir}/stats.ndjson`))?.jobs[0].extra.receive_buffer !== undefined,
      20_000,
      "the socket",
    );
    const planted = await runSimUdp([
      "--port",
      String(port),
      "--packets",
      "20000",
      "--plant",
      "--seed",
      "11",
      "--rate",
      "20000",
    ]);
    await until(
      async () => (await lastStats(`${dir}/stats.ndjson`))?.jobs[0].extra.packets === planted.sent,
      20_000,
      "every packet",
    );
    child.kill("SIGINT");
    const done = await child.output();
    assert.equal(done.code, 0, new TextDecoder().decode(done.stderr));
    const last = (await lastStats(`${dir}/stats.ndjson`))!;
    const udp = last.jobs.find((j) => j.name === "digitizer")!.extra;
    assert.deepEqual(
      [udp.packets, udp.malformed, udp.gaps, udp.reordered, udp.duplicates, udp.kernel_drops],
      [planted.sent, planted.malformed, planted.gaps, planted.reordered, planted.duplicates, 0],
    );
    assert.ok(
      planted.gaps > 10 && planted.reordered > 10 && planted.duplicates > 10 &&
        planted.malformed > 10,
    );
    const rows = planted.sent - planted.malformed;
    assert.equal(udp.rows, rows);
    assert.equal(last.jobs.find((j) => j.name === "h5")!.extra.hdf5_rows, rows);
    const files = [...Deno.readDirSync(`${dir}/data/run000001/h5`)].map((e) =>
      `${dir}/data/run000001/h5/${e.name}`
    );
    const check = await new Deno.Command(PYTHON, {
      args: [
        "-c",
        `
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
g = f["digitizer"]
seq = g["seq"][:].astype(np.int64)
assert g["adc"].shape == (len(seq), 256), g["adc"].shape
assert g["adc"].dtype == np.int16 and g["seq"].dtype == np.uint32 and g["t_ns"].dtype == np.uint64
assert (g["t_ns"][:].astype(object) == [10**15 + 1000 * int(s) for s in seq]).all()
want = ((seq[:, None] * 31 + np.arange(256)[None, :] * 7) % 65536 - 32768).astype(np.int16)
assert (g["adc"][:] == want).all()
ts = g["timestamp_ns"][:]
assert (np.diff(ts) >= 0).all()
assert g["adc"].attrs["unit"] == "count"
print(len(seq), len(set(seq.tolist())))
`,
        ...files,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
    const [n, unique] = new TextDecoder().decode(check.stdout).trim().split(" ").map(Number);
    assert.equal(n, rows);
    assert.equal(unique, rows - planted.duplicates);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("udp on IPv6: listen = udp://[::1]:PORT takes what is sent to ::1, granted net [::1]:PORT", async () => {
  const dir = await Deno.makeTempDir();
  const port = freePort();
  try {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      `[supervisor]
id = "udp6-${crypto.randomUUID().slice(0, 8)}"
stats_interval = "100ms"
[[jobs]]
type = "udp"
name = "digitizer"
listen = "udp://[::1]:${port}"
sequence = "seq"
batch_interval = "10ms"
[[jobs.fields]]
name = "seq"
type = "uint32"
[[jobs.fields]]
name = "t_ns"
type = "uint64"
[[jobs.fields]]
name = "adc"
type = "int16"
[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["digitizer"]
flush_interval = "100ms"
`,
    );
    const check = await runDaq(["check", `${dir}/lab.toml`]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(
      check.stdout,
      new RegExp(`digitizer \\(udp, source\\) sends=digitizer permissions: net=\\[::1\\]:${port}`),
    );
    const child = spawnDaq(runLabArgs(dir));
    await until(
      async () =>
        (await lastStats(`${dir}/stats.ndjson`))?.jobs[0].extra.receive_buffer !== undefined,
      20_000,
      "the socket",
    );
    const sent = await runSimUdp([
      "--host",
      "::1",
      "--port",
      String(port),
      "--packets",
      "500",
      "--count",
      "1",
      "--rate",
      "20000",
    ]);
    assert.equal(sent.sent, 500);
    await until(
      async () => (await lastStats(`${dir}/stats.ndjson`))?.jobs[0].extra.packets === 500,
      20_000,
      "every packet",
    );
    child.kill("SIGINT");
    const done = await child.output();
    const stderr = new TextDecoder().decode(done.stderr);
    assert.equal(done.code, 0, stderr);
    assert.match(stderr, new RegExp(`listening on udp://\\[::1\\]:${port}, 14-byte packets`));
    const udp = (await lastStats(`${dir}/stats.ndjson`))!.jobs[0].extra;
    assert.deepEqual([udp.malformed, udp.gaps, udp.reordered, udp.duplicates], [0, 0, 0, 0]);
    const { header, rows } = await csvRows(`${dir}/data/run000001/csv`);
    assert.deepEqual(header, ["timestamp_ns", "seq", "t_ns", "adc"]);
    assert.deepEqual(
      rows.map((r) => r.slice(1).map(Number)),
      Array.from({ length: 500 }, (_, s) => [s, 1e15 + 1000 * s, ((s * 31) % 65536) - 32768]),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
