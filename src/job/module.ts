/**
 * A job type from a module file (a lab's own job, `type = "./jobs/thermometer.ts"` in a config):
 * imported and checked at config time, so that a bad module is a config error, not a crash.
 */
import { tableSpecProblem } from "../config/mod.ts";
import type { JobType } from "../config/types.ts";
import { definitionProblem, type JobDefinition, jobType } from "./define.ts";
import { JobModuleError } from "./errors.ts";

/** Options of {@link loadJobModule}. */
export interface LoadJobModuleOptions {
  /**
   * Type-check a TypeScript module too (`deno check` in a subprocess, a few seconds): for
   * `daq check`, where a type error should be found before a run rather than in one.
   */
  typeCheck?: boolean;
}

/**
 * Imports the job module at `path` (absolute) and returns its job type. Throws
 * {@link JobModuleError} saying what is wrong: no such file, a module that does not parse or
 * throws while it loads, no job as its default export, invalid field specs, and with
 * `typeCheck` a type error.
 */
export async function loadJobModule(
  path: string,
  options: LoadJobModuleOptions = {},
): Promise<JobType> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    throw new JobModuleError(
      e instanceof Deno.errors.NotFound ? "no such file" : `cannot be read: ${firstLine(e)}`,
    );
  }
  if (!info.isFile) throw new JobModuleError("not a file");
  if (!/\.(ts|js|mts|mjs)$/.test(path)) {
    throw new JobModuleError("expected a .ts or .js module");
  }
  const url = new URL(`file://${encodeURI(path)}`).href;
  let module: Record<string, unknown>;
  try {
    module = await import(url);
  } catch (e) {
    throw new JobModuleError(`cannot be loaded: ${firstLine(e)}`);
  }
  if (!("default" in module)) {
    const named = Object.keys(module);
    throw new JobModuleError(
      `exports no job: its default export must be a defineJob({...}) declaration${
        named.length ? ` (it exports ${named.join(", ")})` : ""
      }`,
    );
  }
  const problem = definitionProblem(module.default);
  if (problem !== undefined) {
    throw new JobModuleError(`its default export is not a job: ${problem}`);
  }
  const definition = module.default as JobDefinition;
  const specProblem = tableSpecProblem(definition.fields);
  if (specProblem !== undefined) throw new JobModuleError(`invalid field spec: ${specProblem}`);
  if (options.typeCheck && /\.m?ts$/.test(path)) await typeCheck(path);
  return jobType(url, definition);
}

/** daq's own deno.json: its import map gives job modules `daq/job`. */
const DENO_CONFIG = new URL("../../deno.json", import.meta.url);

/** Runs `deno check` on the module; throws {@link JobModuleError} with its first error. */
async function typeCheck(path: string): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "--config", DENO_CONFIG.pathname, path],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    throw new JobModuleError(`cannot be type-checked: ${firstLine(e)}`);
  }
  if (out.success) return;
  const text = new TextDecoder().decode(out.stderr);
  const error = /^(TS\d+ \[ERROR\]: .*)$/m.exec(text)?.[1] ?? text.trim().split("\n")[0];
  const at = /^\s+at (file:\/\/\S+:\d+:\d+)/m.exec(text)?.[1];
  const where = at === undefined ? "" : ` (at ${decodeURI(at.replace(/^file:\/\//, ""))})`;
  const count = /Found (\d+) errors?/.exec(text)?.[1];
  throw new JobModuleError(
    `does not type-check: ${error}${where}${
      count && count !== "1" ? `; ${count} errors in all` : ""
    }`,
  );
}

/**
 * An error as one line: its class and first line (a parse error: the syntax error itself), and
 * where in a module it happened when the message says so. No stack.
 */
function firstLine(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // deno-lint-ignore no-control-regex
  const text = e.message.replace(/\x1b\[[0-9;]*m/g, "");
  const first = text.split("\n")[0];
  const at = /\n\s+at (file:\/\/\S+:\d+:\d+)\s*$/.exec(text)?.[1];
  const where = at === undefined ? "" : ` (at ${decodeURI(at.replace(/^file:\/\//, ""))})`;
  return /^[A-Za-z]*Error: /.test(first) ? `${first}${where}` : `${e.name}: ${first}${where}`;
}
