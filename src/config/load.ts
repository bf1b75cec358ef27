import { parse as parseToml, TomlError } from "smol-toml";
import { dirname, resolve } from "node:path";
import {
  exactSize,
  fail,
  folderProblem,
  isName,
  NAME_RULE,
  nearestKey,
  type TableSpec,
  validateTable,
  type ValidationSite,
} from "./_schema.ts";
import { ConfigError } from "./errors.ts";
import { type RawAlarm, resolveAlarms } from "./_alarms.ts";
import type { Schema } from "apache-arrow";
import {
  consumes,
  type DaqConfig,
  type InputSchema,
  type JobConfig,
  type JobType,
  type JobTypes,
  type OverflowPolicy,
  produces,
  ringBytesFor,
  ringMessageLimit,
  type RouteConfig,
  type SupervisorConfig,
  type TransportKind,
} from "./types.ts";
import { DEFAULT_RUN_DIR, parseRunNaming } from "../runs/naming.ts";
import { RunNamingError } from "../runs/errors.ts";
import { resolveSequence } from "./sequence.ts";

/** What the loader is given: the job types it knows, and what overrides the config files. */
export interface LoadOptions {
  /** The job types a config may name, by `type` key (the built-ins: `src/jobs/catalogue.ts`). */
  jobTypes: JobTypes;
  /** Replaces `[supervisor] data_dir`. */
  dataDir?: string;
  /**
   * Loads the job type of a module file (a job whose `type` is a path: `./jobs/thermo.ts`);
   * throws with a message saying what is wrong with it. `loadJobModule` in `src/job/module.ts`.
   * Without it, configs can name built-in types only.
   */
  loadJobModule?: (path: string) => Promise<JobType>;
}

/**
 * Whether a job's `type` names a module file (`./jobs/thermo.ts`, `../x.js`, `/abs/y.ts`)
 * rather than a built-in type.
 */
export function isModuleType(type: string): boolean {
  return /^\.{0,2}\//.test(type) || /\.(ts|js|mts|mjs)$/.test(type);
}

/** The absolute path of job module `type`, named in `configFile` (relative to its folder). */
export function jobModulePath(type: string, configFile: string): string {
  return resolve(configFile === "<default>" ? "." : dirname(configFile), type);
}

/** The config keys that narrow a job's permissions, and the permission each narrows. */
const NARROWING_KEYS = {
  allow_read: "read",
  allow_write: "write",
  allow_net: "net",
  allow_env: "env",
  allow_run: "run",
} as const;

/**
 * Limits on what a config may ask for, so that a hostile or mistaken config is an error
 * rather than a process killed for memory.
 */
export const CONFIG_LIMITS = {
  /** Bytes of one TOML file. */
  fileBytes: 1 << 20,
  /** TOML files in a config folder. */
  files: 64,
  /** Jobs (each is a Worker). */
  jobs: 256,
  /** Routes (each is a ring). */
  routes: 4096,
} as const;

/** Largest `ring_size`: what one SharedArrayBuffer ring can be (transport/ring.ts). */
export const MAX_RING_BYTES: number = 2 ** 30;

/** The path of the config shipped with `daq`, used when `daq run` gets none. */
export const DEFAULT_CONFIG_URL: URL = new URL("../../config/default.toml", import.meta.url);

const SUPERVISOR_FIELDS: TableSpec = {
  id: { type: "string", format: "name", default: "daq", doc: "name of this supervisor" },
  data_dir: {
    type: "string",
    format: "folder",
    default: "data",
    doc: "folder under which runs are made",
  },
  run_dir: {
    type: "string",
    default: DEFAULT_RUN_DIR,
    doc: "name of each run's folder in data_dir; {number} or {number:0N} is the run number",
  },
  stats_interval: { type: "duration", default: "100ms", doc: "how often stats are gathered" },
  restart_limit: { type: "number", integer: true, min: 0, default: 5 },
  restart_backoff: { type: "duration", default: "1s" },
  restart_backoff_max: { type: "duration", default: "30s" },
  restart_reset_after: { type: "duration", default: "60s" },
  stop_timeout: { type: "duration", default: "10s" },
};

/** The keys every `[[jobs]]` table takes besides `type` and its type's own fields. */
export const COMMON_JOB_FIELDS: TableSpec = {
  name: { type: "string", format: "name", required: true },
  route: {
    type: "string",
    format: "name",
    doc: "route key of this producer's messages; default its name",
  },
  inputs: {
    type: "strings",
    format: "pattern",
    doc: "route keys this consumer takes; `prefix*` matches a prefix; each route is taken once",
  },
  policy: { type: "string", choices: ["block", "drop-newest", "drop-oldest"], default: "block" },
  ring_size: { type: "size", default: "16MiB", min: 64 * 1024, max: MAX_RING_BYTES },
  transport: {
    type: "string",
    choices: ["ring", "postmessage"],
    default: "ring",
    doc:
      "how messages reach this consumer: SharedArrayBuffer ring, or postMessage (no back-pressure; for comparison)",
  },
  ...Object.fromEntries(
    Object.entries(NARROWING_KEYS).map(([key, name]) => [key, {
      type: "strings",
      doc: `narrows the job's ${name} permission to these (within what its type declares)`,
    }]),
  ) as TableSpec,
};

const TOP_KEYS = ["supervisor", "jobs", "sequence", "alarms"];

/**
 * Loads and validates a config: one TOML file, a folder whose `*.toml` files are read together,
 * or, with no path, the default config shipped with `daq`. Throws {@link ConfigError}.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./load.ts";
 * import type { JobTypes } from "./types.ts";
 * // The caller hands the job types over (the built-ins: BUILTIN_JOB_TYPES, src/jobs/catalogue.ts).
 * const jobTypes: JobTypes = {}; // e.g. { signal: ..., "store.csv": ... }
 * const config = await loadConfig("config/default.toml", { jobTypes });
 * console.log(config.jobs.map((j) => j.name));
 * ```
 */
export async function loadConfig(
  path: string | undefined,
  options: LoadOptions,
): Promise<DaqConfig> {
  const files: { file: string; text: string }[] = [];
  if (path === undefined) {
    files.push({ file: "<default>", text: await Deno.readTextFile(DEFAULT_CONFIG_URL) });
  } else {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch (e) {
      throw new ConfigError({ file: path }, `cannot read config: ${(e as Error).message}`);
    }
    if (info.isDirectory) {
      const names: string[] = [];
      for await (const entry of Deno.readDir(path)) {
        if (entry.name.endsWith(".toml") && !entry.isDirectory) names.push(entry.name);
        if (names.length > CONFIG_LIMITS.files) {
          throw new ConfigError(
            { file: path },
            `folder holds more than ${CONFIG_LIMITS.files} *.toml files`,
          );
        }
      }
      if (names.length === 0) throw new ConfigError({ file: path }, "folder holds no *.toml file");
      for (const name of names.sort()) {
        const file = `${path.replace(/\/$/, "")}/${name}`;
        files.push({ file, text: await readConfigText(file) });
      }
    } else {
      files.push({ file: path, text: await readConfigText(path) });
    }
  }
  return parseConfigFiles(files, await withJobModules(files, options));
}

/**
 * `options` with the job types of every job module the config files name (`type` a path),
 * loaded once each. A module that cannot be used is a {@link ConfigError} at its `type` key
 * naming the job and the module.
 */
async function withJobModules(
  files: { file: string; text: string }[],
  options: LoadOptions,
): Promise<LoadOptions> {
  const jobTypes: Record<string, JobType> = { ...options.jobTypes };
  for (const { file, text } of files) {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch {
      continue; // parseConfigFiles reports it, with its line
    }
    if (!Array.isArray(doc.jobs)) continue;
    for (const [i, raw] of doc.jobs.entries()) {
      if (!isTable(raw) || typeof raw.type !== "string" || !isModuleType(raw.type)) continue;
      const path = jobModulePath(raw.type, file);
      if (path in jobTypes) continue;
      const at = site(file, text, `jobs[${i}]`);
      const job = typeof raw.name === "string" ? `job "${raw.name}"` : `jobs[${i}]`;
      if (!options.loadJobModule) {
        fail(at, "type", `${job}: job modules (${raw.type}) cannot be loaded here`);
      }
      try {
        jobTypes[path] = await options.loadJobModule(path);
      } catch (e) {
        fail(at, "type", `${job}: module ${raw.type} (${path}): ${(e as Error).message}`);
      }
    }
  }
  return { ...options, jobTypes };
}

/**
 * Reads one config file: only a regular file (not a FIFO, device or socket, which could block
 * or never end), of at most {@link CONFIG_LIMITS.fileBytes}, in UTF-8. Throws {@link ConfigError}.
 */
async function readConfigText(file: string): Promise<string> {
  const cannot = (why: string): never => {
    throw new ConfigError({ file }, `cannot read config: ${why}`);
  };
  let f: Deno.FsFile | undefined;
  try {
    const info = await Deno.stat(file);
    if (!info.isFile) cannot("not a regular file");
    if (info.size > CONFIG_LIMITS.fileBytes) {
      cannot(`${info.size} bytes, more than the limit of ${CONFIG_LIMITS.fileBytes}`);
    }
    f = await Deno.open(file, { read: true });
    // Read one byte past the limit: the file may have grown since it was looked at.
    const buf = new Uint8Array(CONFIG_LIMITS.fileBytes + 1);
    let n = 0;
    while (n < buf.length) {
      const got = await f.read(buf.subarray(n));
      if (got === null) break;
      n += got;
    }
    if (n > CONFIG_LIMITS.fileBytes) {
      cannot(`more than the limit of ${CONFIG_LIMITS.fileBytes} bytes`);
    }
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, n));
    } catch {
      return cannot("not UTF-8 text");
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    return cannot((e as Error).message);
  } finally {
    f?.close();
  }
}

/** Validates config texts already read (one entry per TOML file); throws {@link ConfigError}. */
export function parseConfigFiles(
  files: { file: string; text: string }[],
  options: LoadOptions,
): DaqConfig {
  narrowings.clear();
  let supervisorSource: { file: string; text: string; table: Record<string, unknown> } | undefined;
  const jobs: JobConfig[] = [];
  let sequenceSource: { file: string; text: string; steps: unknown[] } | undefined;
  const rawAlarms: RawAlarm[] = [];
  if (options.dataDir !== undefined) {
    const problem = folderProblem(options.dataDir);
    if (problem) throw new ConfigError({ file: "--data-dir" }, problem);
  }
  for (const { file, text } of files) {
    if (text.length > CONFIG_LIMITS.fileBytes) {
      throw new ConfigError({ file }, `more than the limit of ${CONFIG_LIMITS.fileBytes} bytes`);
    }
    const doc = parseTomlText(file, text);
    for (const key of Object.keys(doc)) {
      if (!TOP_KEYS.includes(key)) {
        const near = nearestKey(key, TOP_KEYS);
        fail(
          site(file, text, ""),
          key,
          `unknown key${near ? ` (did you mean "${near}"?)` : ""}; known: ${TOP_KEYS.join(", ")}`,
        );
      }
    }
    if (doc.supervisor !== undefined) {
      if (!isTable(doc.supervisor)) fail(site(file, text, ""), "supervisor", "expected a table");
      if (supervisorSource) {
        fail(site(file, text, ""), "supervisor", `already defined in ${supervisorSource.file}`);
      }
      supervisorSource = { file, text, table: doc.supervisor };
    }
    if (doc.sequence !== undefined) {
      if (!Array.isArray(doc.sequence)) {
        fail(site(file, text, ""), "sequence", "expected [[sequence]] tables");
      }
      if (sequenceSource) {
        fail(site(file, text, ""), "sequence", `already given in ${sequenceSource.file}`);
      }
      sequenceSource = { file, text, steps: doc.sequence };
    }
    if (doc.jobs !== undefined) {
      if (!Array.isArray(doc.jobs)) fail(site(file, text, ""), "jobs", "expected [[jobs]] tables");
      if (jobs.length + doc.jobs.length > CONFIG_LIMITS.jobs) {
        fail(site(file, text, ""), "jobs", `more than ${CONFIG_LIMITS.jobs} jobs`);
      }
      doc.jobs.forEach((raw, i) => {
        const at = site(file, text, `jobs[${i}]`);
        if (!isTable(raw)) fail(site(file, text, ""), `jobs[${i}]`, "expected a table");
        jobs.push(resolveJob(raw, at, file, options.jobTypes));
      });
    }
    if (doc.alarms !== undefined) {
      if (!Array.isArray(doc.alarms)) {
        fail(site(file, text, ""), "alarms", "expected [[alarms]] tables");
      }
      doc.alarms.forEach((raw, i) => {
        if (!isTable(raw)) fail(site(file, text, ""), `alarms[${i}]`, "expected a table");
        rawAlarms.push({ table: raw, site: site(file, text, ""), index: i });
      });
    }
  }
  const supSite = site(
    supervisorSource?.file ?? files[0]?.file ?? "<none>",
    supervisorSource?.text ?? "",
    "supervisor",
  );
  const s = validateTable(supervisorSource?.table ?? {}, SUPERVISOR_FIELDS, supSite);
  const supervisor: SupervisorConfig = {
    id: s.id as string,
    dataDir: options.dataDir ?? (s.data_dir as string),
    runDir: s.run_dir as string,
    statsIntervalMs: s.stats_interval as number,
    restartLimit: s.restart_limit as number,
    restartBackoffMs: s.restart_backoff as number,
    restartBackoffMaxMs: s.restart_backoff_max as number,
    restartResetMs: s.restart_reset_after as number,
    stopTimeoutMs: s.stop_timeout as number,
  };
  try {
    parseRunNaming(supervisor.runDir);
  } catch (e) {
    if (!(e instanceof RunNamingError)) throw e;
    fail(supSite, "run_dir", e.message.replace(/^run_dir /, ""));
  }
  if (jobs.length === 0) {
    throw new ConfigError({ file: files.map((f) => f.file).join(", ") }, "no [[jobs]] defined");
  }
  const { alarms, watchers } = resolveAlarms(
    rawAlarms,
    jobs.map((j) => j.name),
    jobs.flatMap((j) => j.sends),
  );
  for (const w of watchers) {
    if (jobs.some((j) => j.name === w.table.name)) {
      fail(w.site, "when", `a job is named ${w.table.name}, which the alarms' watcher needs`);
    }
    jobs.push(resolveJob(w.table, w.site, w.site.file, options.jobTypes));
  }
  for (const job of jobs) {
    const declared = options.jobTypes[job.type].permissions(job, supervisor);
    job.permissions = narrowPermissions(job, declared, narrowings.get(job.name)!);
  }
  const routes = resolveRoutes(jobs, files);
  checkOwnPaths(jobs, supervisor, files, options.jobTypes);
  checkInputSchemas(jobs, routes, files, options.jobTypes);
  const sequence = sequenceSource
    ? resolveSequence(
      sequenceSource.steps,
      site(sequenceSource.file, sequenceSource.text, ""),
      jobs.map((j) => j.name),
    )
    : undefined;
  return { supervisor, jobs, routes, files: files.map((f) => f.file), sequence, alarms };
}

function parseTomlText(file: string, text: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw new ConfigError({ file, line: e.line, column: e.column }, `TOML parse error: ${first}`);
    }
    // The parser may give up in other ways on hostile input (e.g. nesting too deep).
    throw new ConfigError({ file }, `TOML parse error: ${(e as Error).message ?? String(e)}`);
  }
}

function site(file: string, text: string, path: string): ValidationSite {
  return { file, text, path, shownPath: path };
}

function isTable(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function resolveJob(
  raw: Record<string, unknown>,
  at: ValidationSite,
  file: string,
  jobTypes: JobTypes,
): JobConfig {
  const modulePath = typeof raw.type === "string" && isModuleType(raw.type)
    ? jobModulePath(raw.type, file)
    : undefined;
  const typeField: TableSpec = {
    type: modulePath === undefined
      ? {
        type: "string",
        required: true,
        choices: Object.keys(jobTypes).filter((t) => !isModuleType(t)),
      }
      : { type: "string" },
  };
  validateTable({ type: raw.type }, typeField, at);
  const type = jobTypes[modulePath ?? raw.type as string];
  if (type === undefined) fail(at, "type", `job module ${raw.type} was not loaded`);
  const included = type.include?.(raw, file);
  if (included && "problem" in included) fail(at, included.key, included.problem);
  if (included) {
    // The included keys are checked where they are written; the job's own keys win.
    const spec: TableSpec = {};
    for (const key of Object.keys(included.table)) {
      if (!(key in type.fields)) {
        fail(site(included.file, included.text, ""), key, `not a key of a ${raw.type} job`);
      }
      spec[key] = type.fields[key];
    }
    validateTable(included.table, spec, site(included.file, included.text, ""));
    raw = { ...included.table, ...raw };
  }
  const common = validateTable(raw, { ...typeField, ...COMMON_JOB_FIELDS, ...type.fields }, at);
  const fields: Record<string, unknown> = {};
  for (const k of Object.keys(type.fields)) if (common[k] !== undefined) fields[k] = common[k];
  const name = common.name as string;
  if (common.route !== undefined && !produces(type.role)) {
    fail(at, "route", `a ${type.role} job sends nothing; "route" is for sources and processors`);
  }
  if (common.inputs !== undefined && !consumes(type.role)) {
    fail(
      at,
      "inputs",
      `a ${type.role} job takes nothing in; "inputs" is for stores and processors`,
    );
  }
  if (consumes(type.role) && type.role !== "link" && common.inputs === undefined) {
    fail(
      at,
      "inputs",
      `missing required key: the route keys this ${type.role} takes, e.g. inputs = ["sim"]`,
    );
  }
  const problem = type.check?.(fields);
  if (problem) fail(at, problem.key, problem.problem);
  const route = produces(type.role) ? (common.route as string | undefined) ?? name : undefined;
  const sends = type.sends ? type.sends(fields) : route !== undefined ? [route] : [];
  const badKey = sends.find((k) => !isName(k));
  if (badKey !== undefined) {
    // A key sent by a type's own rule (a link's subscribed topics): name the field holding it.
    const [field, list] = Object.entries(fields).find(([, v]) =>
      Array.isArray(v) && v.includes(badKey)
    ) ?? ["name", []];
    const index = (list as string[]).indexOf(badKey);
    fail(
      at,
      index >= 0 ? `${field}[${index}]` : field,
      `expected a route key of ${NAME_RULE.text}, got ${JSON.stringify(badKey)}`,
    );
  }
  const narrowing: Narrowing = { at, module: modulePath !== undefined, keys: {} };
  for (const key of Object.keys(NARROWING_KEYS) as (keyof typeof NARROWING_KEYS)[]) {
    if (common[key] !== undefined) narrowing.keys[key] = common[key] as string[];
  }
  narrowings.set(name, narrowing);
  return {
    type: modulePath ?? common.type as string,
    name,
    role: type.role,
    route,
    sends,
    inputs: (common.inputs as string[] | undefined) ?? [],
    policy: common.policy as OverflowPolicy,
    transport: common.transport as TransportKind,
    ringBytes: common.ring_size as number,
    fields,
    file,
    module: type.module,
    // Set once the supervisor table is resolved (stores grant their folder under data_dir).
    permissions: {},
  };
}

/** What a job's config says about its permissions: `allow_*` keys, and where it stands. */
interface Narrowing {
  at: ValidationSite;
  /** A job module (its permissions must be within daq's own). */
  module: boolean;
  keys: Partial<Record<keyof typeof NARROWING_KEYS, string[]>>;
}

/** The narrowings of the jobs being resolved, by job name (jobs are resolved one at a time). */
const narrowings = new Map<string, Narrowing>();

/** Whether `entry` is within `granted` (a path under a granted folder, a port of a host). */
function covers(granted: string, entry: string, kind: string): boolean {
  if (granted === entry) return true;
  if (kind === "read" || kind === "write") {
    return entry.startsWith(granted.endsWith("/") ? granted : `${granted}/`);
  }
  return kind === "net" && !granted.includes(":") && entry.startsWith(`${granted}:`);
}

/**
 * The permissions a job runs with: what its type declares, narrowed by its `allow_*` keys
 * (each entry within the declared grant), and, for job modules, never more than this process
 * has itself (a config error naming the job, the permission and the entry).
 */
function narrowPermissions(
  job: JobConfig,
  declared: Deno.PermissionOptionsObject,
  narrowing: Narrowing,
): Deno.PermissionOptionsObject {
  const out: Deno.PermissionOptionsObject = { ...declared };
  const grants = out as Record<string, unknown>;
  for (const [key, kind] of Object.entries(NARROWING_KEYS)) {
    const wanted = narrowing.keys[key as keyof typeof NARROWING_KEYS];
    if (wanted === undefined) continue;
    const had = grants[kind];
    wanted.forEach((entry, i) => {
      const ok = had === true ||
        (Array.isArray(had) && had.some((g) => covers(String(g), entry, kind)));
      if (!ok) {
        fail(
          narrowing.at,
          `${key}[${i}]`,
          `${JSON.stringify(entry)} is not within the ${kind} permission job "${job.name}" ` +
            `declares (${Array.isArray(had) ? had.join(", ") || "none" : had ? "all" : "none"})`,
        );
      }
    });
    grants[kind] = wanted.length ? wanted : false;
  }
  if (narrowing.module) {
    for (const kind of ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const) {
      const grant = grants[kind];
      const entries = grant === true ? [undefined] : Array.isArray(grant) ? grant : [];
      for (const entry of entries) {
        if (!processHas(kind, entry === undefined ? undefined : String(entry))) {
          fail(
            narrowing.at,
            "type",
            `job "${job.name}" declares ${kind} access${
              entry === undefined ? "" : ` to ${JSON.stringify(entry)}`
            }, which daq itself does not have (run daq with --allow-${kind})`,
          );
        }
      }
    }
  }
  return out;
}

/** Whether this process holds permission `kind` (for `entry`, or all of it). */
function processHas(kind: string, entry: string | undefined): boolean {
  const key: Record<string, string> = {
    read: "path",
    write: "path",
    net: "host",
    env: "variable",
    run: "command",
    ffi: "path",
    sys: "kind",
    import: "host",
  };
  const descriptor = entry === undefined ? { name: kind } : { name: kind, [key[kind]]: entry };
  try {
    return Deno.permissions.querySync(descriptor as Deno.PermissionDescriptor).state ===
      "granted";
  } catch {
    return false;
  }
}

/** Whether route key `key` is taken by input pattern `pattern` (exact, or `prefix*`). */
export function routeMatches(pattern: string, key: string): boolean {
  return pattern.endsWith("*") ? key.startsWith(pattern.slice(0, -1)) : pattern === key;
}

function resolveRoutes(jobs: JobConfig[], files: { file: string; text: string }[]): RouteConfig[] {
  const textOf = (file: string) => files.find((f) => f.file === file)?.text ?? "";
  const seen = new Map<string, JobConfig>();
  for (const job of jobs) {
    const prev = seen.get(job.name);
    if (prev) {
      const idx = jobs.filter((j) => j.file === job.file).indexOf(job);
      fail(
        site(job.file, textOf(job.file), `jobs[${idx}]`),
        "name",
        `"${job.name}" is already the name of a job in ${prev.file}`,
      );
    }
    seen.set(job.name, job);
  }
  const producers = jobs.filter((j) => j.sends.length > 0);
  const routes: RouteConfig[] = [];
  const taken = new Set<string>();
  for (const job of jobs) {
    job.inputs.forEach((pattern, i) => {
      const from = producers.flatMap((p) =>
        p.name === job.name
          ? []
          : p.sends.filter((k) => routeMatches(pattern, k)).map((key) => ({ p, key }))
      );
      if (from.length === 0) {
        const idx = jobs.filter((j) => j.file === job.file).indexOf(job);
        const keys = producers.flatMap((p) => p.sends.map((k) => `"${k}"`)).join(", ") || "none";
        fail(
          site(job.file, textOf(job.file), `jobs[${idx}]`),
          `inputs[${i}]`,
          `no job sends route key "${pattern}"; route keys sent: ${keys}`,
        );
      }
      for (const { p, key } of from) {
        // Overlapping inputs (["sim", "s*"]) take each route once.
        const id = JSON.stringify([p.name, job.name, key]);
        if (taken.has(id)) continue;
        taken.add(id);
        if (routes.length >= CONFIG_LIMITS.routes) {
          const idx = jobs.filter((j) => j.file === job.file).indexOf(job);
          fail(
            site(job.file, textOf(job.file), `jobs[${idx}]`),
            `inputs[${i}]`,
            `more than ${CONFIG_LIMITS.routes} routes in all`,
          );
        }
        routes.push({
          key,
          from: p.name,
          to: job.name,
          policy: job.policy,
          transport: job.transport,
          ringBytes: job.ringBytes,
        });
      }
    });
  }
  return routes;
}

/**
 * Refuses two jobs that need the same path for themselves alone (their `ownPaths`), or one
 * inside the other's. The error stands at the job that writes the key, the later one when both
 * or neither do, and names the other job and where it is.
 */
function checkOwnPaths(
  jobs: JobConfig[],
  supervisor: SupervisorConfig,
  files: { file: string; text: string }[],
  jobTypes: JobTypes,
): void {
  const claims = jobs.flatMap((job) =>
    (jobTypes[job.type].ownPaths?.(job, supervisor) ?? []).map((p) => ({
      job,
      key: p.key,
      path: resolve(p.path),
    }))
  );
  const within = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(outer === "/" ? "/" : `${outer}/`);
  const where = (job: JobConfig) => {
    const idx = jobs.filter((j) => j.file === job.file).indexOf(job);
    return { idx, text: files.find((f) => f.file === job.file)?.text ?? "" };
  };
  claims.forEach((b, i) => {
    const a = claims.slice(0, i).find((a) =>
      a.job !== b.job && (within(a.path, b.path) || within(b.path, a.path))
    );
    if (a === undefined) return;
    const written = (c: typeof a) => c.job.fields[c.key] !== undefined;
    const [at, other] = written(a) && !written(b) ? [a, b] : [b, a];
    const relation = at.path === other.path
      ? `${at.path}, which job "${other.job.name}"`
      : within(at.path, other.path)
      ? `${at.path}, inside ${other.path}, which job "${other.job.name}"`
      : `${at.path}, holding ${other.path}, which job "${other.job.name}"`;
    const { idx, text } = where(at.job);
    fail(
      site(at.job.file, text, `jobs[${idx}]`),
      at.key,
      `job "${at.job.name}" needs ${relation} (jobs[${where(other.job).idx}] in ` +
        `${other.job.file}, its ${other.key}) needs too; give one of them another ${at.key}`,
    );
  });
}

/**
 * Checks each consumer's rings against the messages its producers say they send (a ring too
 * small for one would leave the producer failing at its first message), then lets each consumer
 * check the schemas and message sizes its sources declare (e.g. store.root: ROOT types).
 */
function checkInputSchemas(
  jobs: JobConfig[],
  routes: RouteConfig[],
  files: { file: string; text: string }[],
  jobTypes: JobTypes,
): void {
  // A processor's schema may follow from its inputs': worked out producers first, once each.
  const schemas = new Map<string, Schema | undefined>();
  const working = new Set<string>();
  const inputsOf = (job: JobConfig): InputSchema[] =>
    routes.filter((r) => r.to === job.name).map((r) => {
      const from = jobs.find((j) => j.name === r.from)!;
      return {
        key: r.key,
        from: r.from,
        schema: schemaOf(from),
        messageBytes: jobTypes[from.type].messageBytes?.(from.fields),
      };
    });
  const schemaOf = (job: JobConfig): Schema | undefined => {
    if (schemas.has(job.name)) return schemas.get(job.name);
    if (working.has(job.name)) return undefined; // a loop of routes: no schema to go by
    working.add(job.name);
    const type = jobTypes[job.type];
    const schema = type.schema?.(job, type.role === "source" ? [] : inputsOf(job));
    working.delete(job.name);
    schemas.set(job.name, schema);
    return schema;
  };
  for (const job of jobs) {
    const idx = jobs.filter((j) => j.file === job.file).indexOf(job);
    const text = files.find((f) => f.file === job.file)?.text ?? "";
    const at = site(job.file, text, `jobs[${idx}]`);
    const inputs = inputsOf(job);
    for (const r of routes) {
      if (r.to !== job.name || r.transport !== "ring") continue;
      const messageBytes = inputs.find((i) => i.key === r.key && i.from === r.from)?.messageBytes;
      if (messageBytes !== undefined && messageBytes > ringMessageLimit(r.ringBytes)) {
        fail(
          at,
          "ring_size",
          `a ring of ${exactSize(r.ringBytes)} takes messages of at most ` +
            `${ringMessageLimit(r.ringBytes)} bytes; job "${r.from}" sends messages of ` +
            `${messageBytes} bytes; raise ring_size to at least ` +
            exactSize(ringBytesFor(messageBytes)),
        );
      }
    }
    const result = jobTypes[job.type].checkInputs?.(job, inputs);
    if (result === undefined) continue;
    const { key, problem } = typeof result === "string"
      ? { key: "inputs", problem: result }
      : result;
    fail(at, key, problem);
  }
}
