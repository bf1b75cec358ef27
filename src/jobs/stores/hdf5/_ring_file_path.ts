/**
 * Where a `store.hdf5` job keeps its ring files, decided the same way by the supervisor (which
 * grants the job's permissions) and by the job's Worker.
 *
 * A job that takes one route key (one `inputs` entry without `*`) has one ring file. A job that
 * takes several keys has one ring file per key, `<key>.ring` in a folder next to where the single
 * ring file would be (`daq-<supervisor>-<job>.rings/`): the keys behind a prefix (`client-*`)
 * are known only when their batches arrive, and Deno grants a folder, not a name pattern.
 */
import type { JobConfig, SupervisorConfig } from "../../../job/mod.ts";
import { checkOwnDir } from "../../../dataplane/mod.ts";
import { defaultRingPath, safeName } from "../../../dataplane/path.ts";

/** What of a `store.hdf5` job decides where its ring files are. */
export type RingFileJob = Pick<JobConfig, "name" | "inputs"> & { fields: { ring_path?: string } };

/** FNV-1a of `text`, 8 hex digits: keeps apart keys that sanitize to the same file name. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The ring file of a `store.hdf5` job: its `ring_path`, else {@link defaultRingPath}. */
export function ringFilePath(job: RingFileJob, supervisor: SupervisorConfig): string {
  return job.fields.ring_path ??
    defaultRingPath(supervisor.id, job.name, supervisor.dataDir);
}

/** Whether the job keeps one ring file per route key: several `inputs`, or a key prefix. */
export function ringFilePerKey(job: RingFileJob): boolean {
  return job.inputs.length > 1 || job.inputs.some((k) => k.endsWith("*"));
}

/** The folder of per-key ring files: {@link ringFilePath} with `.ring` replaced by `.rings`. */
export function ringFileDir(job: RingFileJob, supervisor: SupervisorConfig): string {
  return `${ringFilePath(job, supervisor).replace(/\.ring$/, "")}.rings`;
}

/**
 * The ring file of route key `key`: {@link ringFilePath} for a job with one input key, else
 * `<ringFileDir>/<key>.ring`, the key made safe for a file name (characters other than
 * letters, digits, `_`, `.` and `-` become `_`, and a hash of the key is added then).
 */
export function keyRingFilePath(
  job: RingFileJob,
  supervisor: SupervisorConfig,
  key: string,
): string {
  if (!ringFilePerKey(job)) return ringFilePath(job, supervisor);
  const safe = safeName(key);
  const name = safe === key && safe !== "." && safe !== ".." ? key : `${safe}-${shortHash(key)}`;
  return `${ringFileDir(job, supervisor)}/${name}.ring`;
}

/** The path the job needs read and write access to: its ring file or its folder of them. */
export function ringFileGrant(job: RingFileJob, supervisor: SupervisorConfig): string {
  return ringFilePerKey(job) ? ringFileDir(job, supervisor) : ringFilePath(job, supervisor);
}

/**
 * The folder of HDF5's temporary files (error stacks, which h5wasm's libc would put straight
 * into /tmp): `/tmp/daq-<supervisor>-<job>.h5tmp`, so that the job needs this one folder rather
 * than all of /tmp. Not in the store's folder (a full disk would leave no room for the error
 * stack that says so) nor in /dev/shm (Deno lets no file API but libc's touch /dev).
 */
export function hdf5TempDir(job: JobConfig, supervisor: SupervisorConfig): string {
  return `/tmp/daq-${safeName(supervisor.id)}-${safeName(job.name)}.h5tmp`;
}

const DIR_SYMBOLS = {
  mkdir: { parameters: ["buffer", "u32"], result: "i32" },
  opendir: { parameters: ["buffer"], result: "pointer" },
  readdir: { parameters: ["pointer"], result: "pointer" },
  closedir: { parameters: ["pointer"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

let dirLib: Deno.DynamicLibrary<typeof DIR_SYMBOLS>["symbols"] | undefined;

/** libc's folder calls: Deno refuses `mkdir` and `readDir` under /dev without `--allow-all`. */
function libc(): Deno.DynamicLibrary<typeof DIR_SYMBOLS>["symbols"] {
  dirLib ??= Deno.dlopen("libc.so.6", DIR_SYMBOLS).symbols;
  return dirLib;
}

function cString(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${text}\0`);
}

function errno(): number {
  return new Deno.UnsafePointerView(libc().__errno_location()!).getInt32();
}

const EEXIST = 17;
const ENOENT = 2;
/** Offset of `d_name` in glibc's `struct dirent` on 64-bit Linux. */
const DIRENT_NAME_OFFSET = 19;

/** A ring file folder cannot be made or listed. The message names the folder. */
export class RingFileDirError extends Error {
  override name = "RingFileDirError";
}

/**
 * The names in folder `dir` that end in `.ring` (sorted), or undefined when `dir` does not
 * exist. Throws {@link RingFileDirError} when `dir` is something else or cannot be read.
 */
export function listRingFiles(dir: string): string[] | undefined {
  const c = libc();
  const handle = c.opendir(cString(dir));
  if (handle === null) {
    const code = errno();
    if (code === ENOENT) return undefined;
    throw new RingFileDirError(`${dir}: cannot list the ring file folder (errno ${code})`);
  }
  const names: string[] = [];
  try {
    for (let entry = c.readdir(handle); entry !== null; entry = c.readdir(handle)) {
      const name = new Deno.UnsafePointerView(entry).getCString(DIRENT_NAME_OFFSET);
      if (name.endsWith(".ring")) names.push(name);
    }
  } finally {
    c.closedir(handle);
  }
  return names.sort();
}

/**
 * Makes folder `dir` (its parent must exist); fine if it is already a folder of this user. A
 * symbolic link or another user's folder is a `RingFileRefusedError` naming it.
 */
export function makeRingFileDir(dir: string): void {
  if (libc().mkdir(cString(dir), 0o755) === 0) return;
  const code = errno();
  if (code === EEXIST && checkOwnDir(dir)) return;
  throw new RingFileDirError(`${dir}: cannot make the ring file folder (errno ${code})`);
}
