/**
 * Store throughput and file size per compression setting, through `daq run`: a source sending
 * flat out into one store, each setting run one after another in the same invocation (so the
 * figures of one run can be compared while the shared machine's load drifts). Usage:
 *
 *   deno run -A bench/compression.ts [--source signal|bench] [--rows 10000] [--duration 8s]
 *     [--warmup 2s] STORE:FIELDS...
 *
 * STORE is a store type without `store.` (root, hdf5, arrow, parquet, csv, memory); FIELDS are
 * TOML key = value pairs separated by `;`, e.g. `root:compression="zstd";compression_level=2`.
 * `signal` sends timestamp_ns + a 5 Hz sine + Gaussian noise (sigma 0.1) at 10 kHz sample
 * spacing, generated as fast as it goes; `bench` sends timestamp_ns + value (a ramp).
 * MB/s: payload bytes the store took from its ring per second over the measured window (after
 * the warm-up), from its own counters; size: bytes of its files against the payload bytes.
 */
import { parseArgs } from "node:util";
import { parseDuration } from "../src/config/units.ts";
import { DAQ_ARGS, FIRST_RUN } from "../tests/_daq.ts";
import type { StatsSnapshot } from "../src/supervisor/stats.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    source: { type: "string", default: "signal" },
    rows: { type: "string", default: "10000" },
    duration: { type: "string", default: "8s" },
    warmup: { type: "string", default: "2s" },
  },
});
const durationMs = parseDuration(values.duration!)!;
const warmupMs = parseDuration(values.warmup!)!;
const rows = Number(values.rows);

function sourceToml(): string {
  if (values.source === "bench") {
    return `[[jobs]]\ntype = "bench"\nname = "src"\npayload_rows = ${rows}\n`;
  }
  return `[[jobs]]
type = "signal"
name = "src"
rate_hz = 1e12
batch_rows = ${rows}
seed = 1
[[jobs.channels]]
name = "sine"
shape = "sine"
freq_hz = 5
unit = "V"
[[jobs.channels]]
name = "noise"
shape = "noise"
amplitude = 0.1
unit = "V"
`;
}

async function measure(spec: string): Promise<string> {
  const colon = spec.indexOf(":");
  const store = colon < 0 ? spec : spec.slice(0, colon);
  const fields = colon < 0 ? [] : spec.slice(colon + 1).split(";").filter((f) => f.trim());
  const dir = await Deno.makeTempDir({ prefix: "daq-compression-bench-" });
  const config = `${dir}/bench.toml`;
  await Deno.writeTextFile(
    config,
    `[supervisor]\nid = "bench-compression"\n\n${sourceToml()}\n[[jobs]]\ntype = "store.${store}"\n` +
      `name = "store"\ninputs = ["src"]\n${store === "memory" ? "" : "date_in_name = false\n"}` +
      `${fields.join("\n")}\n`,
  );
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        ...DAQ_ARGS,
        "run",
        config,
        "--quiet",
        "--data-dir",
        `${dir}/data`,
        "--stats-json",
        `${dir}/stats.ndjson`,
        "--duration",
        `${(durationMs + warmupMs) / 1000}s`,
      ],
    }).output();
    if (out.code !== 0) {
      return `| ${spec} | failed (exit ${out.code}): ${
        new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ")
      } |`;
    }
    const stats: StatsSnapshot[] = (await Deno.readTextFile(`${dir}/stats.ndjson`)).trim()
      .split("\n").map((l) => JSON.parse(l));
    const job = (s: StatsSnapshot) => s.jobs.find((j) => j.name === "store")!;
    const w = stats.find((s) => s.elapsedS >= warmupMs / 1000)!;
    const e = [...stats].reverse().find((s) => s.elapsedS <= (warmupMs + durationMs) / 1000)!;
    const final = job(stats.at(-1)!);
    const dt = e.elapsedS - w.elapsedS;
    let fileBytes = 0;
    const files = `${dir}/data/${FIRST_RUN}/store`;
    if (store !== "memory") {
      for await (const f of Deno.readDir(files)) {
        if (f.isFile) fileBytes += (await Deno.stat(`${files}/${f.name}`)).size;
      }
    }
    const mbs = (job(e).bytesIn - job(w).bytesIn) / dt / 1e6;
    const ratio = store === "memory" ? "-" : (100 * fileBytes / final.bytesIn).toFixed(0);
    return `| ${spec} | ${mbs.toFixed(0)} | ${ratio}% | ${final.drops} | ${final.gaps} |`;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

console.log(
  `source ${values.source}, ${rows} rows a message, ${durationMs / 1000} s measured after ` +
    `${warmupMs / 1000} s\n`,
);
console.log("| store:fields | MB/s | file vs raw | drops | gaps |");
console.log("| --- | --- | --- | --- | --- |");
for (const spec of positionals) console.log(await measure(spec));
