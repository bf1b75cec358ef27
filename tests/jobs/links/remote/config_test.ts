// The `remote` job's config checks, and a bind that fails at run time.
import assert from "node:assert/strict";
import { readStats, runDaq } from "../../../_daq.ts";
import { freePort } from "../../../remote/_helpers.ts";
import { parseConfigFiles } from "../../../../src/config/load.ts";
import { ConfigError } from "../../../../src/config/errors.ts";
import { BUILTIN_JOB_TYPES } from "../../../../src/jobs/catalogue.ts";

const SOURCE = `
[supervisor]
id = "A"
stats_interval = "50ms"
restart_limit = 0

[[jobs]]
type = "signal"
name = "sim"
rate_hz = 10000
batch_rows = 100
max_batches = 20

[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["sim"]
`;

function link(lines: string): string {
  return `${SOURCE}
[[jobs]]
type = "remote"
name = "uplink"
inputs = ["sim"]
${lines}
`;
}

function problemOf(text: string): string {
  try {
    parseConfigFiles([{ file: "lab.toml", text }], { jobTypes: BUILTIN_JOB_TYPES });
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return "no error";
}

Deno.test("remote config: malformed endpoints and missing keys are config errors naming key and value", () => {
  const cases: [string, RegExp][] = [
    [
      'publish_endpoint = "tcp://127.0.0.1"\non_hwm = "block"',
      /lab\.toml:\d+: jobs\[2\]\.publish_endpoint: ZeroMQ endpoint "tcp:\/\/127\.0\.0\.1": malformed/,
    ],
    [
      'publish_endpoint = "tcp://127.0.0.1:70000"\non_hwm = "block"',
      /publish_endpoint: ZeroMQ endpoint "tcp:\/\/127\.0\.0\.1:70000": port 70000 is out of range/,
    ],
    [
      'subscribe_endpoints = ["tcp://h:1", "udp://h:2"]\nsubscribe = ["x"]',
      /jobs\[2\]\.subscribe_endpoints\[1\]: ZeroMQ endpoint "udp:\/\/h:2": malformed/,
    ],
    ['publish_endpoint = "tcp://127.0.0.1:5556"', /on_hwm: missing: .*"block" or "drop"/],
    [
      'publish_endpoint = "tcp://h:1"\non_hwm = "lose"',
      /on_hwm: expected one of "block", "drop", got "lose"/,
    ],
    ['subscribe = ["other"]', /subscribe_endpoints: missing: where to subscribe to "other"/],
    ["", /publish_endpoint: a remote job needs publish_endpoint, subscribe_endpoints or both/],
    [
      'publish_endpoint = "tcp://h:1"\non_hwm = "drop"\ncurve_server_key = "short"',
      /curve_server_key: expected a 40-character Z85 key/,
    ],
    [
      'publish_endpoint = "tcp://h:1"\non_hwm = "drop"\ncurve_keys_file = "k.toml"',
      /curve_server_key: missing: curve_keys_file is set/,
    ],
  ];
  for (const [lines, expected] of cases) assert.match(problemOf(link(lines)), expected, lines);
  // A link sends the keys it subscribes to: a local store may take them.
  const ok = parseConfigFiles([{
    file: "b.toml",
    text: `
[[jobs]]
type = "remote"
name = "downlink"
subscribe_endpoints = ["tcp://proxy:5557"]
subscribe = ["sim", "temps"]

[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["temps"]
`,
  }], { jobTypes: BUILTIN_JOB_TYPES });
  assert.deepEqual(ok.routes.map((r) => [r.key, r.from, r.to]), [["temps", "downlink", "mem"]]);
});

Deno.test("remote config: daq run exits 1 naming a malformed endpoint", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      link('publish_endpoint = "tcp://127.0.0.1:"\non_hwm = "block"'),
    );
    const r = await runDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /config error: .*lab\.toml:\d+: jobs\[2\]\.publish_endpoint: ZeroMQ endpoint "tcp:\/\/127\.0\.0\.1:": malformed/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote: a publish endpoint in use fails the link naming it; the other jobs run on (exit 2)", async () => {
  const dir = await Deno.makeTempDir();
  const port = freePort();
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  try {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      link(`publish_endpoint = "tcp://127.0.0.1:${port}"\npublish_bind = true\non_hwm = "block"`),
    );
    const r = await runDaq([
      "run",
      `${dir}/lab.toml`,
      ...["--data-dir", `${dir}/data`, "--stats-json", `${dir}/stats.ndjson`],
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `\\[uplink\\] crashed: RemoteEndpointError: ZeroMQ endpoint "tcp://127\\.0\\.0\\.1:${port}": cannot bind: address already in use`,
      ),
    );
    assert.match(r.stderr, /failed for good: uplink/);
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    const byName = Object.fromEntries(last.jobs.map((j) => [j.name, j]));
    assert.equal(byName.uplink.state, "failed");
    assert.equal(byName.mem.rows, 2000, "the store got every row");
    assert.equal(byName.sim.state, "finished");
  } finally {
    listener.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq check: a remote link may load zeromq's add-on only, and says why it needs each grant", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      link('publish_endpoint = "tcp://127.0.0.1:5556"\non_hwm = "drop"'),
    );
    const r = await runDaq(["check", `${dir}/lab.toml`]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    const at = lines.findIndex((l) => l.includes("(remote, link) permissions:"));
    const zeromq = new URL("../../../../node_modules/zeromq", import.meta.url).pathname;
    // ffi for the one library (it used to be ffi for any), never net (zeromq ignores it).
    assert.ok(lines[at].endsWith(` ffi=${zeromq}`), lines[at]);
    assert.doesNotMatch(lines[at], /\bnet\b|write=/);
    assert.deepEqual(lines.slice(at + 1, at + 4).map((l) => l.trim().split(":")[0]), [
      "read",
      "env",
      "ffi",
    ]);
    assert.match(lines[at + 3], /zeromq's native add-on, the one library it may load/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
