/**
 * Sustained throughput of one store under `daq run`: runs CONFIG (a `bench` source into the
 * store, see bench/configs/) for a while and reads the store's own counters from --stats-json.
 * Usage:
 *
 *   deno run -A bench/store_throughput.ts CONFIG STORE_JOB [--duration 10s] [--warmup 2s]
 */
import { parseArgs } from "node:util";
import { parseDuration } from "../src/config/units.ts";
import { DAQ_ARGS, FIRST_RUN } from "../tests/_daq.ts";
import type { StatsSnapshot } from "../src/supervisor/stats.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { duration: { type: "string" }, warmup: { type: "string" } },
});
const [config, store] = positionals;
if (!config || !store) {
  console.error("usage: bench/store_throughput.ts CONFIG STORE_JOB [--duration 10s] [--warmup 2s]");
  Deno.exit(1);
}
const durationMs = parseDuration(values.duration ?? "10s")!;
const warmupMs = parseDuration(values.warmup ?? "2s")!;
const dir = await Deno.makeTempDir({ prefix: "daq-store-bench-" });
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
if (out.code !== 0 && out.code !== 2) {
  console.error(new TextDecoder().decode(out.stderr));
  Deno.exit(1);
}
const stats: StatsSnapshot[] = (await Deno.readTextFile(`${dir}/stats.ndjson`)).trim().split("\n")
  .map((l) => JSON.parse(l));
const job = (s: StatsSnapshot) => s.jobs.find((j) => j.name === store)!;
const stopAt = (warmupMs + durationMs) / 1000;
const w = stats.find((s) => s.elapsedS >= warmupMs / 1000)!;
const e = [...stats].reverse().find((s) => s.elapsedS <= stopAt)!;
const final = stats.at(-1)!;
const dt = e.elapsedS - w.elapsedS;
let fileBytes = 0;
for await (const f of Deno.readDir(`${dir}/data/${FIRST_RUN}/${store}`)) {
  if (f.isFile) fileBytes += (await Deno.stat(`${dir}/data/${FIRST_RUN}/${store}/${f.name}`)).size;
}
const f = job(final);
console.log(
  `${config}: ${store} sustained ${
    ((job(e).bytesIn - job(w).bytesIn) / dt / 1e6).toFixed(1)
  } MB/s, ` +
    `${((job(e).rows - job(w).rows) / dt / 1e6).toFixed(2)} M rows/s over ${dt.toFixed(1)} s; ` +
    `total ${(f.bytesIn / 1e6).toFixed(0)} MB in, files ${(fileBytes / 1e6).toFixed(0)} MB ` +
    `(${
      ((fileBytes / f.bytesIn) * 100).toFixed(0)
    }%); drops ${f.drops}, gaps ${f.gaps}; exit ${out.code}`,
);
await Deno.remove(dir, { recursive: true });
