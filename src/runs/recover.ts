/**
 * Runs that never reached their stop (power cut, `kill -9`): while a run goes on, a marker
 * `<data_dir>/.daq-active/<number>` names the process making it. At the next start on that
 * data dir, a marker whose process is gone (same host) gets its run marked `fail` with what
 * its manifest last recorded, its files re-hashed as they are, and the marker removed.
 */
import { readManifest, type RunManifest, writeManifest } from "./manifest.ts";
import { runDirName, type RunNaming } from "./naming.ts";
import { hashRunFiles } from "./files.ts";

const ACTIVE_DIR = ".daq-active";

interface ActiveMarker {
  pid: number;
  host: string;
}

/** Records that run `n` is being made by this process. Call it holding the run lock. */
export async function markActiveLocked(dataDir: string, n: number): Promise<void> {
  await Deno.mkdir(`${dataDir}/${ACTIVE_DIR}`, { recursive: true });
  const marker: ActiveMarker = { pid: Deno.pid, host: Deno.hostname() };
  await Deno.writeTextFile(`${dataDir}/${ACTIVE_DIR}/${n}`, JSON.stringify(marker));
}

/** Removes the marker of run `n` once its manifest is complete. */
export async function clearActive(dataDir: string, n: number): Promise<void> {
  await Deno.remove(`${dataDir}/${ACTIVE_DIR}/${n}`).catch(() => {});
}

function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Marks `fail` every run of `dataDir` whose process ended before its stop; returns their
 * numbers. Call it holding the run lock.
 */
export async function markUnfinishedRunsLocked(
  dataDir: string,
  naming: RunNaming,
): Promise<number[]> {
  const marked: number[] = [];
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(`${dataDir}/${ACTIVE_DIR}`)) {
      if (e.isFile && /^\d+$/.test(e.name)) names.push(e.name);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return marked;
    throw e;
  }
  for (const name of names) {
    const n = Number(name);
    let marker: ActiveMarker | undefined;
    try {
      marker = JSON.parse(await Deno.readTextFile(`${dataDir}/${ACTIVE_DIR}/${name}`));
    } catch {
      marker = undefined;
    }
    if (marker && marker.host === Deno.hostname() && processAlive(marker.pid)) continue;
    if (marker && marker.host !== Deno.hostname()) continue;
    const dir = `${dataDir}/${runDirName(naming, n)}`;
    let m: RunManifest;
    try {
      m = await readManifest(dir);
    } catch {
      await clearActive(dataDir, n);
      continue;
    }
    if (m.status === "running") {
      const who = marker ? `process ${marker.pid} on ${marker.host}` : "its process";
      m.status = "fail";
      m.reason =
        `daq stopped before this run's end (${who} is gone: power cut, kill -9 or crash);` +
        ` figures as last saved at ${m.updated.utc}, files hashed as found at recovery`;
      m.stop = m.updated;
      if (m.start) m.durationS = Number(BigInt(m.stop.ns) - BigInt(m.start.ns)) / 1e9;
      if (m.pauses.length && !m.pauses.at(-1)!.stop) m.pauses.at(-1)!.stop = m.stop;
      m.files = await hashRunFiles(dir, m.files);
      await writeManifest(dir, m);
      marked.push(n);
    }
    await clearActive(dataDir, n);
  }
  return marked;
}
