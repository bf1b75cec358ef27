/**
 * What live viewers cost the acquisition: `daq serve` runs a `bench` source flat out into
 * `store.memory` (1000-row messages), and the store's received bytes are measured over
 * alternating phases with 0 and with N connected `/api/live` clients (each reading every
 * update), so that drift of a shared machine falls on both alike. Usage:
 *
 *   deno run -A bench/dashboard_taps.ts [--clients 20] [--phase 4s] [--pairs 3] [--rows 1000]
 */
import { parseArgs } from "node:util";
import { parseDuration } from "../src/config/units.ts";
import { startServe } from "../tests/serve/_serve.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "20" },
    phase: { type: "string", default: "4s" },
    pairs: { type: "string", default: "3" },
    rows: { type: "string", default: "1000" },
  },
});
const clients = Number(values.clients);
const phaseMs = parseDuration(values.phase!)!;
const pairs = Number(values.pairs);
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

/** Opens `n` live clients that read every update; returns how to close them and their counts. */
function openClients(n: number): { close(): Promise<void>; updates(): number } {
  let updates = 0;
  const controllers: AbortController[] = [];
  const done: Promise<void>[] = [];
  // Viewers on connections of their own, as browsers elsewhere would be.
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  for (let i = 0; i < n; i++) {
    const c = new AbortController();
    controllers.push(c);
    done.push((async () => {
      try {
        const res = await fetch(`${srv.url}/api/live?key=src&window=60&width=1200`, {
          signal: c.signal,
          client,
        });
        const decoder = new TextDecoder();
        for await (const chunk of res.body!) {
          updates += decoder.decode(chunk).split("\n\n").length - 1;
        }
      } catch {
        // aborted
      }
    })());
  }
  return {
    async close() {
      for (const c of controllers) c.abort();
      await Promise.all(done);
      client.close();
    },
    updates: () => updates,
  };
}

async function phase(n: number): Promise<{ mbps: number; updates: number }> {
  const viewers = n ? openClients(n) : undefined;
  await new Promise((r) => setTimeout(r, 500));
  const b0 = await storeBytes();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, phaseMs));
  const b1 = await storeBytes();
  const t1 = performance.now();
  const updates = viewers?.updates() ?? 0;
  await viewers?.close();
  return { mbps: (b1 - b0) / ((t1 - t0) / 1000) / 1e6, updates };
}

try {
  await new Promise((r) => setTimeout(r, 2000));
  const without: number[] = [];
  const withViewers: number[] = [];
  let updates = 0;
  for (let p = 0; p < pairs; p++) {
    without.push((await phase(0)).mbps);
    console.error(`pair ${p + 1}: 0 viewers ${without.at(-1)!.toFixed(0)} MB/s`);
    const w = await phase(clients);
    console.error(`pair ${p + 1}: ${clients} viewers ${w.mbps.toFixed(0)} MB/s`);
    withViewers.push(w.mbps);
    updates += w.updates;
  }
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  const status = await (await srv.get("/api/status")).json();
  const mem = status.stats.jobs.find((j: { name: string }) => j.name === "mem");
  console.log(
    `0 viewers:  ${without.map((x) => x.toFixed(0)).join(", ")} MB/s (mean ${
      mean(without).toFixed(0)
    })`,
  );
  console.log(
    `${clients} viewers: ${withViewers.map((x) => x.toFixed(0)).join(", ")} MB/s (mean ${
      mean(withViewers).toFixed(0)
    })`,
  );
  console.log(
    `difference: ${((mean(withViewers) / mean(without) - 1) * 100).toFixed(1)}%; ` +
      `${(updates / (pairs * phaseMs / 1000) / clients).toFixed(1)} updates/s per viewer; ` +
      `store drops ${mem.drops}, gaps ${mem.gaps}`,
  );
} finally {
  await srv.stop();
  await Deno.remove(dir, { recursive: true });
}
