/**
 * Processor jobs in the real pipeline: a `bench` source (1000-row messages of int64
 * `timestamp_ns` and float64 `value`, 16 kB) into each processor into `store.memory`
 * (keep = 0: reads every byte, keeps nothing), one `daq run` per processor, beside the same
 * pipeline without a processor in the same series of runs.
 *
 *   deno run -A bench/processors.ts [seconds per run] [rows per message] [name filter]
 *
 * MB/s is what the processor took in per second over the last half of the run (from the
 * processor's `bytesIn` counter in --stats-json), 1 MB = 1e6 bytes; for "none" the store's.
 * histogram also in values filled per second.
 */
import { runDaq } from "../tests/_daq.ts";
import type { StatsSnapshot } from "../src/supervisor/stats.ts";

const seconds = Number(Deno.args[0] ?? 6);
const rows = Number(Deno.args[1] ?? 1000);
/** Only the processors whose name contains this (and always "none"). */
const only = Deno.args[2] ?? "";

const PROCESSORS: Record<string, string> = {
  none: "",
  "decimate every 10, mean": `type = "decimate"\nevery = 10\ncolumns = { value = ["mean"] }`,
  "decimate every 100, mean min max":
    `type = "decimate"\nevery = 100\ncolumns = { value = ["mean", "min", "max"] }`,
  "calibrate scale/offset":
    `type = "calibrate"\ncolumns = { value = { scale = 2, offset = 1, unit = "V" } }`,
  'expr "value * 2 + 1"': `type = "expr"\ncolumns = { p = "value * 2 + 1" }`,
  "histogram 1000 bins":
    `type = "histogram"\ncolumns = { value = { min = 0, max = 1000000, bins = 1000 } }`,
};

function config(processor: string): string {
  const store = processor ? "p" : "src";
  return `[supervisor]
id = "bench-processors"
stats_interval = "200ms"
[[jobs]]
type = "bench"
name = "src"
payload_rows = ${rows}
${processor ? `[[jobs]]\nname = "p"\ninputs = ["src"]\n${processor}\n` : ""}
[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["${store}"]
keep = 0
`;
}

console.log(`${seconds} s per run, ${rows} rows (${rows * 16} bytes) per message`);
console.log("| processor | MB/s in | msgs/s | M values/s |");
console.log("| --- | --- | --- | --- |");
for (const [name, processor] of Object.entries(PROCESSORS)) {
  if (processor && !name.includes(only)) continue;
  const dir = await Deno.makeTempDir({ prefix: "daq_bench_processors_" });
  try {
    await Deno.writeTextFile(`${dir}/lab.toml`, config(processor));
    const r = await runDaq([
      "run",
      `${dir}/lab.toml`,
      "--duration",
      `${seconds}s`,
      "--data-dir",
      `${dir}/data`,
      "--stats-json",
      `${dir}/stats.ndjson`,
      "--quiet",
    ]);
    if (r.code !== 0) throw new Error(`${name}: daq run failed:\n${r.stderr}`);
    const lines: StatsSnapshot[] = Deno.readTextFileSync(`${dir}/stats.ndjson`).trim().split("\n")
      .map((l) => JSON.parse(l));
    const job = processor ? "p" : "mem";
    const at = (s: StatsSnapshot) => s.jobs.find((j) => j.name === job)!;
    const a = lines[Math.floor(lines.length / 2)], b = lines.at(-2)!;
    const dt = b.elapsedS - a.elapsedS;
    const bytes = (at(b).bytesIn - at(a).bytesIn) / dt;
    const msgs = (at(b).msgsIn - at(a).msgsIn) / dt;
    console.log(
      `| ${name} | ${(bytes / 1e6).toFixed(0)} | ${(msgs / 1e3).toFixed(1)} k | ${
        ((msgs * rows) / 1e6).toFixed(0)
      } |`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
