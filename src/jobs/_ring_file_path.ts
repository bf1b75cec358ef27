/**
 * Where a `store.hdf5` job keeps its ring file, decided the same way by the supervisor (which
 * grants the job's permissions) and by the job's Worker.
 */
import type { JobConfig, SupervisorConfig } from "../config/types.ts";

function safeName(part: string): string {
  return part.replace(/[^A-Za-z0-9_.-]/g, "_");
}

/**
 * The ring file of a `store.hdf5` job: its `ring_path`, else `daq-<supervisor>-<job>.ring` in
 * /dev/shm on Linux and in `data_dir` elsewhere: the name `defaultRingPath` of
 * `src/dataplane` gives. That function looks for /dev/shm with `Deno.statSync`, which Deno
 * refuses for paths under /dev without `--allow-all`, so under `daq run`'s permissions it
 * would always answer data_dir; Linux always has /dev/shm, so this asks the OS name instead.
 */
export function ringFilePath(job: JobConfig, supervisor: SupervisorConfig): string {
  const configured = job.fields.ring_path as string | undefined;
  if (configured !== undefined) return configured;
  const name = `daq-${safeName(supervisor.id)}-${safeName(job.name)}.ring`;
  const dir = Deno.build.os === "linux" ? "/dev/shm" : supervisor.dataDir.replace(/\/+$/, "");
  return `${dir}/${name}`;
}
