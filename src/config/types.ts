/** The resolved config: what `daq run` starts, after validation and defaults. */
import type { Schema } from "apache-arrow";
import type { TableSpec } from "./_schema.ts";

export type { FieldSpec, TableSpec } from "./_schema.ts";
import type { AlarmSpec } from "../alarms/mod.ts";

/** What a route does when the consumer's ring is full. */
export type OverflowPolicy = "block" | "drop-newest" | "drop-oldest";

/** How a route carries messages: a SharedArrayBuffer ring, or Worker `postMessage` (for comparison). */
export type TransportKind = "ring" | "postmessage";

/** The kinds of job, by how they take part in the data flow. */
export type JobRole = "source" | "processor" | "store" | "link";

/** The `[supervisor]` table, resolved. */
export interface SupervisorConfig {
  /** Name of this supervisor; in file names, ring names and remote headers. */
  id: string;
  /**
   * Folder under which stores write by default: the data dir as configured, or (in the config
   * a run's jobs get) that run's folder.
   */
  dataDir: string;
  /** Pattern of run folder names in the data dir, e.g. `run{number:06}` (see src/runs). */
  runDir: string;
  /** How often stats are gathered, in ms. */
  statsIntervalMs: number;
  /** Restarts of one job before it is given up on. */
  restartLimit: number;
  /** First restart delay, in ms; doubles on each further crash. */
  restartBackoffMs: number;
  /** Largest restart delay, in ms. */
  restartBackoffMaxMs: number;
  /** A job that ran this long without crashing gets its backoff and count reset, in ms. */
  restartResetMs: number;
  /** How long a clean stop may take before jobs are terminated, in ms. */
  stopTimeoutMs: number;
}

/** One job, resolved: common keys plus the job type's own fields. */
export interface JobConfig {
  /** Job type, e.g. `signal`, `store.csv`. */
  type: string;
  /** Unique job name. */
  name: string;
  /** How the job takes part in the data flow. */
  role: JobRole;
  /** For producers: the route key their messages carry. */
  route?: string;
  /** Every route key this job sends: `[route]`, or more for links that inject several. */
  sends: string[];
  /** For consumers: the route keys they take (a trailing `*` matches a prefix). */
  inputs: string[];
  /** Overflow policy of the rings into this job. */
  policy: OverflowPolicy;
  /** How messages reach this job. */
  transport: TransportKind;
  /** Size of each ring into this job, in bytes. */
  ringBytes: number;
  /** The job type's own fields, validated and converted (durations in ms, sizes in bytes). */
  fields: Record<string, unknown>;
  /** The file this job was defined in. */
  file: string;
  /** The module of the job type, run in the job's Worker. */
  module: string;
  /** The Deno permissions of the job's Worker. */
  permissions: Deno.PermissionOptionsObject;
}

/** One route into a consumer, with the schema its producer declares (if it does). */
export interface InputSchema {
  /** Route key. */
  key: string;
  /** Producer job. */
  from: string;
  /** The columns the producer declares, or undefined when it does not. */
  schema: Schema | undefined;
  /** The bytes of the producer's largest message, when its fields say (see JobType). */
  messageBytes?: number;
}

/**
 * A job type as the config loader sees it: its fields, role, module and what it checks.
 * Built from a job definition by `src/job` (`jobType`); the loader is handed them by name.
 */
export interface JobType {
  /** How jobs of this type take part in the data flow. */
  role: JobRole;
  /** One line for `daq check`, `daq jobs` and the docs. */
  summary: string;
  /** The type's own config keys. */
  fields: TableSpec;
  /** Module run inside the job's Worker (its default export is the job). */
  module: string;
  /** The route keys a job sends, from its fields; default `[route]` for producers. */
  sends?(fields: Record<string, unknown>): string[];
  /** The Deno permissions of the job's Worker. */
  permissions(job: JobConfig, supervisor: SupervisorConfig): Deno.PermissionOptionsObject;
  /** Why it needs them, one line per permission name (shown by `daq check`). */
  permissionsWhy?: Readonly<Record<string, string>>;
  /**
   * For producers that know their columns from their config (and, for processors, from the
   * columns of their inputs): the schema of what they send.
   */
  schema?(job: JobConfig, inputs?: InputSchema[]): Schema | undefined;
  /**
   * For producers whose fields fix how large their messages are (columns x rows per batch):
   * the bytes of the largest, so that a ring too small for it is a config error.
   */
  messageBytes?(fields: Record<string, unknown>): number | undefined;
  /**
   * For consumers: what is wrong with the columns their inputs send (naming it), if anything;
   * a `key` names the job's own key at fault (default `inputs`).
   */
  checkInputs?(
    job: JobConfig,
    inputs: InputSchema[],
  ): string | { key: string; problem: string } | undefined;
  /** What the field specs cannot express; returns the key at fault and the problem. */
  check?(fields: Record<string, unknown>): { key: string; problem: string } | undefined;
  /**
   * The files or folders a job makes and needs for itself alone (a memory-mapped ring file),
   * each with the key that places it: two jobs whose paths are the same, or one inside the
   * other, are a config error naming both jobs and the key.
   */
  ownPaths?(job: JobConfig, supervisor: SupervisorConfig): OwnPath[];
  /**
   * Keys the job takes from another file (a device profile), read before its keys are
   * validated: `raw` is the job's table as written in `configFile`. The loader checks the
   * included keys against the field specs where they are written, then lays the job's own keys
   * over them. Returns the problem (naming the job's key) when the file cannot be used.
   */
  include?(
    raw: Record<string, unknown>,
    configFile: string,
  ): IncludedKeys | { key: string; problem: string } | undefined;
}

/** A path that a job needs for itself alone (see {@link JobType.ownPaths}). */
export interface OwnPath {
  /** The job's key that places it (e.g. `ring_path`), named when another job's path clashes. */
  key: string;
  /** The file or folder. */
  path: string;
}

/** Keys a job takes from another file (see {@link JobType.include}). */
export interface IncludedKeys {
  /** The file they come from, as shown in errors. */
  file: string;
  /** Its text (to find lines for errors). */
  text: string;
  /** Its keys, as written. */
  table: Record<string, unknown>;
}

/** Job types by their `type` key. */
export type JobTypes = Readonly<Record<string, JobType>>;

/**
 * `config` with its data folder moved to `dataDir` (e.g. a numbered run's folder): the grants
 * of every job under the old folder move with it, as they were computed from it.
 */
export function withDataDir(config: DaqConfig, dataDir: string): DaqConfig {
  const old = config.supervisor.dataDir.replace(/\/+$/, "");
  const move = (grant: Deno.PermissionOptionsObject["read"]) =>
    Array.isArray(grant)
      ? grant.map((p) =>
        typeof p === "string" && (p === old || p.startsWith(`${old}/`))
          ? `${dataDir}${p.slice(old.length)}`
          : p
      )
      : grant;
  return {
    ...config,
    supervisor: { ...config.supervisor, dataDir },
    jobs: config.jobs.map((job) => ({
      ...job,
      permissions: {
        ...job.permissions,
        read: move(job.permissions.read),
        write: move(job.permissions.write),
      },
    })),
  };
}

/**
 * The largest message a ring of `ringBytes` takes: rings are rounded up to a power of two (at
 * least 1 KiB) and a record (a 24-byte header and the message, padded to 8 bytes) may fill at
 * most half of one. transport/ring.ts keeps to it.
 */
export function ringMessageLimit(ringBytes: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(ringBytes, 1024))) / 2 - 24;
}

/** The smallest ring size (a power of two) that takes a message of `messageBytes`. */
export function ringBytesFor(messageBytes: number): number {
  return 2 ** Math.ceil(Math.log2(2 * (Math.ceil(messageBytes / 8) * 8 + 24)));
}

/** Whether jobs of this role send messages on a route. */
export function produces(role: JobRole): boolean {
  return role === "source" || role === "processor" || role === "link";
}

/** Whether jobs of this role take messages from rings. */
export function consumes(role: JobRole): boolean {
  return role === "processor" || role === "store" || role === "link";
}

/** One route: messages with `key` from `from` go into the ring of `to`. */
export interface RouteConfig {
  key: string;
  from: string;
  to: string;
  policy: OverflowPolicy;
  transport: TransportKind;
  ringBytes: number;
}

/** The value of a setting sent to a job (an instrument's output voltage, say). */
export type SettingValue = number | boolean | string;

/** One `[[sequence]]` step, resolved: runs made one after another. */
export interface SequenceStep {
  /** Comment of its runs, placeholders not yet filled. */
  comment: string;
  /** Each run lasts this long, ms... */
  durationMs?: number;
  /** ...or until its sources produced this many rows. */
  stopAfterRows?: number;
  /** Runs of this step. */
  repeat: number;
  /** Settings sent before each of its runs: job, then setting name, then value. */
  set: Record<string, Record<string, SettingValue>>;
}

/** A whole validated config. */
export interface DaqConfig {
  supervisor: SupervisorConfig;
  jobs: JobConfig[];
  routes: RouteConfig[];
  /** The TOML files it was loaded from (`<default>` for the embedded default). */
  files: string[];
  /** The `[[sequence]]` steps, when the config lists runs to make. */
  sequence?: SequenceStep[];
  /** The `[[alarms]]`, validated (conditions parsed against the jobs and route keys). */
  alarms: AlarmSpec[];
}
