// Seeded, bounded fuzzing of ring files (header fields, record headers, lengths, Arrow
// metadata, truncation) into the ring readers, `daq tail` and tools/python/daq_ring.py: each
// ends in a clean error or counted losses, never a hang, a crash or a row that was not written.
// DAQ_FUZZ_SEED=N replays a seed.
import assert from "node:assert/strict";
import { fuzzInWorker, fuzzSeed, prng } from "../_fuzz.ts";
import type { RingFuzzReport } from "./_ring_fuzz_worker.ts";
import { makeBaseRing, mutateRing, valueOf } from "./_ring_fuzz.ts";

Deno.test("fuzz: mutated ring files end in a RingFileError or genuine rows in every reader", async () => {
  const seed = fuzzSeed(20261216);
  const report = await fuzzInWorker<RingFuzzReport>(
    new URL("./_ring_fuzz_worker.ts", import.meta.url),
    { seed, maxCases: 20_000, maxMs: 3_000 },
    60_000,
  );
  console.log(
    `   seed ${seed}: ${report.cases} cases, ${report.read} read whole, ${report.refused} refused; ` +
      `${report.records} records, ${report.lost} counted lost`,
  );
  assert.deepEqual(report.failures, [], `seed ${seed}`);
  assert.ok(report.read > 0 && report.refused > 0, "both outcomes were exercised");
});

const TAIL_LINE =
  /^seq=\d+ (?:rows=(\d+) timestamp_ns=(\S+) value=(\S+) code=(\S+)|\d+ raw bytes)(?: \(\d+ lost before\))?$/;
const PYTHON_LINE =
  /^seq \d+ t -?\d+ (?:rows (\d+) first \{'timestamp_ns': (\S+), 'value': (\S+), 'code': (\S+)\}|type \d+ \d+ bytes)(?: \(lost \d+ before\))?$/;

/** A problem with one line of a reader's output, or undefined when its first row is genuine. */
function lineProblem(line: string, pattern: RegExp, rows: number): string | undefined {
  const m = line.match(pattern);
  if (!m) return `unexpected line ${JSON.stringify(line)}`;
  if (m[1] === undefined || m[1] === "0") return undefined;
  const t = Number(m[2]);
  if (!(t >= 0 && t < rows) || Number(m[3]) !== valueOf(t) || Number(m[4]) !== t % 1000) {
    return `junk row: ${line}`;
  }
  return undefined;
}

/** Runs a command; SIGINT after `interruptMs`, SIGKILL (a hang) after `killMs`. */
async function runBounded(cmd: string, args: string[], interruptMs: number, killMs: number) {
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).spawn();
  let hung = false;
  const interrupt = setTimeout(() => child.kill("SIGINT"), interruptMs);
  const kill = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, killMs);
  const out = await child.output();
  clearTimeout(interrupt);
  clearTimeout(kill);
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), hung };
}

Deno.test("fuzz: daq tail and daq_ring.py on mutated ring files end cleanly with genuine rows", async () => {
  const seed = fuzzSeed(20261217);
  const random = prng(seed);
  const dir = await Deno.makeTempDir({ prefix: "daq-ring-fuzz-cli-" });
  try {
    const bases = [
      makeBaseRing(`${dir}/a.ring`, { policy: "overwrite", close: true, consumed: true }),
      makeBaseRing(`${dir}/b.ring`, { policy: "overwrite", close: false, consumed: false }),
      makeBaseRing(`${dir}/c.ring`, { policy: "block", close: true, consumed: true }),
    ];
    const cases = Array.from({ length: 9 }, (_, i) => {
      const base = bases[i % bases.length];
      const path = `${dir}/case${i}.ring`;
      // The first three unchanged: they must be read whole. Every one marked closed (no writer
      // will come), so that the tools end by themselves once they have read it.
      const bytes = i < 3 ? base.bytes.slice() : mutateRing(base, random);
      if (bytes.length >= 112) {
        const view = new DataView(bytes.buffer, bytes.byteOffset);
        view.setUint32(108, view.getUint32(108, true) | 1, true);
      }
      Deno.writeFileSync(path, bytes);
      return { path, rows: base.rows, intact: i < 3 };
    });
    const main = new URL("../../main.ts", import.meta.url).pathname;
    const python = new URL("../../tools/python/daq_ring.py", import.meta.url).pathname;
    const problems: string[] = [];
    let refused = 0;
    await Promise.all(cases.map(async (c) => {
      const tail = await runBounded(
        Deno.execPath(),
        ["run", "--allow-all", main, "tail", c.path, "--from", "oldest"],
        60000,
        60000,
      );
      const py = await runBounded(
        "/usr/bin/python3",
        [python, c.path, "--start", "oldest", "--dump", "--timeout", "1"],
        60000,
        60000,
      );
      for (
        const [tool, r, pattern, error, crash] of [
          ["daq tail", tail, TAIL_LINE, "error: daq tail: ", /\n\s+at |Uncaught/],
          ["daq_ring.py", py, PYTHON_LINE, "daq_ring: ", /Traceback/],
        ] as const
      ) {
        const what = `${c.path} (${tool}, exit ${r.code})`;
        if (r.hung) problems.push(`${what}: still running after 60 s`);
        if (crash.test(r.stderr)) problems.push(`${what}: crashed: ${r.stderr}`);
        if (r.code === 1 && r.stderr.includes(error)) refused++;
        else if (r.code !== 0) problems.push(`${what}: ${r.stderr}`);
        if (c.intact && r.code !== 0) problems.push(`${what}: the unchanged ring was refused`);
        const lines = r.stdout.split("\n").filter((l) => l !== "");
        const records = tool === "daq tail" ? lines : lines.slice(2, -1);
        for (const line of records) {
          const problem = lineProblem(line, pattern, c.rows);
          if (problem) problems.push(`${what}: ${problem}`);
        }
        if (c.intact && records.length === 0) problems.push(`${what}: no records`);
      }
    }));
    console.log(`   seed ${seed}: ${cases.length} files, ${refused} clean refusals`);
    assert.deepEqual(problems, [], `seed ${seed}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
