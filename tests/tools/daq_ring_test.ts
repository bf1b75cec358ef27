import assert from "node:assert/strict";
import { TextLineStream } from "./_lines.ts";

const PYTHON = "/usr/bin/python3";
const root = new URL("../../", import.meta.url).pathname;

async function firstLine(lines: ReadableStreamDefaultReader<string>): Promise<string> {
  const { value, done } = await lines.read();
  if (done) throw new Error("process ended before printing a line");
  return value;
}

function lineReader(stream: ReadableStream<Uint8Array>): ReadableStreamDefaultReader<string> {
  return stream.pipeThrough(new TextDecoderStream()).pipeThrough(new TextLineStream())
    .getReader();
}

const hasPython = (() => {
  try {
    return Deno.statSync(PYTHON).isFile;
  } catch {
    return false;
  }
})();

interface Summary {
  received: number;
  bad: number;
  lost: number;
  overruns: number;
  last: number;
  nulls: number;
  types: Record<string, string>;
  increasing: boolean;
  writer_closed: boolean;
}

/** Runs a Deno writer process and the Python checker against one ring; returns its summary. */
async function runPair(batches: number, rows: number, pythonDelayS: number): Promise<Summary> {
  const dir = Deno.makeTempDirSync({ prefix: "daq-ring-py-" });
  const path = `${dir}/live.ring`;
  const writer = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      `${root}tests/tools/_ring_writer_process.ts`,
      path,
      `${batches}`,
      `${rows}`,
      `${256 * 1024}`,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let python: Deno.ChildProcess | undefined;
  try {
    const writerLines = lineReader(writer.stdout);
    assert.equal(await firstLine(writerLines), "ready");
    python = new Deno.Command(PYTHON, {
      args: [
        `${root}tests/tools/_check_ring.py`,
        `${root}tools/python`,
        path,
        `${rows}`,
        `${pythonDelayS}`,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const pyLines = lineReader(python.stdout);
    assert.equal(await firstLine(pyLines), "ready");
    const stdin = writer.stdin.getWriter();
    await stdin.write(new TextEncoder().encode("go\n"));
    await stdin.close();
    assert.equal(await firstLine(writerLines), "done");
    const summary = JSON.parse(await firstLine(pyLines));
    assert.ok((await python.status).success, "python exited cleanly");
    return summary;
  } finally {
    try {
      writer.kill();
    } catch { /* exited */ }
    try {
      python?.kill();
    } catch { /* exited */ }
    await writer.status;
    if (python) await python.status;
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test({
  name: "Python reader follows a ring that a live Deno writer process is writing",
  ignore: !hasPython,
  fn: async () => {
    const batches = 300;
    const summary = await runPair(batches, 500, 0);
    assert.equal(summary.bad, 0, "every value the Python reader got is right");
    assert.ok(summary.increasing);
    assert.equal(summary.received + summary.lost, batches, "received + lost = written");
    assert.equal(summary.last, batches - 1);
    assert.ok(summary.received > batches / 2, `received ${summary.received} of ${batches}`);
    assert.ok(summary.nulls > 0, "saw nulls as masked values");
    assert.equal(summary.writer_closed, true);
    assert.deepEqual(summary.types, {
      timestamp_ns: "int64",
      t: "timestamp[ns]",
      sine: "float64",
      noise: "float32",
      counter: "uint16",
      ch: "int8",
      flag: "bool",
      gated: "float64",
    });
  },
});

Deno.test({
  name: "a slow Python reader is lapped: it counts the loss and gets no torn batch",
  ignore: !hasPython,
  fn: async () => {
    const batches = 300;
    const summary = await runPair(batches, 500, 0.005);
    assert.equal(summary.bad, 0, "no torn or wrong batch");
    assert.ok(summary.overruns > 0, "was lapped");
    assert.ok(summary.lost > 0);
    assert.ok(summary.increasing);
    assert.equal(summary.received + summary.lost, batches, "received + lost = written");
    assert.equal(summary.last, batches - 1);
  },
});
