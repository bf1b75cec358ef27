// The control plane's cost to the acquisition: `daq serve` running a flat-out bench source
// (the synthetic client of `daq bench`) into store.memory, runs made alternately without and
// with the control-plane load (GET /api/status 10 times a second and two /api/stats/stream
// clients, all from this process), the store's msgs/s of each run taken from its manifest;
// and the /api/status latency (p50/p99/max) the poller saw while the acquisition ran flat out.
//
//   node_modules/.bin/deno run --allow-all bench/serve_control.ts [--pairs 4] [--seconds 5]
//     [--rows 100]    (rows per message)
//
// Runs alternate quiet, loaded, quiet, loaded...: slow drifts of a shared machine hit both.
import { parseArgs } from "node:util";
import { DAQ_ARGS } from "../tests/_daq.ts";
import type { RunManifest } from "../src/runs/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { pairs: { type: "string" }, seconds: { type: "string" }, rows: { type: "string" } },
});
const pairs = Number(values.pairs ?? 4);
const seconds = Number(values.seconds ?? 5);
const rows = Number(values.rows ?? 100);

const dir = await Deno.makeTempDir({ prefix: "daq-serve-bench-" });
await Deno.writeTextFile(
  `${dir}/bench.toml`,
  `[supervisor]
id = "servebench"
stats_interval = "100ms"

[[jobs]]
type = "bench"
name = "client"
payload_rows = ${rows}

[[jobs]]
type = "store.memory"
name = "memory"
inputs = ["client"]
keep = 0
`,
);
const child = new Deno.Command(Deno.execPath(), {
  args: [
    ...DAQ_ARGS,
    "serve",
    `${dir}/bench.toml`,
    "--data-dir",
    `${dir}/data`,
    "--http",
    "127.0.0.1:0",
    "--token-file",
    `${dir}/token`,
  ],
  stdout: "null",
  stderr: "piped",
}).spawn();
let log = "";
const logging = (async () => {
  for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) log += chunk;
})();

async function waitFor(cond: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 30_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

await waitFor(() => /listening on http:\/\/[^:]+:\d+/.test(log), "daq serve");
const url = `http://127.0.0.1:${/listening on http:\/\/[^:]+:(\d+)/.exec(log)![1]}`;
const token = (await Deno.readTextFile(`${dir}/token`)).trim();
const post = async (path: string, body?: unknown) => {
  const r = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const value = await r.json();
  if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(value)}`);
  return value;
};

/** The control-plane load: a poller of /api/status at 10/s and two SSE clients. */
function startLoad() {
  const latencies: number[] = [];
  let events = 0;
  const abort = new AbortController();
  const poller = (async () => {
    let next = performance.now();
    while (!abort.signal.aborted) {
      const t0 = performance.now();
      const r = await fetch(`${url}/api/status`);
      await r.arrayBuffer();
      latencies.push(performance.now() - t0);
      next += 100;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  const streams = [0, 1].map(async () => {
    try {
      const r = await fetch(`${url}/api/stats/stream`, { signal: abort.signal });
      const reader = r.body!.getReader();
      readers.push(reader);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const b of value) if (b === 10) events++;
      }
    } catch {
      // aborted
    }
  });
  return {
    async stop() {
      abort.abort();
      for (const r of readers) await r.cancel().catch(() => {});
      await poller;
      // A stream whose read does not end at once is left behind (it is closed at exit).
      await Promise.race([Promise.all(streams), new Promise((r) => setTimeout(r, 2000))]);
      return { latencies, events };
    },
  };
}

interface Result {
  loaded: boolean;
  msgsPerS: number;
  rowsPerS: number;
}
const results: Result[] = [];
const allLatencies: number[] = [];
let sseLines = 0;
for (let i = 0; i < 2 * pairs; i++) {
  const loaded = i % 2 === 1;
  const load = loaded ? startLoad() : undefined;
  await post("/api/runs", { comment: loaded ? "control plane loaded" : "quiet" });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const m = (await post("/api/runs/current/stop")) as RunManifest;
  if (load) {
    const { latencies, events } = await load.stop();
    allLatencies.push(...latencies);
    sseLines += events;
  }
  const store = m.jobs.memory;
  const durationS = m.durationS!;
  results.push({
    loaded,
    msgsPerS: store.messagesIn / durationS,
    rowsPerS: store.rows / durationS,
  });
  console.log(
    `run ${m.run} ${loaded ? "loaded" : "quiet "}: ${
      (store.messagesIn / durationS / 1e3).toFixed(1)
    } k msgs/s, ${(store.rows / durationS / 1e6).toFixed(2)} M rows/s over ${
      durationS.toFixed(1)
    } s (${m.status})`,
  );
}
child.kill("SIGTERM");
await child.status;
await logging;
await Deno.remove(dir, { recursive: true });

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const quiet = mean(results.filter((r) => !r.loaded).map((r) => r.msgsPerS));
const loaded = mean(results.filter((r) => r.loaded).map((r) => r.msgsPerS));
const sorted = allLatencies.sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
console.log(
  `quiet ${(quiet / 1e3).toFixed(1)} k msgs/s, loaded ${(loaded / 1e3).toFixed(1)} k msgs/s: ${
    ((loaded / quiet - 1) * 100).toFixed(1)
  }% (${pairs} pairs of ${seconds} s, ${rows} rows/msg)`,
);
console.log(
  `/api/status under flat-out acquisition: ${sorted.length} requests, p50 ${
    q(0.5).toFixed(1)
  } ms, p99 ${q(0.99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; SSE clients got ${
    sseLines / 2
  } lines`,
);
// A stats stream left behind would keep this process up.
Deno.exit(0);
