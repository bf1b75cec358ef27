/** `daq run`: runs an acquisition until Ctrl-C, SIGTERM or `--duration`. */
import { loadConfig } from "../config/load.ts";
import { startSupervisor, type Unstored } from "../supervisor/supervisor.ts";
import type { StatsSnapshot } from "../supervisor/stats.ts";
import { durationOption, parseCommandArgs, UsageError } from "./_args.ts";
import { StatusDisplay } from "./status.ts";

/** Usage text of `daq run`. */
export const RUN_USAGE = `Usage: daq run [CONFIG] [options]

Runs an acquisition. CONFIG is a TOML file, or a folder whose *.toml files are read
together; without it, the default config shipped with daq (a simulated instrument into a
CSV and a memory store). Stop with Ctrl-C or SIGTERM: sources stop first, rings drain, stores
close their files. A second Ctrl-C forces the stop: jobs stop without draining their rings,
stores close their files, and what was not stored is reported per store (a third Ctrl-C, or
5 s, terminates what is still running).

Options:
  --duration DUR     stop by itself after DUR (e.g. 10s, 5min)
  --data-dir DIR     folder for store files (overrides [supervisor] data_dir)
  --stats-json FILE  write stats as NDJSON, one line per stats tick
  --quiet            no status, only warnings and errors
  -h, --help         this help

Exit codes: 0 clean stop, everything acquired was stored; 1 bad config or usage; 2 a job
failed for good; 3 data was lost (a forced stop, or records left unread in a store's rings).`;

/** What a consumer did not store, for the summary. */
function describeUnstored(u: Unstored): string {
  const parts: string[] = [];
  if (u.msgs) parts.push(`${u.msgs} msgs (${u.rows} rows, ${u.bytes} bytes) left in its rings`);
  if (u.droppedAtForce) parts.push(`${u.droppedAtForce} msgs dropped when the stop was forced`);
  if (u.terminated) {
    parts.push(
      "terminated before it closed its files (what it had taken is lost too; " +
        "its last file may end in a partial row)",
    );
  }
  return parts.join(", ");
}

/** Runs `daq run` with `args`; resolves to the exit code. */
export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("run", args, {
    duration: { type: "string" },
    "data-dir": { type: "string" },
    "stats-json": { type: "string" },
    quiet: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(RUN_USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    throw new UsageError(`daq run takes one CONFIG, got ${positionals.length}`);
  }
  const durationMs = durationOption("duration", values.duration);
  const config = await loadConfig(positionals[0], { dataDir: values["data-dir"] });

  const display = new StatusDisplay({
    tty: Deno.stderr.isTerminal(),
    quiet: values.quiet ?? false,
  });
  let statsFile: Deno.FsFile | undefined;
  if (values["stats-json"]) {
    try {
      statsFile = await Deno.open(values["stats-json"], {
        write: true,
        create: true,
        truncate: true,
      });
    } catch (e) {
      throw new UsageError(
        `--stats-json ${values["stats-json"]}: cannot write: ${(e as Error).message}`,
      );
    }
  }
  const encoder = new TextEncoder();
  const onStats = (s: StatsSnapshot) => {
    display.status(s);
    statsFile?.writeSync(encoder.encode(JSON.stringify(s) + "\n"));
  };
  display.log(
    "info",
    `daq: ${config.jobs.length} jobs, ${config.routes.length} routes from ${
      config.files.join(", ")
    }`,
  );
  const sup = startSupervisor(config, {
    onStats,
    onLog: (level, job, text) => display.log(level, job ? `[${job}] ${text}` : text),
  });

  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      display.log("warn", "interrupt: stopping cleanly (Ctrl-C again to force)");
      void sup.stop("SIGINT");
    } else if (interrupts === 2) {
      display.log(
        "error",
        "second interrupt: forcing the stop; what is not stored will be reported " +
          "(Ctrl-C again to terminate at once)",
      );
      sup.force();
    } else {
      display.log("error", "third interrupt: terminating every job now");
      sup.force();
    }
  };
  const onTerm = () => void sup.stop("SIGTERM");
  Deno.addSignalListener("SIGINT", onInterrupt);
  Deno.addSignalListener("SIGTERM", onTerm);
  const timer = durationMs !== undefined
    ? setTimeout(() => sup.stop(`--duration ${values.duration} reached`), durationMs)
    : undefined;
  try {
    const result = await sup.done;
    display.release();
    for (const j of result.final.jobs) {
      const inputs = result.final.routes.filter((r) => r.to === j.name);
      const moved = inputs.length > 0 || j.msgsIn > 0
        ? `${j.msgsIn} msgs in, ${j.bytesIn} bytes`
        : `${j.msgsOut} msgs out, ${j.bytesOut} bytes`;
      const u = result.unstored.find((x) => x.job === j.name);
      const lost = (j.drops || j.gaps ? `, ${j.drops} dropped, ${j.gaps} missing` : "") +
        (u ? `; NOT stored: ${describeUnstored(u)}` : "");
      display.log(
        j.state === "failed" || u ? "error" : "info",
        `${j.name}: ${j.state}, ${moved}, ${j.rows} rows${lost}, ${j.restarts} restarts`,
      );
    }
    if (result.failed.length) display.log("error", `failed for good: ${result.failed.join(", ")}`);
    if (result.unstored.length) {
      display.log(
        "error",
        `data lost${result.forced ? " (forced stop)" : ""}: ${
          result.unstored.map((u) => `${u.job}: ${describeUnstored(u)}`).join("; ")
        }`,
      );
    }
    return result.exitCode;
  } finally {
    clearTimeout(timer);
    Deno.removeSignalListener("SIGINT", onInterrupt);
    Deno.removeSignalListener("SIGTERM", onTerm);
    statsFile?.close();
  }
}
