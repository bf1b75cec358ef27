// `daq proxy` and `daq keygen` as real processes.
import assert from "node:assert/strict";
import { runDaq, spawnDaq } from "../_daq.ts";
import { fixture, freePort, spawnDeno } from "../remote/_helpers.ts";
import { readCurveKeyFile } from "../../src/remote/mod.ts";

async function waitForFile(path: string, lines: number, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await Deno.readTextFile(path).catch(() => "");
    const got = text.split("\n").filter((l) => l.endsWith("}"));
    if (got.length >= lines) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lines} lines in ${path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`daq proxy: live stats, ${signal} stops it cleanly (exit 0)`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const xsub = `tcp://127.0.0.1:${freePort()}`;
      const xpub = `tcp://127.0.0.1:${freePort()}`;
      const child = spawnDaq([
        "proxy",
        "--xsub",
        xsub,
        "--xpub",
        xpub,
        "--stats-json",
        `${dir}/s.ndjson`,
      ]);
      const stderr = new Response(child.stderr).text();
      await waitForFile(`${dir}/s.ndjson`, 1);
      child.kill(signal);
      const status = await child.status;
      await child.stdout.cancel();
      const text = await stderr;
      assert.equal(status.code, 0, text);
      assert.match(text, new RegExp(`publishers connect to ${xsub}, subscribers to ${xpub}`));
      assert.match(text, /proxy \d+\.\d s: 0 msgs\/s, 0\.00 MB\/s, 0 subscribers/);
      assert.match(text, /daq proxy: stopped; 0 messages, 0 bytes forwarded/);
      const last = JSON.parse((await waitForFile(`${dir}/s.ndjson`, 2)).at(-1)!);
      assert.equal(last.engine, "loop");
      assert.equal(last.subscribers, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("daq proxy: a port in use or a malformed endpoint exits 1 naming it", async () => {
  const port = freePort();
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  try {
    const inUse = await runDaq([
      "proxy",
      ...["--xsub", `tcp://127.0.0.1:${freePort()}`, "--xpub", `tcp://127.0.0.1:${port}`],
    ]);
    assert.equal(inUse.code, 1);
    assert.match(
      inUse.stderr,
      new RegExp(
        `ZeroMQ endpoint "tcp://127\\.0\\.0\\.1:${port}": cannot bind: address already in use`,
      ),
    );
  } finally {
    listener.close();
  }
  const malformed = await runDaq(["proxy", "--xsub", "127.0.0.1:5556"]);
  assert.equal(malformed.code, 1);
  assert.match(malformed.stderr, /ZeroMQ endpoint "127\.0\.0\.1:5556": malformed/);
  const usage = await runDaq(["proxy", "--allow-key", "x".repeat(40)]);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /--allow-key needs --curve-keys/);
});

Deno.test("daq proxy --engine native: every message through, in order; no drop mode", async () => {
  const ports = { xsub: freePort(), xpub: freePort() };
  const dir = await Deno.makeTempDir();
  const child = spawnDaq([
    "proxy",
    ...["--engine", "native", "--xsub", `tcp://127.0.0.1:${ports.xsub}`],
    ...["--xpub", `tcp://127.0.0.1:${ports.xpub}`, "--stats-json", `${dir}/s.ndjson`],
  ]);
  const stderr = new Response(child.stderr).text();
  // Bound before anyone publishes: a loaded machine took longer to start it than the
  // publisher's delay, and everything sent meanwhile was lost.
  await waitForFile(`${dir}/s.ndjson`, 1, 30_000);
  const sub = spawnDeno(fixture("_sub_main.ts"), [JSON.stringify({
    endpoints: [`tcp://127.0.0.1:${ports.xpub}`],
    topics: ["ev"],
    origin: "B",
    expect: 5000,
  })]);
  await sub.next("ready");
  const pub = spawnDeno(fixture("_pub_main.ts"), [JSON.stringify({
    endpoint: `tcp://127.0.0.1:${ports.xsub}`,
    origin: "A",
    topic: "ev",
    count: 5000,
    startDelayMs: 1000,
  })]);
  const summary = await sub.next("summary", 30_000);
  await pub.next("done");
  child.kill("SIGTERM");
  const status = await child.status;
  await child.stdout.cancel();
  await Deno.remove(dir, { recursive: true });
  const text = await stderr;
  for (const fixtureChild of [sub, pub]) assert.equal((await fixtureChild.exit()).code, 0);
  assert.equal(status.code, 0, text);
  assert.match(text, /native engine \(ZeroMQ's own proxy: no message counters/);
  assert.equal(summary.received, 5000);
  assert.equal(summary.inOrder, true);
  assert.equal(summary.payloadsMatch, true);
  assert.equal((summary.stats as { gaps: number }).gaps, 0);

  const drop = await runDaq(["proxy", "--engine", "native", "--on-hwm", "drop"]);
  assert.equal(drop.code, 1);
  assert.match(drop.stderr, /--engine native cannot count drops/);
  const unknown = await runDaq(["proxy", "--engine", "zmq"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /--engine: expected "loop" or "native", got "zmq"/);
});

Deno.test("daq keygen: a key file for curve_keys_file and --curve-keys, never overwritten", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const printed = await runDaq(["keygen"]);
    assert.equal(printed.code, 0);
    assert.match(printed.stdout, /^public_key = "[^"]{40}"\nsecret_key = "[^"]{40}"$/m);
    const out = `${dir}/lab.keys`;
    const written = await runDaq(["keygen", "--out", out]);
    assert.equal(written.code, 0, written.stderr);
    const pair = readCurveKeyFile(out);
    assert.equal(written.stdout.trim(), `public_key = "${pair.publicKey}"`);
    assert.notEqual(pair.publicKey, pair.secretKey);
    assert.equal((await Deno.stat(out)).mode! & 0o777, 0o600);
    const again = await runDaq(["keygen", "--out", out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /--out .*lab\.keys: cannot write: File exists/);
    assert.deepEqual(readCurveKeyFile(out), pair);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq proxy: listening beyond loopback without CURVE warns at start; loopback or CURVE does not", async () => {
  const dir = await Deno.makeTempDir();
  const run = async (xsub: string, xpub: string, extra: string[] = []) => {
    const stats = `${dir}/s-${freePort()}.ndjson`;
    const child = spawnDaq([
      ...["proxy", "--xsub", xsub, "--xpub", xpub, "--stats-json", stats, "--quiet", ...extra],
    ]);
    const stderr = new Response(child.stderr).text();
    await waitForFile(stats, 1);
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    await child.stdout.cancel();
    return await stderr;
  };
  try {
    const open = `tcp://*:${freePort()}`;
    const warned = await run(open, `tcp://127.0.0.1:${freePort()}`);
    assert.match(
      warned,
      new RegExp(
        `daq proxy: warning: tcp://\\*:\\d+ listens beyond loopback without CURVE \\(--curve-keys\\)`,
      ),
    );
    assert.equal(warned.match(/warning/g)?.length, 1, "only the endpoint beyond loopback");
    assert.doesNotMatch(
      await run(`tcp://127.0.0.1:${freePort()}`, `tcp://localhost:${freePort()}`),
      /warning/,
    );
    const keys = `${dir}/proxy.keys`;
    assert.equal((await runDaq(["keygen", "--out", keys])).code, 0);
    assert.doesNotMatch(
      await run(`tcp://*:${freePort()}`, `tcp://0.0.0.0:${freePort()}`, ["--curve-keys", keys]),
      /warning/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
