/**
 * Runs the fixed set of `daq bench` scenarios (1 and 2 clients; 10, 1000 and 100000 rows per
 * message; ring vs postmessage; memory vs hdf5 where that store exists) and prints a
 * markdown table. Usage:
 *
 *   deno task bench:matrix [--duration 3s] [--warmup 1s] [--out FILE]
 */
import { parseArgs } from "node:util";
import { availableBenchStores, defaultBenchRingBytes, runBench } from "../src/bench/run.ts";
import { parseDuration } from "../src/config/units.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { duration: { type: "string" }, warmup: { type: "string" }, out: { type: "string" } },
});
const durationMs = parseDuration(values.duration ?? "3s")!;
const warmupMs = parseDuration(values.warmup ?? "1s")!;
const stores = ["memory", "hdf5"].filter((s) => availableBenchStores().includes(s));

const rows: string[] = [
  "| clients | rows/msg | transport | store | MB/s mean | MB/s peak | msgs/s | rows/s | p50 ms | p99 ms | max ms | CPU % | lossless |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
];
for (const store of stores) {
  for (const transport of ["ring", "postmessage"] as const) {
    for (const clients of [1, 2]) {
      for (const payloadRows of [10, 1000, 100000]) {
        const dataDir = await Deno.makeTempDir({ prefix: "daq-matrix-" });
        try {
          const r = await runBench({
            clients,
            payloadRows,
            durationMs,
            warmupMs,
            stores: [store],
            transport,
            dataDir,
            policy: "block",
            ringBytes: defaultBenchRingBytes(payloadRows * 16),
          });
          const s = r.stores[0];
          const line = `| ${clients} | ${payloadRows} | ${transport} | ${store} | ${
            s.meanMBps.toFixed(0)
          } | ${s.peakMBps.toFixed(0)} | ${s.meanMsgsPerS.toFixed(0)} | ${
            (s.meanMsgsPerS * payloadRows).toExponential(2)
          } | ${s.latencyMs.p50.toFixed(3)} | ${s.latencyMs.p99.toFixed(3)} | ${
            s.latencyMs.max.toFixed(1)
          } | ${r.cpuPercent.toFixed(0)} | ${r.lossless ? "yes" : "no"} |`;
          rows.push(line);
          console.error(line);
        } finally {
          await Deno.remove(dataDir, { recursive: true });
        }
      }
    }
  }
}
const table = rows.join("\n") + "\n";
if (values.out) await Deno.writeTextFile(values.out, table);
console.log(table);
