/**
 * What live viewers cost the acquisition: `daq serve` runs a `bench` source flat out into
 * `store.memory` (1000-row messages), and the store's received bytes and the daq process's CPU
 * are measured over phases with 0 and with N connected `/api/live` viewers, in the order
 * 0, N, N, 0 repeated (so that a drift of a shared machine falls on both alike). The viewers
 * run in a process of their own (`bench/_live_viewers.ts`) at the lowest CPU priority, as
 * browsers on other machines would: what is measured is the server's share. Usage:
 *
 *   deno run -A bench/dashboard_taps.ts [--clients 20] [--phase 4s] [--rounds 3] [--rows 1000]
 *
 * Each round is 4 phases (0, N, N, 0 viewers).
 */
import { parseArgs } from "node:util";
import { parseDuration } from "../src/config/units.ts";
import { startServe } from "../tests/serve/_serve.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "20" },
    phase: { type: "string", default: "4s" },
    rounds: { type: "string", default: "3" },
    rows: { type: "string", default: "1000" },
  },
});
const clients = Number(values.clients);
const phaseMs = parseDuration(values.phase!)!;
const rounds = Number(values.rounds);
const SETTLE_MS = 500;
const dir = await Deno.makeTempDir({ prefix: "daq-taps-bench-" });
await Deno.writeTextFile(
  `${dir}/lab.toml`,
  `
[supervisor]
id = "tapbench"
stats_interval = "100ms"

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

async function storeBytes(): Promise<number> {
  const s = await (await srv.get("/api/status")).json();
  return s.stats?.jobs.find((j: { name: string }) => j.name === "mem")?.bytesIn ?? 0;
}

const TICKS_PER_S = 100;
/** CPU seconds used so far by process `pid`, every thread (user + system). */
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

interface Viewers {
  updates: number;
  gaps: number;
  bytes: number;
}

/** Starts `n` viewers for `ms`, at the lowest priority; resolves with what they read. */
function startViewers(n: number, ms: number): Promise<Viewers> {
  const url = `${srv.url}/api/live?key=src&window=60&width=1200`;
  const child = new Deno.Command("nice", {
    args: [
      "-n",
      "19",
      Deno.execPath(),
      "run",
      "--allow-net",
      new URL("./_live_viewers.ts", import.meta.url).pathname,
      url,
      String(n),
      String(ms / 1000),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const kill = setTimeout(() => child.kill("SIGKILL"), ms + 10_000);
  return child.output().then((out) => {
    clearTimeout(kill);
    const line = new TextDecoder().decode(out.stdout).trim();
    if (!out.success || !line) throw new Error(`viewers failed (exit ${out.code})`);
    return JSON.parse(line);
  });
}

interface Phase {
  viewers: number;
  mbps: number;
  cpu: number;
  read?: Viewers;
}

async function phase(n: number): Promise<Phase> {
  const viewers = n ? startViewers(n, SETTLE_MS + phaseMs + 200) : undefined;
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const b0 = await storeBytes();
  const c0 = cpuSeconds(srv.child.pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, phaseMs));
  const b1 = await storeBytes();
  const c1 = cpuSeconds(srv.child.pid);
  const t1 = performance.now();
  const seconds = (t1 - t0) / 1000;
  const read = await viewers;
  return { viewers: n, mbps: (b1 - b0) / seconds / 1e6, cpu: (c1 - c0) / seconds, read };
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  await new Promise((r) => setTimeout(r, 2000));
  const phases: Phase[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const n of [0, clients, clients, 0]) {
      const p = await phase(n);
      phases.push(p);
      const read = p.read
        ? `, ${(p.read.updates / n / (phaseMs / 1000)).toFixed(1)} updates/s per viewer, ` +
          `${p.read.gaps} gaps`
        : "";
      console.error(
        `round ${r + 1}: ${String(n).padStart(2)} viewers ${p.mbps.toFixed(0)} MB/s, ` +
          `daq cpu ${(p.cpu * 100).toFixed(0)}%${read}`,
      );
    }
  }
  const status = await (await srv.get("/api/status")).json();
  const mem = status.stats.jobs.find((j: { name: string }) => j.name === "mem");
  const of = (n: number) => phases.filter((p) => p.viewers === n);
  const pct = (a: number, b: number) => `${((a / b - 1) * 100).toFixed(1)}%`;
  const mb0 = median(of(0).map((p) => p.mbps));
  const mbN = median(of(clients).map((p) => p.mbps));
  // Each round's pair of pairs: 0 N N 0, the mean of its N phases against its 0 phases.
  const roundRatios = Array.from({ length: rounds }, (_, r) => {
    const q = phases.slice(4 * r, 4 * r + 4);
    return (q[1].mbps + q[2].mbps) / (q[0].mbps + q[3].mbps);
  });
  const list = (a: Phase[]) => a.map((p) => p.mbps.toFixed(0)).join(", ");
  const withRead = of(clients).map((p) => p.read!);
  console.log(`0 viewers:  ${list(of(0))} MB/s (median ${mb0.toFixed(0)})`);
  console.log(`${clients} viewers: ${list(of(clients))} MB/s (median ${mbN.toFixed(0)})`);
  console.log(
    `difference of medians ${pct(mbN, mb0)}; per round ${
      roundRatios.map((x) => `${((x - 1) * 100).toFixed(1)}%`).join(", ")
    }; median round ${((median(roundRatios) - 1) * 100).toFixed(1)}%`,
  );
  console.log(
    `daq cpu: median ${(median(of(0).map((p) => p.cpu)) * 100).toFixed(0)}% with 0 viewers, ` +
      `${(median(of(clients).map((p) => p.cpu)) * 100).toFixed(0)}% with ${clients}`,
  );
  const updates = withRead.reduce((s, v) => s + v.updates, 0);
  console.log(
    `${(updates / withRead.length / clients / ((SETTLE_MS + phaseMs) / 1000)).toFixed(1)} ` +
      `updates/s per viewer, ${withRead.reduce((s, v) => s + v.gaps, 0)} sequence gaps, ` +
      `${(withRead.reduce((s, v) => s + v.bytes, 0) / withRead.length / 1e6).toFixed(1)} MB ` +
      `read per phase; store drops ${mem.drops}, gaps ${mem.gaps}`,
  );
} finally {
  await srv.stop();
  await Deno.remove(dir, { recursive: true });
}
