/** `daq check`: validates a config and prints its jobs and routes. */
import { loadConfig } from "../config/load.ts";
import { formatBytes } from "../config/units.ts";
import { BUILTIN_JOB_TYPES } from "../jobs/catalogue.ts";
import { loadJobModule } from "../job/module.ts";
import { parseCommandArgs, UsageError } from "./_args.ts";

/** Usage text of `daq check`. */
export const CHECK_USAGE = `Usage: daq check CONFIG

Validates CONFIG (a TOML file or a folder of them) and prints the resolved jobs and routes.
Exit code 0 when the config is valid, 1 otherwise.`;

/** Runs `daq check`; resolves to the exit code. */
export async function checkCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("check", args, {
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(CHECK_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("daq check takes exactly one CONFIG");
  const config = await loadConfig(positionals[0], {
    jobTypes: BUILTIN_JOB_TYPES,
    loadJobModule: (path) => loadJobModule(path, { typeCheck: true }),
  });
  const s = config.supervisor;
  console.log(`config OK: ${config.files.join(", ")}`);
  console.log(
    `supervisor ${s.id}: data_dir=${s.dataDir} stats_interval=${s.statsIntervalMs}ms restart_limit=${s.restartLimit}`,
  );
  console.log("jobs:");
  for (const j of config.jobs) {
    const granted = Object.entries(j.permissions).filter(([, v]) => v !== false).map(([k, v]) =>
      Array.isArray(v) ? `${k}=${v.join(":")}` : k
    );
    console.log(
      `  ${j.name} (${j.type}, ${j.role})${
        j.sends.length ? ` sends=${j.sends.join(",")}` : ""
      } permissions: ${granted.join(" ") || "none"}`,
    );
    const why = BUILTIN_JOB_TYPES[j.type]?.permissionsWhy ?? {};
    for (const [name, v] of Object.entries(j.permissions)) {
      if (v !== false && why[name] !== undefined) console.log(`    ${name}: ${why[name]}`);
    }
    console.log(`    ${JSON.stringify(j.fields)}`);
  }
  console.log("routes:");
  for (const r of config.routes) {
    console.log(
      `  ${r.from} -> ${r.to}  key=${r.key} policy=${r.policy} ring=${formatBytes(r.ringBytes)}`,
    );
  }
  return 0;
}
