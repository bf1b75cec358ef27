/**
 * A job type in one object: {@link defineJob} takes its role, summary, fields, permissions,
 * columns and `run`, and types the field values that `run` gets from the field specs.
 */
import type {
  IncludedKeys,
  InputSchema,
  JobConfig,
  JobRole,
  JobType,
  OwnPath,
  SupervisorConfig,
  TableSpec,
} from "../config/types.ts";
import { type Columns, schemaOfColumns } from "./columns.ts";
import type { JobContext } from "./context.ts";
import { JobDefinitionError } from "./errors.ts";

/** The value a field of spec `F` has in a validated config. */
export type FieldValue<F> = F extends { type: "string"; choices: readonly (infer C)[] } ? C
  : F extends { type: "string" } ? string
  : F extends { type: "number" | "duration" | "size" } ? number
  : F extends { type: "boolean" } ? boolean
  : F extends { type: "strings" } ? string[]
  : F extends { type: "numbers" } ? number[]
  : F extends { type: "tables"; fields: infer T extends TableSpec } ? FieldValues<T>[]
  : F extends { type: "map"; values: { type: "table"; fields: infer T extends TableSpec } }
    ? Record<string, FieldValues<T>>
  : F extends { type: "map"; values: infer V } ? Record<string, FieldValue<V>>
  : never;

/** Whether a field always has a value: required, or with a default. */
type Always<F> = F extends { required: true } ? true : F extends { default: unknown } ? true
: false;

/**
 * The field values of a job whose field specs are `S`: durations in ms, sizes in bytes;
 * fields without a default and not required may be undefined.
 */
export type FieldValues<S extends TableSpec> =
  & { -readonly [K in keyof S as Always<S[K]> extends true ? K : never]: FieldValue<S[K]> }
  & { -readonly [K in keyof S as Always<S[K]> extends true ? never : K]?: FieldValue<S[K]> };

/** A resolved job whose fields are typed from its specs. */
export type TypedJob<S extends TableSpec> = Omit<JobConfig, "fields"> & { fields: FieldValues<S> };

/** A job type: everything `daq` needs to configure, confine and run it. */
export interface JobDefinition<S extends TableSpec = TableSpec> {
  /** How the job takes part in the data flow: `source`, `processor`, `store` or `link`. */
  role: JobRole;
  /** One line for `daq check`, `daq jobs` and the docs. */
  summary: string;
  /** The job's own config keys: type, default, limits, choices, doc. */
  fields: S;
  /**
   * The Deno permissions its Worker needs beyond none, from its fields: e.g.
   * `{ net: [`${job.fields.host}:${job.fields.port}`] }`. Default: none.
   */
  permissions?(job: TypedJob<S>, supervisor: SupervisorConfig): Deno.PermissionOptionsObject;
  /**
   * Why it needs each of those permissions, one line per permission (`daq check` prints them
   * under the job): e.g. `{ net: "the instrument's host and port" }`.
   */
  permissionsWhy?: Readonly<Record<string, string>>;
  /**
   * The columns it sends (name: type, or `{ type, unit }`), so that consumers can check them
   * at config time and `sendColumns` converts plain numbers to them. Fixed, or from the fields.
   */
  columns?: Columns | ((fields: FieldValues<S>, inputs: InputSchema[]) => Columns | undefined);
  /** The route keys it sends, from its fields; default `[route]` (its name) for producers. */
  sends?(fields: FieldValues<S>): string[];
  /**
   * The bytes of the largest message it sends, when its fields fix them (e.g.
   * `batchBytes(columns, fields.batch_rows)`): a consumer's ring too small for it is then a
   * config error rather than a job that fails at its first batch.
   */
  messageBytes?(fields: FieldValues<S>): number | undefined;
  /** Checks what the field specs cannot say; returns the key at fault and the problem. */
  check?(fields: FieldValues<S>): { key: string; problem: string } | undefined;
  /**
   * The files or folders it makes and needs for itself alone, each with the key that places
   * it (e.g. `[{ key: "ring_path", path }]`): two jobs of a config whose paths are the same,
   * or one inside the other, are a config error naming both jobs and the key.
   */
  ownPaths?(job: TypedJob<S>, supervisor: SupervisorConfig): OwnPath[];
  /**
   * Takes keys from another file before the fields are validated (a device profile named by
   * a key): `raw` is the job's table as written in `configFile`. The job's own keys win.
   */
  include?(
    raw: Record<string, unknown>,
    configFile: string,
  ): IncludedKeys | { key: string; problem: string } | undefined;
  /**
   * Consumers: checks the columns (and message sizes) that its inputs declare (schema undefined
   * when a producer declares none); returns the problem, naming the column, or the key at
   * fault and the problem when it is not `inputs`; undefined when all is well.
   */
  checkInputs?(
    job: TypedJob<S>,
    inputs: InputSchema[],
  ): string | { key: string; problem: string } | undefined;
  /** Runs the job in its Worker until it is done or a stop is asked for. */
  run(ctx: JobContext<FieldValues<S>>): Promise<void>;
}

const ROLES: readonly JobRole[] = ["source", "processor", "store", "link"];

/**
 * Declares a job type. Field values reach `run` typed from the field specs (`ctx.fields`).
 * Throws {@link JobDefinitionError} when the declaration is incomplete.
 *
 * @example
 * ```ts
 * import { defineJob } from "./define.ts";
 * export default defineJob({
 *   role: "source",
 *   summary: "counts up at rate_hz",
 *   fields: { rate_hz: { type: "number", positive: true, default: 10 } },
 *   columns: { n: "float64" },
 *   async run(ctx) {
 *     for (let n = 0; !ctx.stopping(); n++) {
 *       await ctx.sendRow({ n });
 *       await ctx.sleep(1000 / ctx.fields.rate_hz);
 *     }
 *   },
 * });
 * ```
 */
export function defineJob<const S extends TableSpec>(
  definition: JobDefinition<S>,
): JobDefinition<S> {
  const problem = definitionProblem(definition);
  if (problem !== undefined) throw new JobDefinitionError(problem);
  return definition;
}

/** What is wrong with a value meant as a job definition, or undefined when it is one. */
export function definitionProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return "a job is an object (use defineJob)";
  const d = value as Partial<JobDefinition>;
  if (!ROLES.includes(d.role as JobRole)) {
    return `role: expected one of ${ROLES.map((r) => `"${r}"`).join(", ")}, got ${
      JSON.stringify(d.role)
    }`;
  }
  if (typeof d.summary !== "string" || d.summary === "") return "summary: expected a string";
  if (d.fields === null || typeof d.fields !== "object" || Array.isArray(d.fields)) {
    return "fields: expected an object of field specs";
  }
  if (typeof d.run !== "function") return "run: expected a function run(ctx)";
  for (
    const key of [
      "permissions",
      "sends",
      "messageBytes",
      "check",
      "checkInputs",
      "include",
      "ownPaths",
    ] as const
  ) {
    if (d[key] !== undefined && typeof d[key] !== "function") return `${key}: expected a function`;
  }
  if (d.columns !== undefined && typeof d.columns !== "function" && typeof d.columns !== "object") {
    return "columns: expected an object or a function";
  }
  return undefined;
}

/**
 * What every job gets: nothing but the one environment variable that msgpackr reads when it
 * loads (without its native add-on it runs as pure JavaScript).
 */
export const NO_PERMISSIONS: Readonly<Deno.PermissionOptionsObject> = {
  read: false,
  write: false,
  net: false,
  env: ["MSGPACKR_NATIVE_ACCELERATION_DISABLED"],
  run: false,
  ffi: false,
  sys: false,
  import: false,
};

/** `declared` over {@link NO_PERMISSIONS} (a list of env names keeps msgpackr's). */
export function withNoPermissions(
  declared: Deno.PermissionOptionsObject,
): Deno.PermissionOptionsObject {
  const out = { ...NO_PERMISSIONS, ...declared };
  if (Array.isArray(declared.env)) {
    out.env = [...new Set([...(NO_PERMISSIONS.env as string[]), ...declared.env])];
  }
  return out;
}

/** The columns a job declares for these field values, if any. */
export function declaredColumns<S extends TableSpec>(
  definition: JobDefinition<S>,
  fields: Record<string, unknown>,
  inputs: InputSchema[] = [],
): Columns | undefined {
  const c = definition.columns;
  return typeof c === "function" ? c(fields as FieldValues<S>, inputs) : c;
}

/** The job type the config loader sees for `definition` run from `module`. */
export function jobType<S extends TableSpec>(
  module: string | URL,
  definition: JobDefinition<S>,
): JobType {
  // The loader validated the fields against the specs: they are the typed values.
  const d = definition;
  const typed = (fields: Record<string, unknown>) => fields as FieldValues<S>;
  const typedJob = (job: JobConfig) => job as unknown as TypedJob<S>;
  return {
    role: d.role,
    summary: d.summary,
    fields: d.fields,
    module: String(module),
    sends: d.sends ? (fields) => d.sends!(typed(fields)) : undefined,
    messageBytes: d.messageBytes ? (fields) => d.messageBytes!(typed(fields)) : undefined,
    check: d.check ? (fields) => d.check!(typed(fields)) : undefined,
    checkInputs: d.checkInputs ? (job, inputs) => d.checkInputs!(typedJob(job), inputs) : undefined,
    include: d.include,
    ownPaths: d.ownPaths ? (job, supervisor) => d.ownPaths!(typedJob(job), supervisor) : undefined,
    permissions: (job, supervisor) =>
      withNoPermissions(d.permissions?.(typedJob(job), supervisor) ?? {}),
    permissionsWhy: d.permissionsWhy,
    schema: d.columns === undefined ? undefined : (job, inputs) => {
      const columns = declaredColumns(d, job.fields, inputs ?? []);
      return columns === undefined ? undefined : schemaOfColumns(columns);
    },
  };
}
