// End to end, a hostile peer: forged and malformed wire messages sent with pyzmq through
// `daq proxy` into `daq run` B (remote -> store.csv), all real processes on 127.0.0.1. Every
// bad message is skipped and counted, the first of each kind logged; the valid messages
// around them are stored, and only they.
import assert from "node:assert/strict";
import { peerLines } from "../../../../src/cli/status.ts";
import { batchFields, signalPayload, withInt64 } from "../../../arrow/_payloads.ts";
import { FIRST_RUN, runDaq } from "../../../_daq.ts";
import { freePort } from "../../../remote/_helpers.ts";
import { csvOf, jobOf, startDaq, startProxy, statsOf, until } from "./_run.ts";

const PYTHON = "/usr/bin/python3";
const FORGE = new URL("../../../remote/_forge.py", import.meta.url).pathname;

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

interface Forged {
  topic: string;
  /** Seconds to wait after sending it (default 0.01). */
  pause?: number;
  header?: Record<string, unknown>;
  header_hex?: string;
  frames: ({ hex: string } | { zeros: number })[];
}

/** One wire message on "sim" from `origin` carrying `payload` (or the given frames). */
function message(
  seq: number,
  payload: Uint8Array | { zeros: number },
  o: { origin?: string; type?: string } = {},
): Forged {
  return {
    topic: "sim",
    header: { v: 1, origin: o.origin ?? "F", session: 77, seq, type: o.type ?? "arrow", count: 1 },
    frames: [payload instanceof Uint8Array ? { hex: hex(payload) } : payload],
  };
}

/** Sends `messages` with pyzmq to the proxy's XSUB port; resolves when they are out. */
async function forge(dir: string, xsub: number, messages: Forged[]): Promise<void> {
  const plan = `${dir}/forge-${Date.now()}.json`;
  await Deno.writeTextFile(
    plan,
    JSON.stringify({ endpoint: `tcp://127.0.0.1:${xsub}`, delay: 0.1, messages }),
  );
  const out = await new Deno.Command(PYTHON, { args: [FORGE, plan], stderr: "piped" }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

/** B: a link taking "sim" from the proxy into a CSV store; `extra` lines in each job's table. */
function receiverConfig(xpub: number, extra = { link: "", csv: "" }): string {
  return `
[supervisor]
id = "B"
stats_interval = "50ms"
restart_limit = 0

[[jobs]]
type = "remote"
name = "downlink"
subscribe_endpoints = ["tcp://127.0.0.1:${xpub}"]
subscribe = ["sim"]
heartbeat_interval = "100ms"
${extra.link}

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["sim"]
date_in_name = false
${extra.csv}
`;
}

/** Starts B and waits until its subscription reached the proxy. */
async function startReceiver(
  dir: string,
  proxy: Awaited<ReturnType<typeof startProxy>>,
  extra?: { link: string; csv: string },
) {
  await Deno.writeTextFile(`${dir}/b.toml`, receiverConfig(proxy.ports.xpub, extra));
  const b = startDaq([
    ...["run", `${dir}/b.toml`, "--data-dir", `${dir}/B`, "--stats-json", `${dir}/b.ndjson`],
  ]);
  await until(
    "B's subscription at the proxy",
    async () => (await proxy.subscribers()) >= 1,
    30_000,
  );
  return b;
}

Deno.test("remote: forged and malformed messages are skipped and counted; the valid ones around them are stored", async () => {
  const dir = await Deno.makeTempDir();
  const proxy = await startProxy(dir);
  try {
    const b = await startReceiver(dir, proxy, {
      link: 'max_message_size = "1MiB"',
      csv: 'ring_size = "64KiB"',
    });
    const good = (first: number) => signalPayload(100, first);
    const f = batchFields(good(0));
    const metaLength = new DataView(good(0).buffer).getInt32(f.metaLength, true);
    let claim = withInt64(good(0), f.rowCount, 1_000_000n);
    for (const node of f.nodes) claim = withInt64(claim, node, 1_000_000n);
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 7919) % 251);
    const messages: Forged[] = [
      message(1, good(0)),
      // It made the receiving link's Worker spin forever.
      message(2, withInt64(good(0), f.bodyLength, BigInt(-(8 + metaLength)))),
      message(3, garbage),
      message(4, good(0).subarray(0, 300)),
      // It made the stores write 999,900 rows of zeros.
      message(5, claim),
      // Over max_message_size: dropped before it is decoded, so seq 6 shows as one gap too.
      message(6, { zeros: 2 * 1024 * 1024 }),
      message(7, good(100)),
      { topic: "sim", header_hex: "c1c1c1", frames: [{ hex: hex(good(0)) }] },
      message(1, good(9000), { origin: "B" }), // B's own id: an echo, never stored
      message(8, Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff]), { type: "msgpack" }),
      // A forged header far ahead: its payload is well formed and stored (nothing tells it
      // from a genuine one without CURVE), but the genuine numbering after it goes on.
      message(2 ** 53 - 2, signalPayload(1, 5000)),
      message(9, good(200)),
      message(10, good(300)),
      message(11, good(400)),
      // Well formed, but larger than the CSV store's ring can ever hold (it crashed the link).
      message(12, signalPayload(5000, 600)),
      message(13, good(500)),
    ];
    await forge(dir, proxy.ports.xsub, messages);
    const expected = [
      ...Array.from({ length: 200 }, (_, i) => i),
      5000,
      ...Array.from({ length: 400 }, (_, i) => 200 + i),
    ];
    await until(
      "B's CSV store to take the valid rows",
      async () => jobOf((await statsOf(`${dir}/b.ndjson`)).at(-1), "csv")?.rows === expected.length,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    const end = await b.stop();
    assert.equal(end.code, 0, end.stderr);

    const { header, rows } = await csvOf(`${dir}/B/${FIRST_RUN}/csv`);
    assert.equal(header, "timestamp_ns,v");
    assert.deepEqual(rows.map((r) => Number(r[0]) / 1000), expected);
    assert.deepEqual(rows.map((r) => Number(r[1])), expected.map((i) => i / 4));

    const last = (await statsOf(`${dir}/b.ndjson`)).at(-1)!;
    const down = jobOf(last, "downlink")!;
    assert.equal(down.restarts, 0, "the link never crashed");
    assert.equal(down.state, "finished");
    assert.equal(down.extra.link_malformed, 8);
    assert.equal(down.extra.link_own_echoes, 1);
    assert.equal(down.extra.link_seq_jumps, 2, "the jump ahead and the return");
    assert.equal(down.extra.link_gaps, 1, "seq 6, dropped undecoded");
    assert.equal(down.extra.link_duplicates, 0);
    assert.equal(down.extra.link_msgs_in, 8, "the one too large for the ring included");
    assert.equal(jobOf(last, "csv")!.restarts, 0);
    assert.match(
      peerLines(last).join("\n"),
      /^downlink peers: F \(.*\); gaps 1; malformed 8; own echoes 1; seq jumps 2$/,
    );
    // The first of each kind is logged, saying what was wrong; not every one.
    const warnings = end.stderr.split("\n").filter((l) => l.includes("downlink"));
    const once = (pattern: RegExp) =>
      assert.equal(warnings.filter((l) => pattern.test(l)).length, 1, `${pattern}: ${end.stderr}`);
    once(/Arrow payload: message 1 .*bodyLength = -\d+ is outside 0..2\^53-1/);
    once(/over the limit of 1048576 bytes \(max_message_size\)/);
    once(/wire header: not valid msgpack/);
    once(/msgpack payload: a container of 4294967295 values/);
    once(/carry this supervisor's own id "B".*link_own_echoes/);
    once(/sequence number 9007199254740990 after 8.*link_seq_jumps/);
    once(/record of \d+ bytes does not fit a ring of \d+ bytes .*raise ring_size.*link_malformed/);
    assert.equal(warnings.filter((l) => /Arrow payload/.test(l)).length, 1, "one line per kind");
  } finally {
    await proxy.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote: a frame over the default 64 MiB limit is skipped; the link goes on", async () => {
  const dir = await Deno.makeTempDir();
  const proxy = await startProxy(dir);
  try {
    const b = await startReceiver(dir, proxy);
    await forge(dir, proxy.ports.xsub, [
      message(1, signalPayload(100, 0)),
      message(2, { zeros: 64 * 1024 * 1024 + 1 }),
      message(3, signalPayload(100, 100)),
    ]);
    await until(
      "B's CSV store to take both valid batches",
      async () => jobOf((await statsOf(`${dir}/b.ndjson`)).at(-1), "csv")?.rows === 200,
      30_000,
    );
    const end = await b.stop();
    assert.equal(end.code, 0, end.stderr);
    const down = jobOf((await statsOf(`${dir}/b.ndjson`)).at(-1), "downlink")!;
    assert.equal(down.restarts, 0);
    assert.equal(down.extra.link_malformed, 1);
    assert.match(end.stderr, /wire message of 67108\d+ bytes .* over the limit of 67108864 bytes/);
  } finally {
    await proxy.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote: a flood of forged origins is bounded: 255 peers tracked, the rest skipped and counted", async () => {
  const dir = await Deno.makeTempDir();
  const proxy = await startProxy(dir);
  try {
    const b = await startReceiver(dir, proxy);
    const row = signalPayload(1, 7);
    await forge(
      dir,
      proxy.ports.xsub,
      Array.from(
        { length: 260 },
        (_, i) => ({ ...message(1, row, { origin: `o${i}` }), pause: 0 }),
      ),
    );
    await until(
      "B's CSV store to take a row from each of 255 peers",
      async () => jobOf((await statsOf(`${dir}/b.ndjson`)).at(-1), "csv")?.rows === 255,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    const end = await b.stop();
    assert.equal(end.code, 0, end.stderr);
    const last = (await statsOf(`${dir}/b.ndjson`)).at(-1)!;
    const down = jobOf(last, "downlink")!;
    assert.equal(down.restarts, 0, "the link never crashed (the origin table holds 255)");
    assert.equal(down.extra.peers, 255);
    assert.equal(down.extra.link_malformed, 5);
    assert.equal(jobOf(last, "csv")!.rows, 255);
    assert.match(end.stderr, /origin "o255": more than 255 peers; skipped and counted/);
  } finally {
    await proxy.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote: a link binding beyond loopback without CURVE warns at start; on loopback it does not", async () => {
  const dir = await Deno.makeTempDir();
  const run = async (endpoint: string) => {
    await Deno.writeTextFile(
      `${dir}/bind.toml`,
      `
[supervisor]
id = "A"

[[jobs]]
type = "remote"
name = "uplink"
publish_endpoint = "${endpoint}"
publish_bind = true
on_hwm = "drop"
`,
    );
    const result = await runDaq(["run", `${dir}/bind.toml`, "--duration", "1s"]);
    assert.equal(result.code, 0, result.stderr);
    return result.stderr;
  };
  try {
    assert.match(
      await run(`tcp://*:${freePort()}`),
      /warn: \[uplink\] tcp:\/\/\*:\d+ listens beyond loopback without CURVE \(curve_keys_file\)/,
    );
    assert.doesNotMatch(await run(`tcp://127.0.0.1:${freePort()}`), /beyond loopback/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
