/** Where ring files live by default. */

/** `part` with characters other than letters, digits, `_`, `.` and `-` turned into `_`. */
export function safeName(part: string): string {
  return part.replace(/[^A-Za-z0-9_.-]/g, "_");
}

function hasDevShm(): boolean {
  try {
    return Deno.statSync("/dev/shm").isDirectory;
  } catch (e) {
    // Deno refuses to stat paths under /dev without --allow-all; every Linux has /dev/shm.
    if (e instanceof Deno.errors.NotFound) return false;
    return Deno.build.os === "linux";
  }
}

/**
 * The default ring file path of a job: `/dev/shm/daq-<supervisor>-<job>.ring` when /dev/shm
 * exists (memory-backed), else the same name in `dataDir`. Characters other than letters,
 * digits, `_`, `.` and `-` in the ids become `_`.
 */
export function defaultRingPath(supervisorId: string, jobId: string, dataDir: string): string {
  const name = `daq-${safeName(supervisorId)}-${safeName(jobId)}.ring`;
  const dir = hasDevShm() ? "/dev/shm" : dataDir;
  return `${dir.replace(/\/+$/, "")}/${name}`;
}
