import assert from "node:assert/strict";
import { runDaq } from "../_daq.ts";
import type { BenchReport } from "../../src/bench/run.ts";

async function csvDataRows(dir: string): Promise<number> {
  let rows = 0;
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".csv")) continue;
    const text = await Deno.readTextFile(`${dir}/${e.name}`);
    for (const line of text.split("\n")) {
      if (line && !line.startsWith("#") && !line.startsWith("timestamp_ns")) rows++;
    }
  }
  return rows;
}

Deno.test("daq bench: a short run is lossless and its counts match what the CSV store wrote", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runDaq([
      "bench",
      "--clients",
      "2",
      "--payload-rows",
      "50",
      "--duration",
      "1500ms",
      "--warmup",
      "500ms",
      "--store",
      "memory",
      "--store",
      "csv",
      "--rate",
      "200",
      "--data-dir",
      dir,
      "--json",
      `${dir}/bench.json`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^lossless: yes$/m);
    assert.match(r.stdout, /rate: 200 msgs\/s per client sustained/);
    const report: BenchReport = JSON.parse(await Deno.readTextFile(`${dir}/bench.json`));
    assert.equal(report.lossless, true);
    const csv = report.stores.find((s) => s.name === "csv")!;
    const mem = report.stores.find((s) => s.name === "memory")!;
    assert.equal(
      csv.rows,
      await csvDataRows(`${dir}/store-csv`),
      "bench row count = rows in the CSV files",
    );
    assert.equal(mem.rows, csv.rows);
    assert.equal(csv.messages, report.sent.messages);
    assert.equal(csv.rows, report.sent.messages * 50);
    assert.ok(report.sent.messages >= 2 * 200 * 1.5, `sent ${report.sent.messages}`);
    assert.ok(csv.meanMsgsPerS > 300 && csv.meanMsgsPerS < 500, `mean msgs/s ${csv.meanMsgsPerS}`);
    assert.ok(csv.latencyMs.p50 > 0 && csv.latencyMs.p99 >= csv.latencyMs.p50);
    assert.ok(report.machine.cores >= 1 && report.machine.deno.length > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq bench: a lossy route (drop-newest, tiny ring) reports its drops and lossless: no", async () => {
  const r = await runDaq([
    "bench",
    "--payload-rows",
    "2000",
    "--duration",
    "1s",
    "--warmup",
    "200ms",
    "--store",
    "csv",
    "--policy",
    "drop-newest",
    "--ring-size",
    "64KiB",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^lossless: no$/m);
  const drops = Number(/loss {8}drops (\d+)/.exec(r.stdout)?.[1]);
  assert.ok(drops > 0, r.stdout);
  assert.match(r.stdout, /dropped by the drop-newest policy/);
});

Deno.test("daq bench: postmessage transport is measured and checked the same way", async () => {
  const r = await runDaq([
    "bench",
    "--payload-rows",
    "100",
    "--duration",
    "1s",
    "--warmup",
    "200ms",
    "--transport",
    "postmessage",
    "--rate",
    "500",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /transport postmessage/);
  assert.match(r.stdout, /^lossless: yes$/m);
});

Deno.test("daq bench: nonsense options give a usage error and exit 1", async () => {
  for (
    const [args, message] of [
      [["--payload-rows=-5"], /--payload-rows: expected a positive integer, got "-5"/],
      [["--duration", "0s"], /--duration: expected a positive duration/],
      [["--store", "tape"], /--store: unknown store "tape"; available: memory, null, csv/],
      [["--payload-bytes", "lots"], /--payload-bytes: expected a positive size/],
      [["--transport", "carrier-pigeon"], /--transport: expected ring or postmessage/],
      [["--clients", "0"], /--clients: expected a positive integer/],
      [["--store-option", "compression"], /--store-option: expected KEY=VALUE/],
    ] as const
  ) {
    const r = await runDaq(["bench", ...args]);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

Deno.test("daq bench: options that would run out of memory or fail late are refused before the run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [args, message] of [
        [["--clients", "1000"], /^error: --clients: at most 64, got 1000$/m],
        [
          ["--payload-rows", "1e9"],
          /^error: --payload-rows 1000000000: messages of 14\.9 GiB do not fit the largest ring \(1GiB takes messages of at most 512MiB\)$/m,
        ],
        [
          ["--ring-size", "100GiB"],
          /^error: --ring-size: expected a size from 64KiB to 1GiB, got "100GiB"$/m,
        ],
        [
          ["--payload-rows", "10000", "--ring-size", "64KiB"],
          /^error: --ring-size 64KiB: a ring takes messages of at most half its size; --payload-rows 10000 makes messages of 156\.7 KiB$/m,
        ],
        [
          ["--clients", "64", "--store", "memory", "--store", "null", "--ring-size", "1GiB"],
          /more than half of this machine's/,
        ],
        [
          ["--duration", "1000h"],
          /--duration: expected a positive duration such as "10s" or "500ms", at most 596h, got "1000h"/,
        ],
        [["--data-dir="], /--data-dir: expected a folder, got an empty path/],
        [
          ["--json", `${dir}/no/such/folder/bench.json`],
          /^error: --json .*bench\.json: cannot write: No such file or directory/m,
        ],
      ] as const
    ) {
      const t0 = performance.now();
      const r = await runDaq(["bench", "--duration", "30s", ...args]);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      // Refused before the 30 s run (generous: the machine is shared).
      assert.ok(performance.now() - t0 < 20_000, `${args.join(" ")} was not refused up front`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq bench: a store that fails makes the bench exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A data dir below a regular file: the CSV store cannot make its folder.
    await Deno.writeTextFile(`${dir}/file`, "");
    const r = await runDaq([
      "bench",
      "--store",
      "csv",
      "--store",
      "memory",
      "--data-dir",
      `${dir}/file/sub`,
      "--duration",
      "500ms",
      "--warmup",
      "0s",
      "--json",
      `${dir}/bench.json`,
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: failed: store-csv$/m);
    assert.match(r.stdout, /^lossless: no$/m);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/bench.json`));
    assert.deepEqual(
      report.stores.map((s: { name: string; state: string }) => [s.name, s.state]),
      [["csv", "failed"], ["memory", "finished"]],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq bench: --store-option sets a key of every store (ROOT files written with lz4)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runDaq([
      "bench",
      "--payload-rows",
      "1000",
      "--duration",
      "1s",
      "--warmup",
      "200ms",
      "--rate",
      "100",
      "--store",
      "root",
      "--store-option",
      'compression="lz4"',
      "--store-option",
      "basket_bytes = 65536",
      "--data-dir",
      dir,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^lossless: yes$/m);
    const files = [...Deno.readDirSync(`${dir}/store-root`)].filter((e) =>
      e.name.endsWith(".root")
    );
    assert.ok(files.length > 0);
    const bytes = Deno.readFileSync(`${dir}/store-root/${files[0].name}`);
    // fCompress in the file header (offset 33 in the small header): LZ4 at the default level 4.
    assert.equal(new DataView(bytes.buffer).getInt32(33), 404);
    const bad = await runDaq([
      "bench",
      "--store",
      "root",
      "--store-option",
      "colour=1",
      "--duration",
      "1s",
    ]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /colour/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
