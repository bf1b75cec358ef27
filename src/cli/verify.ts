/** `daq verify`: re-hashes a run's files and compares them with its manifest. */
import {
  MANIFEST_FILE,
  ManifestError,
  parseRunNaming,
  runDirName,
  verifyRun,
} from "../runs/mod.ts";
import { DEFAULT_RUN_DIR } from "../runs/naming.ts";
import { parseCommandArgs, UsageError } from "./_args.ts";

/** Usage text of `daq verify`. */
export const VERIFY_USAGE = `Usage: daq verify RUN... [--data-dir DIR]

Re-hashes (SHA-256) every file a run's manifest lists and compares size and hash. RUN is a
run folder (data/run000042), a folder name looked up in the data dir (run000042), or a run
number (42).

Options:
  --data-dir DIR   where run names and numbers are looked up (default: data)
  -h, --help       this help

Exit codes: 0 every file matches; 1 a file does not (each one named), a manifest is missing
or unreadable, or bad usage.`;

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** The folder of `arg`: a path, or a name or number in `dataDir`. */
async function runFolderOf(arg: string, dataDir: string): Promise<string> {
  if (await isDir(arg)) return arg.replace(/\/+$/, "");
  const inData = /^\d+$/.test(arg)
    ? `${dataDir}/${runDirName(parseRunNaming(DEFAULT_RUN_DIR), Number(arg))}`
    : `${dataDir}/${arg}`;
  if (!arg.includes("/") && await isDir(inData)) return inData;
  throw new ManifestError(
    arg,
    `no run folder ${arg}${arg.includes("/") ? "" : ` (nor ${inData})`}`,
  );
}

/** Runs `daq verify`; resolves to the exit code. */
export async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("verify", args, {
    "data-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(VERIFY_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("daq verify takes at least one RUN");
  let bad = 0;
  for (const arg of positionals) {
    try {
      const dir = await runFolderOf(arg, values["data-dir"] ?? "data");
      const result = await verifyRun(dir);
      for (const m of result.mismatches) console.error(`MISMATCH ${dir}/${m.path}: ${m.problem}`);
      if (result.mismatches.length) {
        bad++;
        console.error(
          `run ${result.manifest.run} (${dir}): ${result.mismatches.length} of ${result.checked} files do not match ${MANIFEST_FILE}`,
        );
      } else {
        console.log(
          `run ${result.manifest.run} (${dir}): ${result.checked} files match ${MANIFEST_FILE} (status ${result.manifest.status})`,
        );
      }
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      bad++;
      console.error(`error: ${e.message}`);
    }
  }
  return bad ? 1 : 0;
}
