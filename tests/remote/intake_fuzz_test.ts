// Seeded, bounded fuzzing of the link's intake (DAQ_FUZZ_SEED=N replays a seed).
import assert from "node:assert/strict";
import { fuzzInWorker, fuzzSeed } from "../_fuzz.ts";
import type { FuzzReport } from "./_intake_fuzz_worker.ts";

Deno.test("fuzz: mutated wire messages end in a counted skip or payloads that decode", async () => {
  const seed = fuzzSeed(16);
  const report = await fuzzInWorker<FuzzReport>(
    new URL("./_intake_fuzz_worker.ts", import.meta.url),
    { seed, maxCases: 30_000, maxMs: 3_000 },
    60_000,
  );
  console.log(
    `   seed ${seed}: ${report.cases} cases, ${report.delivered} payloads delivered, ` +
      `${report.skipped} messages skipped`,
  );
  assert.deepEqual(report.failures, [], `seed ${seed}`);
  assert.ok(report.delivered > 0 && report.skipped > 0, "both outcomes were exercised");
});
