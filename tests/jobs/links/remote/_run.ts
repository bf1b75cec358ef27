// Helpers of the end-to-end remote link tests: `daq` children, `daq proxy` on free ports, the
// NDJSON stats they write, and waiting for a condition.
import { spawnDaq } from "../../../_daq.ts";
import { freePort } from "../../../remote/_helpers.ts";
import type { StatsSnapshot } from "../../../../src/supervisor/stats.ts";

/** A `daq` child whose output is collected; stop() sends a signal and returns the exit code. */
export function startDaq(args: string[]) {
  const child = spawnDaq(args);
  const stderr = new Response(child.stderr).text();
  const stdout = new Response(child.stdout).text();
  return {
    child,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      return await this.exit();
    },
    async exit() {
      const status = await child.status;
      return { code: status.code, stderr: await stderr, stdout: await stdout };
    },
  };
}

/** The complete lines of an NDJSON stats file (the last may be half written). */
export async function statsOf<T = StatsSnapshot>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return [];
  }
  return text.split("\n").filter((l) => l.endsWith("}")).map((l) => JSON.parse(l));
}

/** Waits until `cond` holds, checking every 100 ms; throws naming `what` after `timeoutMs`. */
export async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The job `name` of a stats snapshot. */
export function jobOf(s: StatsSnapshot | undefined, name: string) {
  return s?.jobs.find((j) => j.name === name);
}

/** Starts `daq proxy` on two free ports (or `ports`); resolves once it is bound. */
export async function startProxy(dir: string, ports = { xsub: freePort(), xpub: freePort() }) {
  const stats = `${dir}/proxy-${ports.xsub}-${Date.now()}.ndjson`;
  const proxy = startDaq([
    "proxy",
    ...["--xsub", `tcp://127.0.0.1:${ports.xsub}`, "--xpub", `tcp://127.0.0.1:${ports.xpub}`],
    ...["--stats-json", stats, "--quiet"],
  ]);
  await until("the proxy's first stats", async () => (await statsOf(stats)).length > 0);
  const subscribers = async () =>
    (await statsOf<{ subscribers: number }>(stats)).at(-1)?.subscribers ?? 0;
  return { ...proxy, ports, subscribers };
}

/** The header line and rows of every CSV file in `dir` (comment lines skipped). */
export async function csvOf(dir: string): Promise<{ header: string; rows: string[][] }> {
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".csv"))
    .sort();
  let header = "";
  const rows: string[][] = [];
  for (const f of files) {
    for (const line of (await Deno.readTextFile(`${dir}/${f}`)).trim().split("\n")) {
      if (line.startsWith("#")) continue;
      if (line.startsWith("timestamp_ns")) header = line;
      else rows.push(line.split(","));
    }
  }
  return { header, rows };
}
