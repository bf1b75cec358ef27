// daq bench --processor: a user-written job module between the clients and the stores.
import assert from "node:assert/strict";
import { runDaq } from "../_daq.ts";

Deno.test("daq bench --processor: the pass-through module carries every message, lossless", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runDaq([
      "bench",
      "--processor",
      "bench/jobs/passthrough.ts",
      "--payload-rows",
      "100",
      "--rate",
      "500",
      "--duration",
      "1s",
      "--warmup",
      "300ms",
      "--data-dir",
      dir,
      "--json",
      `${dir}/bench.json`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^through processor .*\/bench\/jobs\/passthrough\.ts \(into every store\)$/m,
    );
    assert.match(r.stdout, /^lossless: yes$/m);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/bench.json`));
    const store = report.stores[0];
    assert.equal(store.messages, report.sent.messages);
    assert.equal(store.rows, report.sent.messages * 100);
    assert.ok(store.messages > 0);

    const source = await runDaq([
      "bench",
      "--processor",
      "config/examples/user_job/jobs/thermometer.ts",
    ]);
    assert.equal(source.code, 1);
    assert.match(source.stderr, /--processor .*thermometer\.ts: a source, not a processor/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
