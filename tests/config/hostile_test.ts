// Configs that used to pass `daq check` and then lose, invent or misplace data, or that made
// the loader hang or run out of memory (issue #16): each is now a clear ConfigError.
import assert from "node:assert/strict";
import { CONFIG_LIMITS, ConfigError, loadConfig, parseConfigFiles } from "../../src/config/mod.ts";
import { BUILTIN_JOB_TYPES } from "../../src/jobs/catalogue.ts";
import { runDaq } from "../_daq.ts";

const GOOD = `
[supervisor]
id = "lab"

[[jobs]]
type = "signal"
name = "sim"
rate_hz = 1000

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["sim"]
`;

function errorOf(text: string, options: { dataDir?: string } = {}): ConfigError {
  try {
    parseConfigFiles([{ file: "lab.toml", text }], { jobTypes: BUILTIN_JOB_TYPES, ...options });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    return e;
  }
  assert.fail("config was accepted");
}

const long = "x".repeat(300);
const BAD: [string, string, string][] = [
  [
    "job name ..",
    GOOD.replace('name = "csv"', 'name = ".."'),
    'lab.toml:12: jobs[1].name: expected a name of up to 64 letters, digits, "_", "-" or "." (not "." or ".."), got ".."',
  ],
  ["job name .", GOOD.replace('name = "csv"', 'name = "."'), "jobs[1].name: expected a name of"],
  [
    "300-character job name",
    GOOD.replace('name = "csv"', `name = "${long}"`),
    `lab.toml:12: jobs[1].name: expected a name of up to 64 letters, digits, "_", "-" or "." (not "." or ".."), got "${
      "x".repeat(60)
    }..." (300 characters)`,
  ],
  [
    "300-character supervisor id",
    GOOD.replace('id = "lab"', `id = "${long}"`),
    "lab.toml:3: supervisor.id: expected a name of up to 64",
  ],
  [
    "route key with a slash",
    GOOD.replace("rate_hz = 1000", 'rate_hz = 1000\nroute = "a/b"'),
    'lab.toml:9: jobs[0].route: expected a name of up to 64 letters, digits, "_", "-" or "." (not "." or ".."), got "a/b"',
  ],
  [
    "input pattern with a slash",
    GOOD.replace('inputs = ["sim"]', 'inputs = ["sim", "../x*"]'),
    'lab.toml:13: jobs[1].inputs[1]: expected route key (up to 64 letters, digits, "_", "-" or "." (not "." or "..")), or a prefix of one followed by "*", got "../x*"',
  ],
  [
    "empty data_dir",
    GOOD.replace('id = "lab"', 'id = "lab"\ndata_dir = ""'),
    "lab.toml:4: supervisor.data_dir: expected a non-empty string",
  ],
  [
    "data_dir the root",
    GOOD.replace('id = "lab"', 'id = "lab"\ndata_dir = "//"'),
    'lab.toml:4: supervisor.data_dir: expected a folder other than the root, got "//"',
  ],
  [
    "NUL in a string",
    GOOD.replace('id = "lab"', 'id = "lab"\ndata_dir = "a\\u0000b"'),
    'lab.toml:4: supervisor.data_dir: expected a non-empty string without control characters, got "a\\u0000b"',
  ],
  [
    "newline in a string",
    GOOD.replace('inputs = ["sim"]', 'inputs = ["sim"]\nout_dir = "a\\nb"'),
    "lab.toml:14: jobs[1].out_dir: expected a non-empty string without control characters",
  ],
  [
    "ring_size 64GiB",
    GOOD.replace('inputs = ["sim"]', 'inputs = ["sim"]\nring_size = "64GiB"'),
    'lab.toml:14: jobs[1].ring_size: expected a size such as "64MiB", "512KiB", "1GB" (at least 64KiB, at most 1GiB), got "64GiB"',
  ],
  [
    "rotate_size beyond any disk",
    GOOD.replace('inputs = ["sim"]', 'inputs = ["sim"]\nrotate_size = "99999999GiB"'),
    "jobs[1].rotate_size: expected a size such as",
  ],
  [
    "a duration past what a timer can wait",
    GOOD.replace('id = "lab"', 'id = "lab"\nstats_interval = "1000h"'),
    'lab.toml:4: supervisor.stats_interval: expected a duration such as "100ms", "10s", "5min", at most 596h, got "1000h"',
  ],
  [
    "a float as an integer past 2^53",
    GOOD.replace("rate_hz = 1000", "rate_hz = 1000\nseed = 1e300"),
    "lab.toml:9: jobs[0].seed: expected an integer",
  ],
  [
    "too many channels",
    GOOD.replace(
      "rate_hz = 1000",
      "rate_hz = 1000\n" + '[[jobs.channels]]\nname = "c"\nshape = "sine"\n'.repeat(1025),
    ),
    "jobs[0].channels: expected at most 1024 tables, got 1025",
  ],
  [
    "too many inputs",
    GOOD.replace('inputs = ["sim"]', `inputs = [${'"sim",'.repeat(1025)}]`),
    "jobs[1].inputs: expected a list of at most 1024",
  ],
  [
    "a channel named timestamp_ns",
    GOOD.replace(
      "rate_hz = 1000",
      'rate_hz = 1000\n[[jobs.channels]]\nname = "timestamp_ns"\nshape = "sine"',
    ),
    'lab.toml:10: jobs[0].channels[0].name: "timestamp_ns" is the time column every signal sends; give the channel another name',
  ],
  [
    "two channels of one name",
    GOOD.replace(
      "rate_hz = 1000",
      'rate_hz = 1000\n[[jobs.channels]]\nname = "v"\nshape = "sine"\n[[jobs.channels]]\nname = "v"\nshape = "noise"',
    ),
    'lab.toml:13: jobs[0].channels[1].name: "v" is already the name of channels[0]',
  ],
  [
    "a 300-character channel name",
    GOOD.replace(
      "rate_hz = 1000",
      `rate_hz = 1000\n[[jobs.channels]]\nname = "${long}"\nshape = "sine"`,
    ),
    "lab.toml:10: jobs[0].channels[0].name: expected a column name of at most 255 characters",
  ],
  [
    "a batch larger than its ring",
    GOOD.replace("rate_hz = 1000", "rate_hz = 1000\nbatch_rows = 100000").replace(
      'inputs = ["sim"]',
      'inputs = ["sim"]\nring_size = "1MiB"',
    ),
    'lab.toml:15: jobs[1].ring_size: a ring of 1MiB takes messages of at most 524264 bytes; job "sim" sends messages of 2400656 bytes; raise ring_size to at least 8MiB',
  ],
  [
    "a prefix with a slash",
    GOOD.replace('inputs = ["sim"]', 'inputs = ["sim"]\nprefix = "../x"'),
    'lab.toml:14: jobs[1].prefix: expected a name of up to 64 letters, digits, "_", "-" or "." (not "." or ".."), got "../x"',
  ],
  [
    "zlib level 22",
    GOOD.replace('type = "store.csv"', 'type = "store.root"').replace(
      'inputs = ["sim"]',
      'inputs = ["sim"]\ncompression = "zlib"\ncompression_level = 22',
    ),
    "lab.toml:15: jobs[1].compression_level: expected 1 to 9 for zlib, got 22",
  ],
  [
    "a slash in an HDF5 column name",
    GOOD.replace(
      "rate_hz = 1000",
      'rate_hz = 1000\n[[jobs.channels]]\nname = "a/b"\nshape = "sine"',
    )
      .replace('type = "store.csv"', 'type = "store.hdf5"'),
    'lab.toml:16: jobs[1].inputs: job "sim" sends column "a/b": an HDF5 name cannot hold "/" or be "." or ".."',
  ],
  [
    "a ring file smaller than one batch",
    GOOD.replace("rate_hz = 1000", "rate_hz = 1000\nbatch_rows = 10000")
      .replace('type = "store.csv"', 'type = "store.hdf5"')
      .replace(
        'inputs = ["sim"]',
        'inputs = ["sim"]\nring_size = "4MiB"\nring_file_size = "64KiB"',
      ),
    'lab.toml:16: jobs[1].ring_file_size: a ring file of 65536 bytes takes records of at most 16352 bytes (a quarter of it, less a header); job "sim" sends batches of up to 240656 bytes; raise ring_file_size to at least 941KiB',
  ],
];

for (const [what, text, expected] of BAD) {
  Deno.test(`config (hostile): ${what} is a config error`, () => {
    const msg = errorOf(text).message;
    assert.ok(msg.includes(expected), `message:\n  ${msg}\ndoes not include:\n  ${expected}`);
  });
}

Deno.test("config (hostile): 10,000 jobs are refused before any is resolved", () => {
  const jobs = Array.from(
    { length: 10_000 },
    (_, i) => `[[jobs]]\ntype = "signal"\nname = "s${i}"\n`,
  ).join("");
  const e = errorOf(jobs);
  assert.equal(e.message, `lab.toml:1: jobs: more than ${CONFIG_LIMITS.jobs} jobs`);
});

Deno.test("config (hostile): routes are bounded in all", () => {
  const producers = Array.from(
    { length: 100 },
    (_, i) => `[[jobs]]\ntype = "signal"\nname = "s${i}"\n`,
  ).join("");
  const stores = Array.from(
    { length: 50 },
    (_, i) => `[[jobs]]\ntype = "store.null"\nname = "n${i}"\ninputs = ["s*"]\n`,
  ).join("");
  const e = errorOf(producers + stores);
  assert.match(e.message, /jobs\[\d+\]\.inputs\[0\]: more than 4096 routes in all/);
});

Deno.test("config (hostile): overlapping inputs take each route once", () => {
  const c = parseConfigFiles([{
    file: "lab.toml",
    text: GOOD.replace('inputs = ["sim"]', 'inputs = ["sim", "sim", "s*"]'),
  }], { jobTypes: BUILTIN_JOB_TYPES });
  assert.deepEqual(c.routes.map((r) => `${r.from}->${r.to}:${r.key}`), ["sim->csv:sim"]);
});

Deno.test("config (hostile): an empty --data-dir is refused", () => {
  const e = errorOf(GOOD, { dataDir: "" });
  assert.equal(
    e.message,
    "--data-dir: expected a folder, got an empty path (it would mean the root folder)",
  );
  assert.equal(
    errorOf(GOOD, { dataDir: "/" }).problem,
    'expected a folder other than the root, got "/"',
  );
});

Deno.test("config (hostile): only regular files of bounded size are read", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await t.step("a device (/dev/zero) is not read", async () => {
      await assert.rejects(
        loadConfig("/dev/zero", { jobTypes: BUILTIN_JOB_TYPES }),
        (e: Error) =>
          e instanceof ConfigError &&
          e.message === "/dev/zero: cannot read config: not a regular file",
      );
    });
    await t.step("a FIFO is not opened (opening it would wait for a writer)", async () => {
      const fifo = `${dir}/lab.toml`;
      const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assert.ok(mk.success);
      await assert.rejects(
        loadConfig(fifo, { jobTypes: BUILTIN_JOB_TYPES }),
        (e: Error) => e instanceof ConfigError && e.message.endsWith("not a regular file"),
      );
      // In a folder, too.
      await assert.rejects(
        loadConfig(dir, { jobTypes: BUILTIN_JOB_TYPES }),
        (e: Error) => e instanceof ConfigError && e.message.endsWith("not a regular file"),
      );
      await Deno.remove(fifo);
    });
    await t.step("a file past the size limit", async () => {
      const big = `${dir}/big.toml`;
      await Deno.writeTextFile(big, GOOD + `# ${"x".repeat(CONFIG_LIMITS.fileBytes)}\n`);
      await assert.rejects(
        loadConfig(big, { jobTypes: BUILTIN_JOB_TYPES }),
        (e: Error) =>
          e instanceof ConfigError &&
          /big\.toml: cannot read config: \d+ bytes, more than the limit of 1048576$/.test(
            e.message,
          ),
      );
      await Deno.remove(big);
    });
    await t.step("bytes that are not UTF-8", async () => {
      const bin = `${dir}/bin.toml`;
      await Deno.writeFile(bin, new Uint8Array([0x5b, 0xff, 0xfe, 0x5d]));
      await assert.rejects(
        loadConfig(bin, { jobTypes: BUILTIN_JOB_TYPES }),
        (e: Error) => e instanceof ConfigError && e.message.endsWith("not UTF-8 text"),
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq check /dev/zero and daq run --data-dir= exit 1 with one line, at once", async () => {
  const zero = await runDaq(["check", "/dev/zero"]);
  assert.equal(zero.code, 1);
  assert.equal(
    zero.stderr.trim(),
    "config error: /dev/zero: cannot read config: not a regular file",
  );
  const dir = await Deno.makeTempDir();
  try {
    // A memory store only: should the check ever be lost again, nothing lands in "/".
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      '[[jobs]]\ntype = "signal"\nname = "sim"\nmax_batches = 1\n' +
        '[[jobs]]\ntype = "store.memory"\nname = "mem"\ninputs = ["sim"]\n',
    );
    const empty = await runDaq(["run", `${dir}/lab.toml`, "--data-dir="]);
    assert.equal(empty.code, 1, empty.stderr);
    assert.match(empty.stderr, /^config error: --data-dir: expected a folder, got an empty path/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
