// End to end: `daq run` A (signal -> remote) -> `daq proxy` -> `daq run` B (remote -> store.csv),
// all real processes on 127.0.0.1.
import assert from "node:assert/strict";
import { FIRST_RUN, runDaq, signalJob } from "../../../_daq.ts";
import { freePort } from "../../../remote/_helpers.ts";
import { type ChannelSpec, signalValue } from "../../../../src/jobs/sources/signal.ts";
import { peerLines } from "../../../../src/cli/status.ts";
import { h5Files, readH5 } from "../../stores/hdf5/_live_run.ts";
import { csvOf, jobOf, startDaq as start, startProxy, statsOf, until } from "./_run.ts";

const CHANNELS: ChannelSpec[] = [
  { name: "sine", shape: "sine", freq_hz: 50, amplitude: 2, offset: 0.5, unit: "V" },
  { name: "noise", shape: "noise", freq_hz: 1, amplitude: 0.1, offset: 0, unit: "V" },
];

/** The test's `signal` job: CHANNELS at `rateHz`, `batches` batches of `rows` rows. */
function signalSource(o: { rateHz: number; rows: number; batches: number; seed: number }): string {
  return signalJob({
    seed: o.seed,
    rateHz: o.rateHz,
    batchRows: o.rows,
    maxBatches: o.batches,
    channels: CHANNELS,
  });
}

const SUPERVISOR = (id: string) => `
[supervisor]
id = "${id}"
stats_interval = "50ms"
restart_limit = 0
`;

const CSV_STORE = `
[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["sim"]
date_in_name = false
`;

/** `daq run <dir>/<name>.toml` with data in `<dir>/<NAME>` and stats in `<dir>/<name>.ndjson`. */
function supervisorArgs(dir: string, name: string): string[] {
  const config = `${dir}/${name}.toml`;
  return [
    "run",
    config,
    "--data-dir",
    `${dir}/${name.toUpperCase()}`,
    "--stats-json",
    `${dir}/${name}.ndjson`,
  ];
}

/** Checks that `rows` are samples 0.. of the signal, in order, by value and timestamp step. */
function assertSignalRows(rows: string[][], rateHz: number, seed: number) {
  const t0 = BigInt(rows[0][0]);
  const stepNs = BigInt(1e9 / rateHz);
  for (let i = 0; i < rows.length; i++) {
    assert.equal(BigInt(rows[i][0]) - t0, BigInt(i) * stepNs, `timestamp of row ${i}`);
    CHANNELS.forEach((ch, c) => {
      assert.equal(
        Number(rows[i][c + 1]),
        signalValue(ch, i, rateHz, seed),
        `${ch.name}, row ${i}`,
      );
    });
  }
}

/** Supervisor A: the deterministic source and a link publishing "sim" to `xsub`. */
function uplinkConfig(signal: Parameters<typeof signalSource>[0], xsub: number): string {
  return SUPERVISOR("A") + signalSource(signal) + `
[[jobs]]
type = "remote"
name = "uplink"
inputs = ["sim"]
publish_endpoint = "tcp://127.0.0.1:${xsub}"
on_hwm = "block"
heartbeat_interval = "100ms"
`;
}

/** Supervisor B's link taking "sim" from `xpub` (append its stores). */
function downlinkConfig(xpub: number): string {
  return SUPERVISOR("B") + `
[[jobs]]
type = "remote"
name = "downlink"
subscribe_endpoints = ["tcp://127.0.0.1:${xpub}"]
subscribe = ["sim"]
heartbeat_interval = "100ms"
`;
}

Deno.test("remote: supervisor A -> daq proxy -> supervisor B stores every row, in order, as a local run does", async () => {
  const dir = await Deno.makeTempDir();
  const signal = { rateHz: 20000, rows: 500, batches: 40, seed: 11 };
  const proxy = await startProxy(dir);
  try {
    await Deno.writeTextFile(
      `${dir}/a.toml`,
      uplinkConfig(signal, proxy.ports.xsub),
    );
    await Deno.writeTextFile(
      `${dir}/b.toml`,
      downlinkConfig(proxy.ports.xpub) + `
# Would send what B got from A back to the proxy: a link never publishes link data.
[[jobs]]
type = "remote"
name = "relay"
inputs = ["sim"]
publish_endpoint = "tcp://127.0.0.1:${proxy.ports.xsub}"
on_hwm = "drop"

[[jobs]]
type = "store.hdf5"
name = "h5"
inputs = ["sim"]
date_in_name = false
flush_interval = "100ms"
ring_path = "${dir}/h5.ring"
` + CSV_STORE,
    );
    await Deno.writeTextFile(
      `${dir}/local.toml`,
      SUPERVISOR("L") + signalSource(signal) + CSV_STORE,
    );
    const b = start(supervisorArgs(dir, "b"));
    const local = runDaq(["run", `${dir}/local.toml`, "--data-dir", `${dir}/L`]);
    await until(
      "B's subscription at the proxy",
      async () => (await proxy.subscribers()) >= 1,
    );
    const a = await runDaq(supervisorArgs(dir, "a"));
    assert.equal(a.code, 0, a.stderr);
    const rows = signal.rows * signal.batches;
    await until(
      "B's CSV store to take every row",
      async () => jobOf((await statsOf(`${dir}/b.ndjson`)).at(-1), "csv")?.rows === rows,
    );
    const bEnd = await b.stop();
    assert.equal(bEnd.code, 0, bEnd.stderr);
    assert.equal((await local).code, 0);

    const remote = await csvOf(`${dir}/B/${FIRST_RUN}/csv`);
    const here = await csvOf(`${dir}/L/${FIRST_RUN}/csv`);
    assert.equal(remote.header, "timestamp_ns,sine,noise");
    assert.equal(remote.header, here.header);
    assert.equal(remote.rows.length, rows);
    assert.equal(here.rows.length, rows);
    assertSignalRows(remote.rows, signal.rateHz, signal.seed);
    // Row for row what a local run writes (timestamps counted from each run's start).
    const t0r = BigInt(remote.rows[0][0]);
    const t0l = BigInt(here.rows[0][0]);
    for (let i = 0; i < rows; i++) {
      assert.deepEqual(
        [String(BigInt(remote.rows[i][0]) - t0r), ...remote.rows[i].slice(1)],
        [String(BigInt(here.rows[i][0]) - t0l), ...here.rows[i].slice(1)],
        `row ${i}`,
      );
    }

    const aLast = (await statsOf(`${dir}/a.ndjson`)).at(-1)!;
    const bLast = (await statsOf(`${dir}/b.ndjson`)).at(-1)!;
    const up = jobOf(aLast, "uplink")!.extra;
    const down = jobOf(bLast, "downlink")!.extra;
    assert.equal(up.link_msgs_out, signal.batches);
    assert.equal(up.link_hwm_drops, 0);
    assert.equal(up.on_hwm_drop, 0);
    assert.equal(down.link_msgs_in, signal.batches);
    assert.equal(down.link_bytes_in, up.link_bytes_out);
    assert.equal(down.link_gaps + down.link_duplicates, 0);
    assert.equal(down["peer.A.msgs"], signal.batches, "per-origin count");
    // What the link injected reaches the stores marked with its origin supervisor, and the
    // HDF5 file says where its rows came from.
    assert.equal(jobOf(bLast, "csv")!.extra["origin.A.msgs"], signal.batches);
    const [h5] = h5Files(`${dir}/B/${FIRST_RUN}/h5`);
    const file = await readH5(h5);
    assert.equal(file.groupAttrs.sim.origin, "A");
    assert.equal(file.data["sim/sine"].length, rows);
    assert.equal(jobOf(aLast, "uplink")!.extra["origin.A.msgs"], undefined, "local: no origin");
    const relay = jobOf(bLast, "relay")!.extra;
    assert.equal(relay.link_msgs_out, 0, "no echo");
    assert.equal(relay.link_skipped, signal.batches);
    assert.equal(relay.on_hwm_drop, 1);
    assert.ok(bLast.routes.some((r) => r.key === "sim" && r.from === "downlink" && r.to === "csv"));
    assert.match(
      peerLines(bLast).join("\n"),
      /^downlink peers: A \((alive|silent), \d+\.\d s ago, 40 msgs\); gaps 0$/,
    );
  } finally {
    await proxy.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote: the proxy killed and restarted mid-run; both sides reconnect, received + gaps = sent", async () => {
  const dir = await Deno.makeTempDir();
  const signal = { rateHz: 2000, rows: 20, batches: 300, seed: 5 };
  let proxy = await startProxy(dir);
  const ports = proxy.ports;
  try {
    await Deno.writeTextFile(
      `${dir}/a.toml`,
      uplinkConfig(signal, ports.xsub),
    );
    await Deno.writeTextFile(
      `${dir}/b.toml`,
      downlinkConfig(ports.xpub) + CSV_STORE,
    );
    const b = start(supervisorArgs(dir, "b"));
    await until(
      "B's subscription at the proxy",
      async () => (await proxy.subscribers()) >= 1,
    );
    const a = start(supervisorArgs(dir, "a"));
    await until(
      "A to publish 60 batches",
      async () =>
        (jobOf((await statsOf(`${dir}/a.ndjson`)).at(-1), "uplink")?.extra.link_msgs_out ?? 0) >=
          60,
    );
    const killed = await proxy.stop("SIGKILL");
    assert.notEqual(killed.code, 0);
    await new Promise((r) => setTimeout(r, 300));
    proxy = await startProxy(dir, ports);

    const aEnd = await a.exit();
    assert.equal(aEnd.code, 0, aEnd.stderr);
    const up = jobOf((await statsOf(`${dir}/a.ndjson`)).at(-1), "uplink")!.extra;
    assert.equal(up.link_msgs_out, signal.batches, "A handed every batch to ZeroMQ (block)");
    const downOf = async () => jobOf((await statsOf(`${dir}/b.ndjson`)).at(-1), "downlink")!;
    await until("B to account for every batch A sent", async () => {
      const e = (await downOf()).extra;
      return e.link_msgs_in + e.link_gaps === signal.batches;
    });
    const bEnd = await b.stop();
    assert.equal(bEnd.code, 0, bEnd.stderr);
    const down = await downOf();
    assert.equal(down.restarts, 0, "no crash");
    assert.equal(down.state, "finished");
    assert.equal(down.extra.link_duplicates, 0);
    assert.ok(down.extra.link_msgs_in > 60, "messages after the restart arrived");
    assert.equal(
      down.extra.link_gaps > 0,
      /gaps [1-9]/.test(peerLines((await statsOf(`${dir}/b.ndjson`)).at(-1)!).join()),
    );
    console.log(`   gaps counted at B: ${down.extra.link_gaps} of ${signal.batches} batches`);

    // What arrived is in order and exactly what A generated, rows of lost batches aside.
    const { rows } = await csvOf(`${dir}/B/${FIRST_RUN}/csv`);
    assert.equal(rows.length, down.extra.link_msgs_in * signal.rows);
    const t0 = BigInt(rows[0][0]);
    const stepNs = BigInt(1e9 / signal.rateHz);
    let previous = -1;
    for (const row of rows) {
      const index = Number((BigInt(row[0]) - t0) / stepNs);
      assert.ok(index > previous, `row ${index} after row ${previous}`);
      previous = index;
      assert.equal(Number(row[1]), signalValue(CHANNELS[0], index, signal.rateHz, signal.seed));
    }
    assert.equal(previous, signal.rows * signal.batches - 1, "the last row arrived");
  } finally {
    await proxy.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote: CURVE with an allow-list at the proxy; a peer with wrong keys gets nothing", async () => {
  const { generateKeyPair } = await import("../../../../src/remote/mod.ts");
  const { curveKeyFileText } = await import("../../../../src/remote/mod.ts");
  const dir = await Deno.makeTempDir();
  const keys: Record<string, { publicKey: string; secretKey: string }> = {};
  for (const who of ["proxy", "A", "B", "C"]) {
    keys[who] = generateKeyPair();
    await Deno.writeTextFile(`${dir}/${who}.keys`, curveKeyFileText(keys[who]));
  }
  const ports = { xsub: freePort(), xpub: freePort() };
  const statsFile = `${dir}/proxy.ndjson`;
  const proxy = start([
    "proxy",
    ...["--xsub", `tcp://127.0.0.1:${ports.xsub}`, "--xpub", `tcp://127.0.0.1:${ports.xpub}`],
    ...["--stats-json", statsFile, "--curve-keys", `${dir}/proxy.keys`],
    ...["--allow-key", keys.A.publicKey, "--allow-key", keys.B.publicKey],
  ]);
  const subscribers = async () =>
    (await statsOf<{ subscribers: number }>(statsFile)).at(-1)?.subscribers ?? 0;
  const signal = { rateHz: 10000, rows: 100, batches: 20, seed: 2 };
  const curve = (who: string) =>
    `curve_server_key = ${
      JSON.stringify(keys.proxy.publicKey)
    }\ncurve_keys_file = "${dir}/${who}.keys"`;
  const subscriber = async (who: string, security: string) => {
    await Deno.writeTextFile(
      `${dir}/${who}.toml`,
      SUPERVISOR(who) + `
[[jobs]]
type = "remote"
name = "downlink"
subscribe_endpoints = ["tcp://127.0.0.1:${ports.xpub}"]
subscribe = ["sim"]
heartbeat_interval = "100ms"
${security}
` + CSV_STORE,
    );
    return start(supervisorArgs(dir, who));
  };
  try {
    const b = await subscriber("B", curve("B"));
    const c = await subscriber("C", curve("C")); // knows the server key; its own key is not allowed
    const d = await subscriber("D", ""); // no CURVE at all
    await until("B's subscription at the proxy", async () => (await subscribers()) >= 1);
    await Deno.writeTextFile(
      `${dir}/a.toml`,
      SUPERVISOR("A") + signalSource(signal) + `
[[jobs]]
type = "remote"
name = "uplink"
inputs = ["sim"]
publish_endpoint = "tcp://127.0.0.1:${ports.xsub}"
on_hwm = "block"
${curve("A")}
`,
    );
    const a = await runDaq(["run", `${dir}/a.toml`, "--data-dir", `${dir}/A`]);
    assert.equal(a.code, 0, a.stderr);
    const rows = signal.rows * signal.batches;
    await until(
      "B's CSV store to take every row",
      async () => jobOf((await statsOf(`${dir}/B.ndjson`)).at(-1), "csv")?.rows === rows,
    );
    await new Promise((r) => setTimeout(r, 300));
    // While all three are connected (once they stop, a later stats line counts none).
    assert.equal(await subscribers(), 1, "the proxy counts B only");
    for (const child of [b, c, d]) assert.equal((await child.stop()).code, 0);
    for (const who of ["C", "D"]) {
      const last = (await statsOf(`${dir}/${who}.ndjson`)).at(-1)!;
      const down = jobOf(last, "downlink")!;
      assert.equal(down.extra.link_msgs_in ?? 0, 0, `${who} received nothing`);
      assert.equal(down.extra.peers ?? 0, 0, `${who} heard no peer`);
      assert.equal(jobOf(last, "csv")!.rows, 0);
    }
    const good = jobOf((await statsOf(`${dir}/B.ndjson`)).at(-1), "downlink")!.extra;
    assert.equal(good.link_msgs_in, signal.batches);
    assert.equal(good["peer.A.msgs"], signal.batches);
    const csvText = await Deno.readTextFile(`${dir}/B/${FIRST_RUN}/csv/csv_001.csv`);
    assert.ok(csvText.includes(`${dir}/B.keys`), "the key file is recorded by path");
    assert.ok(!csvText.includes(keys.B.secretKey), "never the secret key itself");
  } finally {
    await proxy.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
