import assert from "node:assert/strict";
import { DAQ_ARGS, runDaq } from "../_daq.ts";
import { signalValue } from "../../src/jobs/sources/signal.ts";
import { CHANNELS, SEED, startLiveRun } from "../jobs/stores/hdf5/_live_run.ts";

const RATE = 20000;

function daqTail(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [...DAQ_ARGS, "tail", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

Deno.test("daq tail follows the ring file of a live run and prints the source's values", async () => {
  const dir = await Deno.makeTempDir();
  const id = `tail${crypto.randomUUID().slice(0, 8)}`;
  const run = await startLiveRun(dir, id, RATE);
  try {
    const out = await daqTail([run.ring, "--from", "oldest", "--count", "5"]).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(new TextDecoder().decode(out.stderr), /following .* \(source "sim"\)/);
    const lines = stdout.trim().split("\n");
    assert.equal(lines.length, 5, stdout);
    lines.forEach((line, i) => {
      const fields = Object.fromEntries(line.split(" ").map((kv) => kv.split("=")));
      assert.equal(Number(fields.seq), i, line);
      assert.equal(fields.rows, "500");
      for (const ch of CHANNELS) {
        assert.equal(Number(fields[ch.name]), signalValue(ch, i * 500, RATE, SEED), line);
      }
    });

    // --rates until Ctrl-C: at least one line per second, a clean exit.
    const rates = daqTail([run.ring, "--rates"]);
    await new Promise((r) => setTimeout(r, 2500));
    rates.kill("SIGINT");
    const r = await rates.output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    const rateLines = new TextDecoder().decode(r.stdout).trim().split("\n");
    assert.ok(rateLines.length >= 2, rateLines.join("\n"));
    const m = /^([\d.]+) records\/s {2}([\d.]+) MB\/s {2}lost 0 \(ring: 0\)/.exec(rateLines[0]);
    assert.ok(m, rateLines[0]);
    // 20000 rows/s in 500-row batches: 40 records/s (the machine is noisy: a wide margin).
    assert.ok(Number(m[1]) > 20 && Number(m[1]) < 60, rateLines[0]);
  } finally {
    const { code, stderr } = await run.stop();
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0, stderr);
  }
});

Deno.test("daq tail: a missing or foreign ring file is a clear error, exit 1", async () => {
  const missing = await runDaq(["tail", "/nonexistent/daq.ring"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error: daq tail: \/nonexistent\/daq\.ring: .*no such file/);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/not.ring`, "x".repeat(4096));
    const foreign = await runDaq(["tail", `${dir}/not.ring`]);
    assert.equal(foreign.code, 1);
    assert.ok(foreign.stderr.includes(`${dir}/not.ring: bad magic`), foreign.stderr);
    const usage = await runDaq(["tail"]);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /daq tail takes exactly one RING/);
    const help = await runDaq(["tail", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /never moves read_tail/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
