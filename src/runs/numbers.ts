/**
 * Run numbers: one more than the highest ever given in a data dir, never reused. A counter
 * file (`.daq-last-run`) remembers the highest number given even if its folder is deleted;
 * the folders are scanned too. Both are read and the new folder made under an exclusive lock
 * on `.daq-runs.lock`, so concurrent starts (in one process or several) get different numbers.
 */
import { runDirName, type RunNaming, runNumberOf } from "./naming.ts";
import { writeFileAtomic } from "./_atomic.ts";

const COUNTER_FILE = ".daq-last-run";
const LOCK_FILE = ".daq-runs.lock";

/** Runs `fn` holding the data dir's run lock (made with the data dir when missing). */
export async function withRunLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  await Deno.mkdir(dataDir, { recursive: true });
  const lock = await Deno.open(`${dataDir}/${LOCK_FILE}`, {
    read: true,
    write: true,
    create: true,
  });
  try {
    await lock.lock(true);
    return await fn();
  } finally {
    lock.close();
  }
}

/** The run folders of a data dir, by number, lowest first. */
export async function listRunDirs(
  dataDir: string,
  naming: RunNaming,
): Promise<{ number: number; dir: string }[]> {
  const out: { number: number; dir: string }[] = [];
  try {
    for await (const e of Deno.readDir(dataDir)) {
      if (!e.isDirectory) continue;
      const n = runNumberOf(naming, e.name);
      if (n !== undefined) out.push({ number: n, dir: `${dataDir}/${e.name}` });
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => a.number - b.number);
}

async function readCounter(dataDir: string): Promise<number> {
  try {
    const n = Number((await Deno.readTextFile(`${dataDir}/${COUNTER_FILE}`)).trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return 0;
    throw e;
  }
}

/**
 * Gives the next run number of `dataDir` and makes its folder. Call it holding
 * {@link withRunLock}.
 */
export async function allocateRunLocked(
  dataDir: string,
  naming: RunNaming,
): Promise<{ number: number; dir: string }> {
  const dirs = await listRunDirs(dataDir, naming);
  let n = Math.max(await readCounter(dataDir), dirs.at(-1)?.number ?? 0) + 1;
  for (;;) {
    const dir = `${dataDir}/${runDirName(naming, n)}`;
    try {
      await Deno.mkdir(dir);
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) {
        n++;
        continue;
      }
      throw e;
    }
    await writeFileAtomic(`${dataDir}/${COUNTER_FILE}`, `${n}\n`);
    return { number: n, dir };
  }
}
