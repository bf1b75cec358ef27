// Seeded, bounded fuzzing of the Arrow payload validator (DAQ_FUZZ_SEED=N replays a seed).
import assert from "node:assert/strict";
import { fuzzInWorker, fuzzSeed } from "../_fuzz.ts";
import type { FuzzReport } from "./_validate_fuzz_worker.ts";

Deno.test("fuzz: mutated Arrow payloads end in a clean refusal or decode to the rows they claim", async () => {
  const seed = fuzzSeed(20261201);
  const report = await fuzzInWorker<FuzzReport>(
    new URL("./_validate_fuzz_worker.ts", import.meta.url),
    { seed, maxCases: 30_000, maxMs: 3_000 },
    60_000,
  );
  console.log(
    `   seed ${seed}: ${report.cases} cases, ${report.accepted} accepted, ${report.rejected} refused`,
  );
  assert.deepEqual(report.failures, [], `seed ${seed}`);
  assert.ok(report.accepted > 0 && report.rejected > 0, "both outcomes were exercised");
});
