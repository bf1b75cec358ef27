// Two jobs that need one path for themselves alone (`ownPaths`: a store.hdf5 ring file or its
// folder of per-key ring files): `daq check` and `daq run` refuse the config, naming the file,
// both jobs and the key.
import assert from "node:assert/strict";
import { defaultRingPath } from "../../src/dataplane/path.ts";
import { runDaq } from "../_daq.ts";

const ID = "ownpaths";
const SOURCES = `[supervisor]
id = "${ID}"

[[jobs]]
type = "signal"
name = "sim"
max_batches = 1

[[jobs]]
type = "signal"
name = "sim2"
max_batches = 1
`;

/** A store.hdf5 job `name` taking `inputs`, with `ring_path` when given. */
function store(name: string, inputs: string[], ringPath?: string): string {
  return `
[[jobs]]
type = "store.hdf5"
name = "${name}"
inputs = ${JSON.stringify(inputs)}
${ringPath === undefined ? "" : `ring_path = ${JSON.stringify(ringPath)}\n`}`;
}

/** Where job `name`'s default ring file is (no ring_path). */
const defaultOf = (name: string) => defaultRingPath(ID, name, "data");

Deno.test("daq check: two jobs needing the same ring file or folder, or one inside the other, exit 1 naming both jobs and ring_path", async () => {
  const dir = await Deno.makeTempDir();
  const x = `${dir}/x.ring`;
  // [what, stores, expected error (undefined: the config is good)]
  const cases: [string, string, RegExp | undefined][] = [
    ["two default ring files", store("a", ["sim"]) + store("b", ["sim"]), undefined],
    [
      "a default ring file and a default folder",
      store("a", ["sim"]) + store("b", ["sim", "sim2"]) + store("c", ["sim*"]),
      undefined,
    ],
    [
      "ring files whose names share a beginning",
      store("a", ["sim"], x) + store("b", ["sim"], `${x}2`) + store("c", ["sim"], `${dir}/x`),
      undefined,
    ],
    [
      "the same explicit ring_path",
      store("a", ["sim"], x) + store("b", ["sim2"], x),
      new RegExp(
        `^config error: ${dir}/lab\\.toml:24: jobs\\[3\\]\\.ring_path: job "b" needs ${x}, ` +
          `which job "a" \\(jobs\\[2\\] in ${dir}/lab\\.toml, its ring_path\\) needs too; ` +
          `give one of them another ring_path\n$`,
      ),
    ],
    [
      "a later ring_path naming an earlier job's default ring file",
      store("a", ["sim"]) + store("b", ["sim2"], defaultOf("a")),
      new RegExp(
        `lab\\.toml:23: jobs\\[3\\]\\.ring_path: job "b" needs ${defaultOf("a")}, which job "a" ` +
          `\\(jobs\\[2\\] in ${dir}/lab\\.toml, its ring_path\\) needs too`,
      ),
    ],
    [
      "an earlier ring_path naming a later job's default ring file (the error where it is written)",
      store("a", ["sim"], defaultOf("b")) + store("b", ["sim2"]),
      new RegExp(
        `lab\\.toml:18: jobs\\[2\\]\\.ring_path: job "a" needs ${defaultOf("b")}, which job "b" ` +
          `\\(jobs\\[3\\] in ${dir}/lab\\.toml, its ring_path\\) needs too`,
      ),
    ],
    [
      "the same path written another way",
      store("a", ["sim"], x) + store("b", ["sim2"], `${dir}/./sub/../x.ring`),
      /jobs\[3\]\.ring_path: job "b" needs .*\/x\.ring, which job "a"/,
    ],
    [
      "a ring file inside another job's folder of ring files",
      store("a", ["sim", "sim2"], x) + store("b", ["sim"], `${dir}/x.rings/sim.ring`),
      new RegExp(
        `jobs\\[3\\]\\.ring_path: job "b" needs ${dir}/x\\.rings/sim\\.ring, inside ` +
          `${dir}/x\\.rings, which job "a" \\(jobs\\[2\\] in ${dir}/lab\\.toml, its ring_path\\) ` +
          `needs too; give one of them another ring_path`,
      ),
    ],
    [
      "a folder of ring files holding another job's ring file",
      store("a", ["sim"], `${dir}/x.rings/sim.ring`) + store("b", ["sim*"], x),
      new RegExp(
        `jobs\\[3\\]\\.ring_path: job "b" needs ${dir}/x\\.rings, holding ` +
          `${dir}/x\\.rings/sim\\.ring, which job "a"`,
      ),
    ],
    [
      "a folder of ring files inside a folder of ring files",
      store("a", ["sim*"], x) + store("b", ["sim", "sim2"], `${dir}/x.rings/y.ring`),
      new RegExp(
        `jobs\\[3\\]\\.ring_path: job "b" needs ${dir}/x\\.rings/y\\.rings, inside ${dir}/x\\.rings`,
      ),
    ],
  ];
  try {
    for (const [what, stores, expected] of cases) {
      await Deno.writeTextFile(`${dir}/lab.toml`, SOURCES + stores);
      const r = await runDaq(["check", `${dir}/lab.toml`]);
      if (expected === undefined) {
        assert.equal(r.code, 0, `${what}: ${r.stderr}`);
        continue;
      }
      assert.equal(r.code, 1, `${what}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, expected, what);
      assert.doesNotMatch(r.stderr, / {4}at /, `${what}: no stack trace`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daq run: two jobs with one ring_path exit 1 before anything runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const x = `${dir}/x.ring`;
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      SOURCES + store("a", ["sim"], x) + store("b", ["sim2"], x),
    );
    const r = await runDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /lab\.toml:24: jobs\[3\]\.ring_path: job "b" needs .*, which job "a"/);
    await assert.rejects(Deno.stat(x), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(`${dir}/data`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
