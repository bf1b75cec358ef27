import assert from "node:assert/strict";
import { runDaq } from "../_daq.ts";
import type { RunManifest } from "../../src/runs/mod.ts";

// A source whose sine has no amplitude: every stored value is the offset last set.
const BASE = `
[supervisor]
id = "seq"
stats_interval = "50ms"

[[jobs]]
type = "signal"
name = "psu"
rate_hz = 5000
batch_rows = 100
[[jobs.channels]]
name = "out"
shape = "sine"
amplitude = 0.0
offset = -1.0
unit = "V"

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["psu"]
date_in_name = false
flush_interval = "100ms"
`;

async function manifest(dir: string, n: number): Promise<RunManifest> {
  return JSON.parse(
    await Deno.readTextFile(`${dir}/data/run${String(n).padStart(6, "0")}/manifest.json`),
  );
}

async function storedValues(dir: string, n: number): Promise<number[]> {
  const text = await Deno.readTextFile(
    `${dir}/data/run${String(n).padStart(6, "0")}/csv/csv_001.csv`,
  );
  return text.split("\n").filter((l) => /^\d/.test(l)).map((l) => Number(l.split(",")[1]));
}

Deno.test("daq run: a sequence of three steps sends its setting before each run; every stored row carries it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const steps = [0.5, 1.5, 2.5].map((v, i) =>
      `[[sequence]]\ncomment = "bias {out.offset} V, step {step}"\n` +
      (i === 1 ? `stop_after_rows = 2000\n` : `duration = "700ms"\n`) +
      `set = { psu = { "out.offset" = ${v} } }\n`
    ).join("\n");
    await Deno.writeTextFile(`${dir}/lab.toml`, BASE + steps);
    const r = await runDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`]);
    assert.equal(r.code, 0, r.stderr);
    for (const [i, v] of [0.5, 1.5, 2.5].entries()) {
      const m = await manifest(dir, i + 1);
      assert.equal(m.status, "success", m.reason);
      assert.equal(m.comment, `bias ${v} V, step ${i + 1}`);
      assert.deepEqual(m.sequence, { step: i + 1, steps: 3, repeat: 1, repeats: 1, firstRun: 1 });
      assert.equal(m.settings.length, 1);
      assert.deepEqual(
        { job: m.settings[0].job, name: m.settings[0].name, value: m.settings[0].value },
        { job: "psu", name: "out.offset", value: v },
      );
      assert.equal(m.settings[0].ok, true);
      assert.ok(BigInt(m.settings[0].at.ns) <= BigInt(m.start!.ns), "set before the start");
      const values = await storedValues(dir, i + 1);
      assert.ok(values.length > 0, `rows in run ${i + 1}`);
      assert.deepEqual([...new Set(values)], [v], `run ${i + 1} stored only offset ${v}`);
      if (i === 1) assert.ok(m.jobs.psu.rows >= 2000, `stop_after_rows: ${m.jobs.psu.rows}`);
    }
    await assert.rejects(Deno.stat(`${dir}/data/run000004`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq run: a setting the instrument refuses stops the sequence; the manifest says at which step", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const steps = `
[[sequence]]
comment = "good"
duration = "300ms"
repeat = 2
set = { psu = { "out.offset" = 1.0 } }

[[sequence]]
comment = "refused"
duration = "300ms"
set = { psu = { "out.offset" = 2.0, "out.phase" = 3.0 } }

[[sequence]]
comment = "never made"
duration = "300ms"
`;
    await Deno.writeTextFile(`${dir}/lab.toml`, BASE + steps);
    const r = await runDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /sequence ended early: step 2 \(repeat 1\), run 3: fail/);
    assert.match(r.stderr, /job "psu" refused setting out\.phase: unknown setting "out\.phase"/);
    assert.equal((await manifest(dir, 1)).status, "success");
    assert.deepEqual((await manifest(dir, 2)).sequence?.repeat, 2);
    const m = await manifest(dir, 3);
    assert.equal(m.status, "fail");
    assert.equal(m.sequence?.step, 2);
    assert.match(
      m.reason,
      /setting refused \(sequence step 2\): job "psu" refused setting out\.phase/,
    );
    assert.deepEqual(m.settings.map((s) => [s.name, s.ok]), [["out.offset", true], [
      "out.phase",
      false,
    ]]);
    assert.equal(m.start, undefined, "no row kept: the run never started");
    assert.equal(m.jobs.csv?.rows ?? 0, 0);
    await assert.rejects(Deno.stat(`${dir}/data/run000004`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq check: a [[sequence]] naming an unknown job or placeholder is a config error naming the key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string, RegExp][] = [
      [
        `[[sequence]]\nduration = "1s"\nset = { nope = { x = 1 } }\n`,
        /sequence\[0\]\.set\.nope: no job "nope"/,
      ],
      [
        `[[sequence]]\ncomment = "{volts}"\nduration = "1s"\n`,
        /sequence\[0\]\.comment: unknown placeholder \{volts\}/,
      ],
      [`[[sequence]]\ncomment = "x"\n`, /sequence\[0\]\.duration: missing/],
      [`[[sequence]]\nduration = "1s"\nrepeat = 0\n`, /sequence\[0\]\.repeat: expected/],
      [
        `[[sequence]]\nduration = "1s"\nset = { psu = { v = [1] } }\n`,
        /sequence\[0\]\.set\.psu\.v: expected a finite number/,
      ],
    ];
    for (const [text, re] of cases) {
      await Deno.writeTextFile(`${dir}/lab.toml`, BASE + text);
      const r = await runDaq(["check", `${dir}/lab.toml`]);
      assert.equal(r.code, 1, text);
      assert.match(r.stderr, re);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
