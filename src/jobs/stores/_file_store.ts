/** What the file stores (`store.csv`, `store.root`, `store.hdf5`) share: fields and folder. */
import type { JobConfig, SupervisorConfig } from "../../job/mod.ts";

/** The config keys of every file store. */
export const FILE_STORE_FIELDS = {
  out_dir: { type: "string", doc: "folder for the files; default <data_dir>/<job name>" },
  prefix: { type: "string", format: "name", doc: "file name prefix; default the job name" },
  date_in_name: { type: "boolean", default: true, doc: "put the start time in file names" },
  flush_interval: { type: "duration", default: "1s", doc: "how often data is flushed to disk" },
  rotate_size: { type: "size", default: "1GiB", doc: "start a new file past this size" },
  rotate_interval: { type: "duration", doc: "start a new file after this long" },
} as const;

/** The folder a file store writes to: its `out_dir`, else `<data_dir>/<job name>`. */
export function storeDir(
  job: Pick<JobConfig, "name"> & { fields: { out_dir?: string } },
  supervisor: SupervisorConfig,
): string {
  return job.fields.out_dir ?? `${supervisor.dataDir}/${job.name}`;
}

/** A file store may read and write its folder only. */
export function fileStorePermissions(
  job: Pick<JobConfig, "name"> & { fields: { out_dir?: string } },
  supervisor: SupervisorConfig,
): Deno.PermissionOptionsObject {
  const dir = storeDir(job, supervisor);
  return { read: [dir], write: [dir] };
}
