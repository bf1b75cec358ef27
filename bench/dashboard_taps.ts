/**
 * What live viewers cost the acquisition: `daq serve` runs a `bench` source flat out into
 * `store.memory` (1000-row messages), and the store's received bytes and the daq process's CPU
 * are measured over short phases with 0 and with N connected `/api/live` viewers, in pairs
 * (0 then N, or N then 0, alternating), each pair's ratio taken on its own: the throughput of a
 * flat-out pipeline on a shared machine wanders by tens of percent over seconds, which
 * adjacent phases share. The viewers run in a process of their own (`bench/_live_viewers.ts`)
 * at the lowest CPU priority, as browsers on other machines would: what is measured is the
 * server's share. Usage:
 *
 *   deno run -A bench/dashboard_taps.ts [--clients 20] [--phase 2s] [--pairs 20] [--rows 1000]
 */
import { parseArgs } from "node:util";
import { parseDuration } from "../src/config/units.ts";
import { startServe } from "../tests/serve/_serve.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "20" },
    phase: { type: "string", default: "2s" },
    pairs: { type: "string", default: "20" },
    rows: { type: "string", default: "1000" },
  },
});
const clients = Number(values.clients);
const phaseMs = parseDuration(values.phase!)!;
const pairs = Number(values.pairs);
/** After the viewers connect or leave, before a phase is measured. */
const SETTLE_MS = 300;
const dir = await Deno.makeTempDir({ prefix: "daq-taps-bench-" });
await Deno.writeTextFile(
  `${dir}/lab.toml`,
  `
[supervisor]
id = "tapbench"
stats_interval = "50ms"

[[jobs]]
type = "bench"
name = "src"
payload_rows = ${Number(values.rows)}

[[jobs]]
type = "store.memory"
name = "mem"
inputs = ["src"]
keep = 0
`,
);
const srv = await startServe(dir, ["--start"]);

/** The store's bytes taken so far, and the supervisor's clock then (s). */
async function storeBytes(): Promise<{ bytes: number; s: number }> {
  const s = await (await srv.get("/api/status")).json();
  const mem = s.stats?.jobs.find((j: { name: string }) => j.name === "mem");
  return { bytes: mem?.bytesIn ?? 0, s: s.stats?.elapsedS ?? 0 };
}

const TICKS_PER_S = 100;
/** CPU seconds used so far by process `pid`, every thread (user + system). */
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

interface Read {
  updates: number;
  gaps: number;
  bytes: number;
}

/** The viewer process, at the lowest priority. */
const viewerProcess = new Deno.Command("nice", {
  args: [
    "-n",
    "19",
    Deno.execPath(),
    "run",
    "--allow-net",
    new URL("./_live_viewers.ts", import.meta.url).pathname,
    `${srv.url}/api/live?key=src&window=60&width=1200`,
  ],
  stdin: "piped",
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const toViewers = viewerProcess.stdin.getWriter();
const fromViewers = viewerProcess.stdout.pipeThrough(new TextDecoderStream()).getReader();
let viewerText = "";
async function tellViewers(line: string): Promise<void> {
  await toViewers.write(new TextEncoder().encode(line + "\n"));
}
async function viewersRead(): Promise<Read> {
  while (!viewerText.includes("\n")) {
    const timeout = setTimeout(() => viewerProcess.kill("SIGKILL"), 10_000);
    const { value, done } = await fromViewers.read();
    clearTimeout(timeout);
    if (done) throw new Error("the viewer process ended");
    viewerText += value;
  }
  const at = viewerText.indexOf("\n");
  const line = viewerText.slice(0, at);
  viewerText = viewerText.slice(at + 1);
  return JSON.parse(line);
}

interface Phase {
  viewers: number;
  mbps: number;
  cpu: number;
  read?: Read;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function phase(n: number): Promise<Phase> {
  if (n) await tellViewers(`open ${n}`);
  await sleep(SETTLE_MS);
  const b0 = await storeBytes();
  const c0 = cpuSeconds(srv.child.pid);
  await sleep(phaseMs);
  const b1 = await storeBytes();
  const c1 = cpuSeconds(srv.child.pid);
  const seconds = b1.s - b0.s;
  let read: Read | undefined;
  if (n) {
    await tellViewers("close");
    read = await viewersRead();
  }
  return {
    viewers: n,
    mbps: (b1.bytes - b0.bytes) / seconds / 1e6,
    cpu: (c1 - c0) / seconds,
    read,
  };
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quartiles = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return [s[Math.floor((s.length - 1) / 4)], s[Math.ceil((s.length - 1) * 3 / 4)]];
};
const pct = (x: number) => `${((x - 1) * 100).toFixed(1)}%`;

try {
  await sleep(2000);
  const ratios: number[] = [];
  const cpuDiffs: number[] = [];
  const all: Phase[] = [];
  let updates = 0;
  let gaps = 0;
  let bytes = 0;
  for (let p = 0; p < pairs; p++) {
    const order = p % 2 ? [clients, 0] : [0, clients];
    const got: Phase[] = [];
    for (const n of order) got.push(await phase(n));
    const [without, watched] = order[0] ? [got[1], got[0]] : [got[0], got[1]];
    ratios.push(watched.mbps / without.mbps);
    cpuDiffs.push(watched.cpu - without.cpu);
    all.push(without, watched);
    updates += watched.read!.updates;
    gaps += watched.read!.gaps;
    bytes += watched.read!.bytes;
    console.error(
      `pair ${String(p + 1).padStart(2)}: 0 viewers ${without.mbps.toFixed(0)} MB/s ` +
        `(cpu ${(without.cpu * 100).toFixed(0)}%), ${clients} viewers ${watched.mbps.toFixed(0)} ` +
        `MB/s (cpu ${(watched.cpu * 100).toFixed(0)}%): ${pct(ratios.at(-1)!)}`,
    );
  }
  const status = await (await srv.get("/api/status")).json();
  const mem = status.stats.jobs.find((j: { name: string }) => j.name === "mem");
  const of = (n: number) => all.filter((p) => p.viewers === n);
  const [q1, q3] = quartiles(ratios);
  const viewedSeconds = pairs * (SETTLE_MS + phaseMs) / 1000;
  console.log(
    `0 viewers: median ${median(of(0).map((p) => p.mbps)).toFixed(0)} MB/s; ${clients} ` +
      `viewers: median ${median(of(clients).map((p) => p.mbps)).toFixed(0)} MB/s`,
  );
  console.log(
    `difference, median of ${pairs} pairs: ${pct(median(ratios))} (quartiles ${pct(q1)} to ` +
      `${pct(q3)})`,
  );
  console.log(
    `daq process cpu: median ${(median(of(0).map((p) => p.cpu)) * 100).toFixed(0)}% with 0 ` +
      `viewers, ${(median(of(clients).map((p) => p.cpu)) * 100).toFixed(0)}% with ${clients}; ` +
      `median difference in a pair ${(median(cpuDiffs) * 100).toFixed(1)} points`,
  );
  console.log(
    `about ${(updates / clients / viewedSeconds).toFixed(1)} updates/s per viewer, ${gaps} ` +
      `sequence gaps, ${(bytes / viewedSeconds / 1e6).toFixed(2)} MB/s to the viewers; ` +
      `store drops ${mem.drops}, gaps ${mem.gaps}`,
  );
} finally {
  await toViewers.close().catch(() => {});
  viewerProcess.kill();
  await viewerProcess.status;
  await srv.stop();
  await Deno.remove(dir, { recursive: true });
}
