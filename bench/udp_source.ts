// The `udp` job under load: `daq run` (udp -> store.null) in one process, the simulated
// digitizer (tests/instruments/sim_udp.py --bench, sendmmsg bursts of 256) in another, both on
// 127.0.0.1. For each packet size and offered rate: what the sender sent, what the job counted
// (packets, kernel_drops, gaps) and whether the run was lossless (every packet received, no
// kernel drop, no gap).
//
//   node_modules/.bin/deno run --allow-all bench/udp_source.ts [--seconds 4]
//     [--sizes 64,1024] [--rates 100000,200000,300000,400000,0]   (0 = as fast as it sends)
//     [--receive-buffer 16MiB]
//
// The machine is shared (2 cores, other engineers' tests running): the sender and the job
// compete for the same cores, so the figures are noisy and the sender may not reach the rate.
import { parseArgs } from "node:util";
import { DAQ_ARGS } from "../tests/_daq.ts";
import { freePort } from "../tests/remote/_helpers.ts";
import type { StatsSnapshot } from "../src/supervisor/stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string" },
    sizes: { type: "string" },
    rates: { type: "string" },
    "receive-buffer": { type: "string" },
  },
});
const seconds = Number(values.seconds ?? 4);
const sizes = (values.sizes ?? "64,1024").split(",").map(Number);
const rates = (values.rates ?? "100000,200000,300000,400000,600000,0").split(",").map(Number);
const receiveBuffer = values["receive-buffer"] ?? "16MiB";
const SENDER = new URL("../tests/instruments/sim_udp.py", import.meta.url).pathname;

function config(port: number, size: number): string {
  // seq uint32 + t_ns uint64 (12 bytes) + adc int16 x count.
  const count = (size - 12) / 2;
  return `[supervisor]
id = "udpbench"
stats_interval = "250ms"
[[jobs]]
type = "udp"
name = "digitizer"
listen = "udp://127.0.0.1:${port}"
sequence = "seq"
receive_buffer = "${receiveBuffer}"
batch_rows = 4096
batch_interval = "10ms"
[[jobs.fields]]
name = "seq"
type = "uint32"
[[jobs.fields]]
name = "t_ns"
type = "uint64"
[[jobs.fields]]
name = "adc"
type = "int16"
count = ${count}
[[jobs]]
type = "store.null"
name = "sink"
inputs = ["digitizer"]
`;
}

interface Result {
  size: number;
  offered: number;
  sent: number;
  sentPerS: number;
  received: number;
  kernelDrops: number;
  gaps: number;
  lossless: boolean;
  /** Cores the daq process used while the sender sent. */
  cpu: number;
}

/** User + system CPU seconds of a process so far (from /proc/PID/stat; its threads included). */
function cpuSeconds(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function runOne(size: number, rate: number): Promise<Result> {
  const dir = await Deno.makeTempDir({ prefix: "udpbench-" });
  const port = freePort();
  await Deno.writeTextFile(`${dir}/lab.toml`, config(port, size));
  const daq = new Deno.Command(Deno.execPath(), {
    args: [
      ...DAQ_ARGS,
      "run",
      `${dir}/lab.toml`,
      "--data-dir",
      `${dir}/data`,
      "--stats-json",
      `${dir}/stats.ndjson`,
      "--quiet",
      "--duration",
      `${seconds + 4}s`,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Wait for the job to listen (its first stats line with receive_buffer).
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const text = await Deno.readTextFile(`${dir}/stats.ndjson`).catch(() => "");
    if (text.includes("receive_buffer")) break;
  }
  const cpu0 = cpuSeconds(daq.pid);
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [
      SENDER,
      "--port",
      String(port),
      "--bench",
      String(seconds),
      "--count",
      String((size - 12) / 2),
      "--rate",
      String(rate),
    ],
    stdout: "piped",
  }).output();
  const sender = JSON.parse(new TextDecoder().decode(out.stdout));
  const cpu = cpuSeconds(daq.pid) - cpu0;
  const status = await daq.status;
  const stderr = await new Response(daq.stderr).text();
  if (!status.success) console.error(stderr);
  const lines = (await Deno.readTextFile(`${dir}/stats.ndjson`)).trim().split("\n");
  const last = JSON.parse(lines.at(-1)!) as StatsSnapshot;
  const job = last.jobs.find((j) => j.name === "digitizer")!;
  await Deno.remove(dir, { recursive: true });
  const received = job.extra.packets ?? 0;
  const kernelDrops = job.extra.kernel_drops ?? 0;
  const gaps = job.extra.gaps ?? 0;
  return {
    size,
    offered: rate,
    sent: sender.sent,
    sentPerS: sender.sent / sender.seconds,
    received,
    kernelDrops,
    gaps,
    lossless: received === sender.sent && kernelDrops === 0 && gaps === 0,
    cpu: cpu / sender.seconds,
  };
}

console.log(
  "| packet | offered/s | sent/s | sent | received | kernel drops | gaps | lossless | daq cores |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const size of sizes) {
  for (const rate of rates) {
    const r = await runOne(size, rate);
    const k = (n: number) => `${(n / 1000).toFixed(0)} k`;
    console.log(
      `| ${size} B | ${rate ? k(rate) : "max"} | ${
        k(r.sentPerS)
      } | ${r.sent} | ${r.received} | ${r.kernelDrops} | ${r.gaps} | ${
        r.lossless ? "yes" : "no"
      } | ${r.cpu.toFixed(2)} |`,
    );
  }
}
