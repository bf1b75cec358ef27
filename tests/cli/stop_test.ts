// A double Ctrl-C (the second 10-50 ms after the first) forces the stop. It used to leave a
// torn last CSV line and lose CSV and ROOT rows while the summary claimed them all; now every
// store closes its files, the summary says exactly what each store did not write, and the exit
// code says whether data was lost (3) or not (0).
import assert from "node:assert/strict";
import { FIRST_RUN, spawnDaq } from "../_daq.ts";
import { readTreeWithJsroot } from "../formats/root/_jsroot_read.ts";

const BATCH = 5000;

/** `name: state, N msgs in|out, B bytes, R rows...; NOT stored: ...` lines of the summary. */
function summaryOf(stderr: string, job: string) {
  const line = stderr.split("\n").find((l) => new RegExp(`^(?:\\w+: )?${job}: \\w+, `).test(l));
  assert.ok(line, `no summary line for ${job} in:\n${stderr}`);
  const m = /: (\w+), (\d+) msgs (?:in|out), \d+ bytes, (\d+) rows/.exec(line)!;
  const left = /NOT stored: (\d+) msgs \((\d+) rows, \d+ bytes\) left in its rings/.exec(line);
  const dropped = /(\d+) msgs dropped when the stop was forced/.exec(line);
  return {
    line,
    state: m[1],
    msgs: Number(m[2]),
    rows: Number(m[3]),
    leftRows: left ? Number(left[2]) : 0,
    dropped: dropped ? Number(dropped[1]) : 0,
    terminated: /terminated before it closed its files/.test(line),
  };
}

/** Collects a child's stderr as it comes; `waitFor` resolves once `pattern` was seen. */
function collect(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const done = (async () => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  return {
    text: () => text,
    done,
    async waitFor(pattern: RegExp, ms: number) {
      const deadline = Date.now() + ms;
      while (!pattern.test(text)) {
        assert.ok(Date.now() < deadline, `never saw ${pattern} in:\n${text}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

// The second Ctrl-C 10 or 50 ms after the first, as a person presses it; or once the clean
// stop is seen under way, so that the forced stop happens for sure (Deno may merge two
// signals that come while its main thread is busy: that is a clean stop, checked the same).
for (const gap of [10, 50, "after the clean stop began"] as const) {
  const gapMs = typeof gap === "number" ? gap : 0;
  Deno.test(`daq run: Ctrl-C twice (${typeof gap === "number" ? `${gap} ms apart` : gap}): whole files, exactly what was not stored`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      // A source (flat out, 16 channels) far faster than the CSV store writes: when the stop
      // is forced, the CSV store's ring holds about a second of backlog.
      const channels = Array.from(
        { length: 16 },
        (_, i) => `[[jobs.channels]]\nname = "c${i}"\nshape = "${i % 2 ? "sine" : "noise"}"\n`,
      ).join("");
      await Deno.writeTextFile(
        `${dir}/lab.toml`,
        `[supervisor]\nid = "stop${Deno.pid}g${gapMs}${typeof gap}"\nstats_interval = "50ms"\n` +
          `[[jobs]]\ntype = "signal"\nname = "sim"\nrate_hz = 100000000\nbatch_rows = ${BATCH}\n` +
          channels +
          `[[jobs]]\ntype = "store.csv"\nname = "csv"\ninputs = ["sim"]\nring_size = "16MiB"\n` +
          `date_in_name = false\n` +
          `[[jobs]]\ntype = "store.root"\nname = "root"\ninputs = ["sim"]\nring_size = "16MiB"\n` +
          `date_in_name = false\ncompression = "none"\n`,
      );
      const child = spawnDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`]);
      const err = collect(child.stderr);
      const stdout = new Response(child.stdout).text();
      const csv = `${dir}/data/${FIRST_RUN}/csv/csv_001.csv`;
      const deadline = Date.now() + 30_000;
      while (await Deno.stat(csv).then((s) => s.size < 1e6, () => true)) {
        assert.ok(Date.now() < deadline, "the CSV never filled");
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1000));
      child.kill("SIGINT");
      if (typeof gap === "number") await new Promise((r) => setTimeout(r, gapMs));
      else await err.waitFor(/stopping \(SIGINT\)/, 20_000);
      child.kill("SIGINT");
      const status = await child.status;
      await err.done;
      await stdout;
      const stderr = err.text();
      const forced = /second interrupt: forcing the stop/.test(stderr);
      if (typeof gap !== "number") assert.ok(forced, stderr);

      const sim = summaryOf(stderr, "sim");
      const stores = { csv: summaryOf(stderr, "csv"), root: summaryOf(stderr, "root") };
      const lost = Object.values(stores).some((s) => s.leftRows || s.dropped || s.terminated);
      assert.ok(forced || !lost, `a clean stop loses nothing:\n${stderr}`);
      assert.equal(status.code, lost ? 3 : 0, stderr);
      assert.equal(/^error: data lost \(forced stop\): /m.test(stderr), lost, stderr);

      // Every row the source sent is either stored or reported as not stored.
      for (const [name, s] of Object.entries(stores)) {
        assert.equal(s.terminated, false, `${name} closed its files within the grace: ${s.line}`);
        assert.equal(
          s.rows + s.leftRows + s.dropped * BATCH,
          sim.rows,
          `${name}: stored + left in rings + dropped = sent\n${s.line}\n${sim.line}`,
        );
      }
      // And what a store claims is in its file, whole.
      const text = await Deno.readTextFile(csv);
      assert.ok(text.endsWith("\n"), "the last CSV line is complete");
      const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
      assert.equal(
        lines[0],
        ["timestamp_ns", ...Array.from({ length: 16 }, (_, i) => `c${i}`)].join(","),
      );
      for (const l of lines.slice(1)) assert.equal(l.split(",").length, 17, `torn line: ${l}`);
      assert.equal(
        lines.length - 1,
        stores.csv.rows,
        "CSV rows = rows the summary says csv stored",
      );
      const root = await readTreeWithJsroot(`${dir}/data/${FIRST_RUN}/root/root_001.root`, "sim");
      assert.equal(
        root.entries,
        stores.root.rows,
        "ROOT entries = rows the summary says root stored",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
