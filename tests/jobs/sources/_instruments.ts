// Helpers for the instrument source tests: CSV files read back, stats, waiting.
import { readStats } from "../../_daq.ts";
import type { StatsSnapshot } from "../../../src/supervisor/stats.ts";

/** The data rows (and header) of every CSV file in `dir`, in file order; `#` lines skipped. */
export async function csvRows(dir: string): Promise<{ header: string[]; rows: string[][] }> {
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".csv"))
    .sort();
  let header: string[] = [];
  const rows: string[][] = [];
  for (const f of files) {
    for (const line of (await Deno.readTextFile(`${dir}/${f}`)).trim().split("\n")) {
      if (line.startsWith("#") || line === "") continue;
      if (line.startsWith("timestamp_ns")) header = line.split(",");
      else rows.push(line.split(","));
    }
  }
  return { header, rows };
}

/** The last stats line of a `--stats-json` file, or undefined while there is none. */
export async function lastStats(path: string): Promise<StatsSnapshot | undefined> {
  try {
    return (await readStats(path)).at(-1);
  } catch {
    return undefined;
  }
}

/** Waits until `what()` holds, checking every 50 ms. */
export async function until(
  what: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  label = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
