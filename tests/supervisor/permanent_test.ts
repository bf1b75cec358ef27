// A failure that a restart cannot mend (a batch larger than the ring it goes into, or than a
// store's ring file) gives the job up at once, exit 2: it used to restart in a loop, store
// nothing, and end with exit 0 (a source that crashed while stopping counted as finished).
import assert from "node:assert/strict";
import { parseConfigFiles } from "../../src/config/mod.ts";
import { jobType } from "../../src/job/define.ts";
import { BUILTIN_JOB_TYPES } from "../../src/jobs/catalogue.ts";
import { startSupervisor } from "../../src/supervisor/mod.ts";
import bigBatches from "./_big_batches.ts";

const JOB_TYPES = {
  ...BUILTIN_JOB_TYPES,
  "test.big": jobType(new URL("./_big_batches.ts", import.meta.url), bigBatches),
};

async function run(text: string) {
  const config = parseConfigFiles([{ file: "lab.toml", text }], { jobTypes: JOB_TYPES });
  const logs: string[] = [];
  const sup = startSupervisor(config, {
    onLog: (level, job, t) => logs.push(`${level} ${job}: ${t}`),
  });
  const timer = setTimeout(() => sup.stop("test deadline"), 30_000);
  const result = await sup.done;
  clearTimeout(timer);
  return { result, logs };
}

const SUPERVISOR = (id: string) =>
  `[supervisor]\nid = "${id}${Deno.pid}"\nrestart_limit = 5\nrestart_backoff = "100ms"\n` +
  `stats_interval = "50ms"\nstop_timeout = "60s"\n`;

Deno.test("supervisor: a batch larger than its ring fails the source for good at once (exit 2)", async () => {
  const { result, logs } = await run(
    SUPERVISOR("toolarge") +
      `[[jobs]]\ntype = "test.big"\nname = "big"\nrows = 10000\n` +
      `[[jobs]]\ntype = "store.memory"\nname = "mem"\ninputs = ["big"]\nring_size = "64KiB"\n`,
  );
  assert.equal(result.exitCode, 2, logs.join("\n"));
  assert.deepEqual(result.failed, ["big"]);
  const big = result.final.jobs.find((j) => j.name === "big")!;
  assert.equal(big.restarts, 0, "not restarted");
  assert.match(
    big.lastError!,
    /RecordTooLargeError: record of \d+ bytes does not fit a ring of 65536 bytes/,
  );
  assert.ok(
    logs.some((l) => /not restarted \(a restart cannot mend it\)/.test(l)),
    logs.join("\n"),
  );
});

Deno.test("supervisor: a batch larger than store.hdf5's ring file fails the store for good at once (exit 2)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { result, logs } = await run(
      SUPERVISOR("ringfile") + `data_dir = "${dir}"\n` +
        `[[jobs]]\ntype = "test.big"\nname = "big"\nrows = 10000\n` +
        `[[jobs]]\ntype = "store.hdf5"\nname = "h5"\ninputs = ["big"]\nring_size = "4MiB"\n` +
        `ring_file_size = "64KiB"\nring_path = "${dir}/h5.ring"\n`,
    );
    assert.equal(result.exitCode, 2, logs.join("\n"));
    assert.deepEqual(result.failed, ["h5"]);
    const h5 = result.final.jobs.find((j) => j.name === "h5")!;
    assert.equal(h5.restarts, 0, "not restarted");
    assert.match(h5.lastError!, /PermanentJobError: .*record does not fit.*; raise ring_file_size/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
