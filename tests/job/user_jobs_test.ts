// Jobs that users write (type = a module path): a source, a processor and a store of a lab's
// own in one run, and the permissions such jobs run with. Real `daq run` processes.
import assert from "node:assert/strict";
import { runDaq } from "../_daq.ts";

const FIXTURES = new URL("./_user/", import.meta.url);

/** A temp folder holding copies of the fixture modules in `jobs/` (a lab's own folder). */
async function labDir(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/jobs`);
  for await (const e of Deno.readDir(FIXTURES)) {
    await Deno.copyFile(new URL(e.name, FIXTURES), `${dir}/jobs/${e.name}`);
  }
  return dir;
}

Deno.test("user jobs: a source, a processor and a store of a lab's own; values arrive equal and in order", async () => {
  const dir = await labDir();
  try {
    await Deno.mkdir(`${dir}/out`);
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      `[supervisor]\nid = "userjobs"\n` +
        `[[jobs]]\ntype = "./jobs/counter.ts"\nname = "count"\nfirst = 5\ncount = 1000\nbatch_rows = 7\n` +
        `[[jobs]]\ntype = "jobs/scale.ts"\nname = "scale"\ninputs = ["count"]\nfactor = 3\n` +
        `[[jobs]]\ntype = "${dir}/jobs/jsonl_store.ts"\nname = "values"\ninputs = ["scale"]\n` +
        `out_dir = "${dir}/out"\n`,
    );
    const check = await runDaq(["check", `${dir}/lab.toml`]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(
      check.stdout,
      new RegExp(`count \\(${dir}/jobs/counter.ts, source\\) sends=count`),
    );
    assert.match(
      check.stdout,
      new RegExp(
        `values \\(${dir}/jobs/jsonl_store.ts, store\\) permissions: write=${dir}/out env=`,
      ),
    );

    const r = await runDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`]);
    assert.equal(r.code, 0, r.stderr);
    const lines = (await Deno.readTextFile(`${dir}/out/values.jsonl`)).trim().split("\n");
    const values = lines.flatMap((l) => (JSON.parse(l) as { n: number[] }).n);
    assert.deepEqual(values, Array.from({ length: 1000 }, (_, i) => (5 + i) * 3));
    // Odd batches went one row at a time: more messages than batches of 7.
    assert.ok(lines.length > Math.ceil(1000 / 7), `${lines.length} messages`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs one `probe` job with `fields` (TOML lines) and restart_limit = 0. */
async function probe(dir: string, fields: string) {
  await Deno.writeTextFile(
    `${dir}/lab.toml`,
    `[supervisor]\nrestart_limit = 0\n` +
      `[[jobs]]\ntype = "./jobs/probe.ts"\nname = "probe"\n${fields}\n` +
      `[[jobs]]\ntype = "store.memory"\nname = "mem"\ninputs = ["probe"]\n`,
  );
  return await runDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`]);
}

Deno.test("user jobs: a job that declares no permission and opens a file or a socket fails naming it", async () => {
  const dir = await labDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    await Deno.writeTextFile(`${dir}/secret.txt`, "not yours");
    const read = await probe(dir, `read_file = "${dir}/secret.txt"`);
    assert.equal(read.code, 2, read.stderr);
    assert.match(
      read.stderr,
      new RegExp(
        `job "probe" lacks a permission it did not declare: Requires read access to "${dir}/secret.txt"`,
      ),
    );
    assert.doesNotMatch(read.stderr, /run again with/);

    const net = await probe(dir, `connect = "127.0.0.1:${port}"`);
    assert.equal(net.code, 2, net.stderr);
    assert.match(
      net.stderr,
      new RegExp(
        `job "probe" lacks a permission it did not declare: Requires net access to "127.0.0.1:${port}"`,
      ),
    );

    // Declared, the same read works.
    const ok = await probe(dir, `read_file = "${dir}/secret.txt"\ndeclare_read = ["${dir}"]`);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    listener.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("user jobs: a job that declares net to one host cannot reach another; a config narrows what it declares", async () => {
  const dir = await labDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepted = (async () => {
    for await (const conn of listener) conn.close();
  })().catch(() => {});
  try {
    const declared = `declare_net = ["127.0.0.1:${port}"]`;
    const ok = await probe(dir, `connect = "127.0.0.1:${port}"\n${declared}`);
    assert.equal(ok.code, 0, ok.stderr);

    const other = await probe(dir, `connect = "127.0.0.2:${port}"\n${declared}`);
    assert.equal(other.code, 2, other.stderr);
    assert.match(other.stderr, new RegExp(`job "probe" lacks .*net access to "127.0.0.2:${port}"`));

    // Declares two hosts; the config narrows it to one.
    const two = `declare_net = ["127.0.0.1:${port}", "127.0.0.2:${port}"]`;
    const narrowed = await probe(
      dir,
      `connect = "127.0.0.1:${port}"\n${two}\nallow_net = ["127.0.0.2:${port}"]`,
    );
    assert.equal(narrowed.code, 2, narrowed.stderr);
    assert.match(narrowed.stderr, new RegExp(`net access to "127.0.0.1:${port}"`));

    // Narrowing to what it does not declare is a config error naming the key.
    const wider = await probe(dir, `${declared}\nallow_net = ["127.0.0.3:${port}"]`);
    assert.equal(wider.code, 1, wider.stderr);
    assert.match(
      wider.stderr,
      new RegExp(
        `lab.toml:\\d+: jobs\\[0\\].allow_net\\[0\\]: "127.0.0.3:${port}" is not within the net permission job "probe" declares`,
      ),
    );
  } finally {
    listener.close();
    await accepted;
    await Deno.remove(dir, { recursive: true });
  }
});
