// The command the README tells users to start (`./daq run`) is daq itself: a SIGTERM to that
// process (what a service manager sends) stops it cleanly, with complete files and no Deno
// process left behind. (`npx deno task daq run` did not pass SIGTERM on: the real Deno process
// was orphaned and went on acquiring.)
import assert from "node:assert/strict";
import { FIRST_RUN, readStats } from "../_daq.ts";

const LAUNCHER = new URL("../../daq", import.meta.url).pathname;

/** Processes working in `dir` or naming it on their command line, other than this test. */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).replaceAll("\0", " ");
      const cwd = Deno.readLinkSync(`/proc/${e.name}/cwd`);
      if (cwd === dir || cmd.includes(dir)) found.push(`${e.name}: ${cmd}`);
    } catch { /* gone meanwhile */ }
  }
  return found;
}

Deno.test("./daq run stops cleanly on SIGTERM: complete CSV, every row stored, no process left", async () => {
  const dir = Deno.realPathSync(await Deno.makeTempDir({ prefix: "daq-launcher-" }));
  try {
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      `[supervisor]\nid = "launch${Deno.pid}"\nstats_interval = "50ms"\n` +
        `[[jobs]]\ntype = "signal"\nname = "sim"\nrate_hz = 20000\nbatch_rows = 200\n` +
        `[[jobs]]\ntype = "store.csv"\nname = "csv"\ninputs = ["sim"]\ndate_in_name = false\n` +
        `flush_interval = "100ms"\n`,
    );
    // Started as a user would: the launcher itself, from the folder holding the config.
    const child = new Deno.Command(LAUNCHER, {
      args: ["run", "lab.toml", "--stats-json", "stats.ndjson"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const csv = `${dir}/data/${FIRST_RUN}/csv/csv_001.csv`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const size = await Deno.stat(csv).then((s) => s.size, () => 0);
      if (size > 10_000) break;
      assert.ok(Date.now() < deadline, "the CSV never filled");
      await new Promise((r) => setTimeout(r, 100));
    }
    // The launcher exec'd Deno: the child's pid is the Deno process.
    assert.ok(processesIn(dir).length > 0, "the run is seen working in its folder");
    const exe = Deno.readLinkSync(`/proc/${child.pid}/exe`);
    assert.match(exe, /\/deno$/, `pid ${child.pid} runs ${exe}`);
    child.kill("SIGTERM");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(stderr, /stopping \(SIGTERM\)/);
    assert.deepEqual(processesIn(dir), [], "no daq process left");

    const text = await Deno.readTextFile(csv);
    assert.ok(text.endsWith("\n"), "last line complete");
    const rows = text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).slice(1);
    const step = 1e9 / 20000;
    const t0 = BigInt(rows[0].split(",")[0]);
    rows.forEach((line, i) => {
      const fields = line.split(",");
      assert.equal(fields.length, 3, `row ${i}: ${line}`);
      assert.equal(BigInt(fields[0]) - t0, BigInt(i * step), `row ${i} in order, none missing`);
    });
    const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
    assert.equal(rows.length, last.jobs.find((j) => j.name === "sim")!.rows, "every row sent");
    assert.ok(rows.length % 200 === 0 && rows.length > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("./daq says what to do when Deno is not installed next to it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(LAUNCHER, `${dir}/daq`);
    await Deno.chmod(`${dir}/daq`, 0o755);
    const out = await new Deno.Command(`${dir}/daq`, {
      args: ["--version"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    assert.equal(
      new TextDecoder().decode(out.stderr).trim(),
      `daq: no Deno at ${dir}/node_modules/deno/deno: run npm install in ${dir}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
