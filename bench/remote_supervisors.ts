// Supervisor to supervisor over tcp loopback through `daq proxy`: `daq run` A (bench source ->
// remote) -> `daq proxy` -> `daq run` B (remote -> store.memory keep = 0), each a process.
// Figures come from B's --stats-json: what its link injected per second while data flowed.
//
//   node_modules/.bin/deno run --allow-all bench/remote_supervisors.ts [--seconds 5] [--direct]
//     [--native]      (daq proxy --engine native)
//     [--only TEXT]   (only the runs whose label contains TEXT)
//
// The machine is shared and has 2 cores for 3 processes (about 8 threads): figures are noisy.
// Under each line: the cores each process used in the middle of the run (from /proc), and
// what each spends per GB/s (64 KiB) or per M msgs/s (small messages) B received meanwhile.
import { parseArgs } from "node:util";
import { DAQ_ARGS } from "../tests/_daq.ts";
import { freePort } from "../tests/remote/_helpers.ts";
import type { StatsSnapshot } from "../src/supervisor/stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string" },
    direct: { type: "boolean" },
    native: { type: "boolean" },
    only: { type: "string" },
  },
});
/** --direct: A binds its publisher and B subscribes to it, no proxy (for comparison). */
const direct = values.direct ?? false;
/** --native: `daq proxy --engine native` (ZeroMQ's own proxy thread, no counters). */
const native = values.native ?? false;
const seconds = Number(values.seconds ?? 5);

function spawn(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [...DAQ_ARGS, ...args],
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

async function lines<T>(path: string): Promise<T[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter((l) => l.endsWith("}")).map((l) => JSON.parse(l));
}

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** CPU seconds (user + system, all threads) used so far by each live process. */
function cpuSeconds(pids: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    if (pid === undefined) continue;
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out[name] = (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return out;
}

/** Messages and payload bytes B's link has injected so far. */
async function countsAtB(dir: string): Promise<{ msgs: number; bytes: number }> {
  const last = (await lines<StatsSnapshot>(`${dir}/b.ndjson`)).at(-1);
  const link = last?.jobs.find((j) => j.name === "downlink");
  return { msgs: link?.msgsOut ?? 0, bytes: link?.bytesOut ?? 0 };
}

interface Figures {
  label: string;
  /** Cores each process used in the middle of the run, and what B took meanwhile. */
  cores: Record<string, number>;
  window: { gbPerS: number; mPerS: number };
  /** Messages A's source sent, and B's store took, in the whole run. */
  sent: number;
  stored: number;
  msgsPerS: number;
  mbPerS: number;
  rowsPerS: number;
  gaps: number;
  hwmDrops: number;
  /** Received by B's link and skipped as malformed (0 unless the link's checks refuse). */
  malformed: number;
  /** Sent by A before B's subscription reached it (direct mode: A binds, B connects after). */
  missedAtStart: number;
}

async function measure(label: string, source: string, hwm: number): Promise<Figures> {
  const dir = await Deno.makeTempDir();
  const xsub = freePort();
  const xpub = freePort();
  const directPort = freePort();
  const proxy = spawn([
    "proxy",
    ...["--xsub", `tcp://127.0.0.1:${xsub}`, "--xpub", `tcp://127.0.0.1:${xpub}`],
    ...["--quiet", "--stats-json", `${dir}/proxy.ndjson`, "--hwm", String(hwm)],
    ...(native ? ["--engine", "native"] : []),
  ]);
  try {
    await until(async () => (await lines(`${dir}/proxy.ndjson`)).length > 0, "the proxy");
    await Deno.writeTextFile(
      `${dir}/b.toml`,
      `[supervisor]
id = "B"
stats_interval = "100ms"
[[jobs]]
type = "remote"
name = "downlink"
subscribe_endpoints = ["tcp://127.0.0.1:${direct ? directPort : xpub}"]
subscribe = ["load"]
hwm = ${hwm}
[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["load"]
keep = 0
ring_size = "64MiB"
`,
    );
    await Deno.writeTextFile(
      `${dir}/a.toml`,
      `[supervisor]
id = "A"
stats_interval = "100ms"
[[jobs]]
type = "bench"
name = "load"
${source}
[[jobs]]
type = "remote"
name = "uplink"
inputs = ["load"]
ring_size = "64MiB"
publish_endpoint = "tcp://127.0.0.1:${direct ? directPort : xsub}"
publish_bind = ${direct}
on_hwm = "block"
hwm = ${hwm}
`,
    );
    const b = spawn(["run", `${dir}/b.toml`, "--quiet", "--stats-json", `${dir}/b.ndjson`]);
    if (native) {
      // The native proxy counts no subscribers: give B's subscription time to get through.
      await until(async () => (await lines(`${dir}/b.ndjson`)).length > 5, "B to start");
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } else {
      await until(
        async () =>
          direct
            ? (await lines(`${dir}/b.ndjson`)).length > 5
            : ((await lines<{ subscribers: number }>(`${dir}/proxy.ndjson`)).at(-1)?.subscribers ??
              0) >=
              1,
        "B's subscription",
      );
    }
    const a = spawn([
      ...["run", `${dir}/a.toml`, "--quiet", "--duration", `${seconds}s`],
      ...["--stats-json", `${dir}/a.ndjson`],
    ]);
    const aErr = new Response(a.stderr).text();
    // CPU of each process over the middle of the run (1 s in, to 1 s before A's end).
    const pids = { A: a.pid, proxy: direct ? undefined : proxy.pid, B: b.pid };
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const cpu0 = cpuSeconds(pids);
    const t0 = performance.now();
    const b0 = await countsAtB(dir);
    await new Promise((resolve) => setTimeout(resolve, (seconds - 2) * 1000));
    const cpu1 = cpuSeconds(pids);
    const window = (performance.now() - t0) / 1000;
    const b1 = await countsAtB(dir);
    const cores = Object.fromEntries(
      Object.keys(cpu1).map((k) => [k, (cpu1[k] - cpu0[k]) / window]),
    );
    const aStatus = await a.status;
    // Let B take what is still in flight, then stop it: its count unchanged for a second (a
    // loaded machine can hold up one stats line, or a few: one unchanged reading is not enough).
    let last = -1;
    let unchanged = 0;
    await until(
      async () => {
        const now = (await lines<StatsSnapshot>(`${dir}/b.ndjson`)).at(-1)?.jobs[0].msgsOut ?? 0;
        unchanged = now === last ? unchanged + 1 : 0;
        last = now;
        return unchanged >= 10;
      },
      "B to settle",
      60_000,
    );
    b.kill("SIGTERM");
    await b.status;
    await b.stderr.cancel();
    if (!aStatus.success) throw new Error(`A exited ${aStatus.code}: ${await aErr}`);
    const snaps = await lines<StatsSnapshot>(`${dir}/b.ndjson`);
    const link = (s: StatsSnapshot) => s.jobs.find((j) => j.name === "downlink")!;
    // The window in which data flowed: first and last snapshot where the count moved.
    const moving = snaps.filter((s, i) => i > 0 && link(s).msgsOut > link(snaps[i - 1]).msgsOut);
    const first = snaps[snaps.indexOf(moving[0]) - 1];
    const end = moving.at(-1)!;
    const dt = end.elapsedS - first.elapsedS;
    const d = (k: "msgsOut" | "bytesOut" | "rows") => (link(end)[k] - link(first)[k]) / dt;
    const extra = link(snaps.at(-1)!).extra;
    const sent = (await lines<StatsSnapshot>(`${dir}/a.ndjson`)).at(-1)!.jobs
      .find((j) => j.name === "load")!.msgsOut;
    const stored = snaps.at(-1)!.jobs.find((j) => j.name === "mem")!.msgsIn;
    return {
      cores,
      window: {
        gbPerS: (b1.bytes - b0.bytes) / window / 1e9,
        mPerS: (b1.msgs - b0.msgs) / window / 1e6,
      },
      sent,
      stored,
      label,
      msgsPerS: d("msgsOut"),
      mbPerS: d("bytesOut") / 1e6,
      rowsPerS: d("rows"),
      gaps: extra.link_gaps ?? 0,
      hwmDrops: extra.link_hwm_drops ?? 0,
      malformed: extra.link_malformed ?? 0,
      missedAtStart: extra.link_missed_at_start ?? 0,
    };
  } finally {
    try {
      proxy.kill("SIGTERM");
    } catch { /* gone */ }
    await proxy.status;
    await proxy.stderr.cancel();
    await Deno.remove(dir, { recursive: true });
  }
}

const runs: [string, string, number][] = [
  ["64 KiB Arrow payloads (4096 rows)", "payload_rows = 4096", 200],
  ["small events, Arrow (1 row per message)", "payload_rows = 1", 1000],
  ["small batches, Arrow (64 rows per message)", "payload_rows = 64", 1000],
  ["small events, msgpack (1 per message)", 'payload = "msgpack"', 1000],
];
console.log(
  `daq run A -> ${
    direct ? "(direct, no proxy)" : native ? "daq proxy --engine native" : "daq proxy"
  } -> daq run B over tcp loopback, ${seconds} s each (noisy 2-core VM)`,
);
for (const [label, source, hwm] of runs) {
  if (values.only !== undefined && !label.includes(values.only)) continue;
  const f = await measure(label, source, hwm);
  // A msgpack message is one event: its row.
  const rows = source.includes("msgpack") ? f.msgsPerS : f.rowsPerS;
  console.log(
    `${f.label.padEnd(44)} ${f.mbPerS.toFixed(1).padStart(7)} MB/s ${
      (f.msgsPerS / 1e3).toFixed(1).padStart(7)
    } k msgs/s ${
      (rows / 1e3).toFixed(1).padStart(8)
    } k rows/s  gaps ${f.gaps}, hwm drops ${f.hwmDrops}, malformed ${f.malformed}, ${
      f.stored === f.sent ? "all" : `${f.stored} of`
    } ${f.sent} stored${
      f.missedAtStart ? ` (${f.missedAtStart} sent before B's subscription reached A)` : ""
    }`,
  );
  // The CPU each process spends per unit moved: with the three on separate machines (each
  // with its own cores), that, not the 2 shared cores here, bounds the rate.
  const large = label.startsWith("64 KiB");
  const unit = large ? f.window.gbPerS : f.window.mPerS;
  const used = Object.entries(f.cores);
  const total = used.reduce((sum, [, c]) => sum + c, 0);
  console.log(
    `${"".padEnd(44)} cpu ${used.map(([n, c]) => `${n} ${c.toFixed(2)}`).join(", ")} = ${
      total.toFixed(2)
    } cores; per ${large ? "GB/s" : "M msgs/s"}: ${
      used.map(([n, c]) => `${n} ${(c / unit).toFixed(2)}`).join(", ")
    } cores`,
  );
}
