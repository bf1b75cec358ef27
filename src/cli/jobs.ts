/** `daq jobs`: the job types, the fields of one, or a JSON Schema of its `[[jobs]]` table. */
import { resolve } from "node:path";
import {
  COMMON_JOB_FIELDS,
  describeField,
  type FieldSpec,
  isModuleType,
  type JobType,
  loadConfig,
  tableJsonSchema,
  type TableSpec,
} from "../config/mod.ts";
import { loadJobModule } from "../job/module.ts";
import { BUILTIN_JOB_TYPES } from "../jobs/catalogue.ts";
import { parseCommandArgs, UsageError } from "./_args.ts";

/** Usage text of `daq jobs`. */
export const JOBS_USAGE = `Usage: daq jobs [TYPE] [--config CONFIG] [--json-schema]

Without TYPE: lists every job type with its summary (the built-ins, and the job modules that
CONFIG names). With TYPE (a built-in type, or the path of a job module): prints its fields
with their types, defaults and docs.

Options:
  --config CONFIG  also list the job modules this config (file or folder) names
  --json-schema    with TYPE: print a JSON Schema of a [[jobs]] table of that type
  -h, --help       this help`;

const ROLES = [["source", "sources"], ["processor", "processors"], ["store", "stores"], [
  "link",
  "links",
]] as const;

/** Runs `daq jobs`; resolves to the exit code. */
export async function jobsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("jobs", args, {
    help: { type: "boolean", short: "h" },
    config: { type: "string" },
    "json-schema": { type: "boolean" },
  });
  if (values.help) {
    console.log(JOBS_USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError("daq jobs takes at most one TYPE");
  const name = positionals[0];
  if (name === undefined) {
    if (values["json-schema"]) throw new UsageError("daq jobs --json-schema needs a TYPE");
    const types: [string, JobType][] = Object.entries(BUILTIN_JOB_TYPES);
    if (values.config !== undefined) {
      const config = await loadConfig(values.config, {
        jobTypes: BUILTIN_JOB_TYPES,
        loadJobModule,
      });
      for (const job of config.jobs) {
        if (job.type in BUILTIN_JOB_TYPES || types.some(([t]) => t === job.type)) continue;
        types.push([job.type, await loadJobModule(job.type)]);
      }
    }
    const width = Math.max(...types.map(([t]) => t.length));
    for (const [role, heading] of ROLES) {
      const ofRole = types.filter(([, t]) => t.role === role);
      if (ofRole.length === 0) continue;
      console.log(`${heading}:`);
      for (const [t, type] of ofRole) console.log(`  ${t.padEnd(width)}  ${type.summary}`);
    }
    return 0;
  }
  const type = await jobTypeNamed(name);
  if (values["json-schema"]) {
    const fields: TableSpec = {
      type: { type: "string", required: true, doc: type.summary },
      ...COMMON_JOB_FIELDS,
      ...type.fields,
    };
    const schema = tableJsonSchema(fields);
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    properties.type.const = name;
    console.log(JSON.stringify(
      {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        title: `daq job ${name}`,
        description: type.summary,
        ...schema,
      },
      null,
      2,
    ));
    return 0;
  }
  console.log(`${name} (${type.role}): ${type.summary}`);
  if (isModuleType(name)) console.log(`module: ${type.module}`);
  const own = Object.entries(type.fields);
  console.log(own.length ? "fields:" : "fields: none of its own");
  printFields(type.fields, "  ");
  console.log(`common keys: ${Object.keys(COMMON_JOB_FIELDS).join(", ")} (daq check: their docs)`);
  return 0;
}

/** The job type called `name`: a built-in, or a job module's path (relative to here). */
async function jobTypeNamed(name: string): Promise<JobType> {
  if (isModuleType(name)) {
    const path = resolve(name);
    try {
      return await loadJobModule(path);
    } catch (e) {
      throw new UsageError(`daq jobs: module ${name} (${path}): ${(e as Error).message}`);
    }
  }
  const type = BUILTIN_JOB_TYPES[name];
  if (!type) {
    throw new UsageError(
      `daq jobs: unknown job type "${name}"; types: ${Object.keys(BUILTIN_JOB_TYPES).join(", ")}` +
        ` (or the path of a job module, e.g. ./jobs/thermometer.ts)`,
    );
  }
  return type;
}

function printFields(spec: TableSpec, indent: string): void {
  for (const [key, field] of Object.entries(spec)) {
    console.log(`${indent}${key}: ${fieldLine(field)}`);
    if (field.doc) console.log(`${indent}    ${field.doc}`);
    if (field.type === "tables") printFields(field.fields, `${indent}    `);
  }
}

function fieldLine(field: FieldSpec): string {
  const parts = [describeField(field)];
  if (field.required) parts.push("required");
  if (field.default !== undefined) parts.push(`default ${JSON.stringify(field.default)}`);
  return parts.join(", ");
}
