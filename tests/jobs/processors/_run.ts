/** Helpers of the processor job tests: a run of `daq` on a config, CSV files read back. */
import assert from "node:assert/strict";
import { readStats, runDaq, runLabArgs } from "../../_daq.ts";
import type { StatsSnapshot } from "../../../src/supervisor/stats.ts";

/** The config's supervisor table: quick stats, no restarts. */
export const SUPERVISOR =
  `[supervisor]\nid = "t"\nstats_interval = "50ms"\nrestart_limit = 0\nstop_timeout = "120s"\n`;

/** Runs `daq run` on `toml` in a new folder; the run must end with exit code 0. */
export async function runConfig(
  toml: string,
): Promise<{ dir: string; last: StatsSnapshot; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "daq_processors_" });
  await Deno.writeTextFile(`${dir}/lab.toml`, toml);
  const r = await runDaq([...runLabArgs(dir), "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  const last = (await readStats(`${dir}/stats.ndjson`)).at(-1)!;
  return { dir, last, stderr: r.stderr };
}

/** The rows of every CSV file a store wrote (in file order), by column. */
export function readCsv(dir: string): Record<string, number[]> {
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".csv"))
    .sort();
  const out: Record<string, number[]> = {};
  for (const f of files) {
    const lines = Deno.readTextFileSync(`${dir}/${f}`).split("\n").filter((l) =>
      l && !l.startsWith("#")
    );
    const header = lines[0].split(",");
    for (const h of header) out[h] ??= [];
    for (const line of lines.slice(1)) {
      line.split(",").forEach((v, i) => out[header[i]].push(Number(v)));
    }
  }
  return out;
}

/** A figure of a job in the last stats snapshot. */
export function figure(last: StatsSnapshot, job: string, name: string): number | undefined {
  return last.jobs.find((j) => j.name === job)?.extra[name];
}
