/** `daq run`: runs an acquisition until Ctrl-C, SIGTERM or `--duration`. */
import { loadConfig } from "../config/load.ts";
import { BUILTIN_JOB_TYPES } from "../jobs/catalogue.ts";
import { loadJobModule } from "../job/module.ts";
import {
  MANIFEST_FILE,
  parseRunNaming,
  type Run,
  runDirName,
  type RunManifest,
  runSequence,
  startRun,
} from "../runs/mod.ts";
import type { DaqConfig } from "../config/types.ts";
import type { RunResult, Unstored } from "../supervisor/supervisor.ts";
import type { StatsSnapshot } from "../supervisor/stats.ts";
import { durationOption, parseCommandArgs, UsageError } from "./_args.ts";
import { alarmLines, StatusDisplay } from "./status.ts";

/** Usage text of `daq run`. */
export const RUN_USAGE = `Usage: daq run [CONFIG] [options]

Runs an acquisition as a numbered run: its files go under <data_dir>/run000042/<job>/ with
a manifest (run000042/manifest.json; check it with daq verify). CONFIG is a TOML file, or a
folder whose *.toml files are read together; without it, the default config shipped with daq
(a simulated instrument into a CSV and a memory store). A config with [[sequence]] steps makes
every run of the sequence in order, then exits. Stop with Ctrl-C or SIGTERM: sources stop
first, rings drain, stores close their files. A second Ctrl-C forces the stop: jobs stop
without draining their rings, stores close their files, and what was not stored is reported
per store (a third Ctrl-C, or 5 s, terminates what is still running).

Options:
  --duration DUR     stop by itself after DUR (e.g. 10s, 5min)
  --data-dir DIR     folder for store files (overrides [supervisor] data_dir)
  --stats-json FILE  write stats as NDJSON, one line per stats tick
  --comment TEXT     the operator's comment, recorded in the run's manifest
  --quiet            no status, only warnings and errors
  -h, --help         this help

Exit codes: 0 clean stop, everything acquired was stored; 1 bad config or usage; 2 a job
failed for good (or a sequence step failed, e.g. a setting refused); 3 data was lost (a
forced stop, or records left unread in a store's rings).`;

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
    comment: { type: "string" },
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
  const config = await loadConfig(positionals[0], {
    jobTypes: BUILTIN_JOB_TYPES,
    loadJobModule,
    dataDir: values["data-dir"],
  });

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
    // The run's alarms were moved on by this snapshot before it got here.
    const alarms = current?.alarms?.states();
    display.status(s, alarms ? alarmLines(alarms) : []);
    const line = alarms ? { ...s, alarms } : s;
    statsFile?.writeSync(encoder.encode(JSON.stringify(line) + "\n"));
  };
  display.log(
    "info",
    `daq: ${config.jobs.length} jobs, ${config.routes.length} routes from ${
      config.files.join(", ")
    }`,
  );
  const onLog = (level: "info" | "warn" | "error", job: string | undefined, text: string) =>
    display.log(level, job ? `[${job}] ${text}` : text);
  const onCreated = (number: number, dir: string) => display.log("info", `run ${number}: ${dir}`);
  const steps = config.sequence ?? [];
  const interrupted = new AbortController();
  let current: Run | undefined;
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      display.log("warn", "interrupt: stopping cleanly (Ctrl-C again to force)");
      interrupted.abort();
      void current?.stop("SIGINT", steps.length ? "abort" : "success");
    } else if (interrupts === 2) {
      display.log(
        "error",
        "second interrupt: forcing the stop; what is not stored will be reported " +
          "(Ctrl-C again to terminate at once)",
      );
      current?.force("second SIGINT");
    } else {
      display.log("error", "third interrupt: terminating every job now");
      current?.force("third SIGINT");
    }
  };
  const onTerm = () => {
    interrupted.abort();
    void current?.stop("SIGTERM", steps.length ? "abort" : "success");
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  Deno.addSignalListener("SIGTERM", onTerm);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (steps.length) {
      if (durationMs !== undefined) {
        throw new UsageError("--duration does not apply to a config with [[sequence]] steps");
      }
      const results = new Map<number, Promise<RunResult>>();
      const result = await runSequence(config, steps, {
        onStats,
        onLog,
        onCreated,
        signal: interrupted.signal,
        onRun: (run, step, repeat) => {
          current = run;
          results.set(run.number, run.supervisor.done);
          display.log(
            "info",
            `run ${run.number}: sequence step ${step}/${steps.length}, repeat ${repeat}: ${run.manifest().comment}`,
          );
        },
      });
      let code = 0;
      for (const m of result.manifests) {
        const final = await summarize(
          display,
          runFolder(config, m.run),
          m,
          await results.get(m.run),
        );
        if (final !== 0) code = final;
      }
      if (!result.complete) {
        display.log("error", `sequence ended early: ${result.reason}`);
        if (code === 0) code = interrupted.signal.aborted ? 0 : 2;
      }
      return code;
    }
    current = await startRun(config, {
      onStats,
      onLog,
      onCreated,
      comment: values.comment,
    });
    const run = current;
    if (interrupted.signal.aborted) void run.stop("interrupted at start");
    timer = durationMs !== undefined
      ? setTimeout(() => run.stop(`--duration ${values.duration} reached`), durationMs)
      : undefined;
    const result = await run.supervisor.done;
    const manifest = await run.done;
    display.release();
    return await summarize(display, run.dir, manifest, result);
  } finally {
    clearTimeout(timer);
    Deno.removeSignalListener("SIGINT", onInterrupt);
    Deno.removeSignalListener("SIGTERM", onTerm);
    statsFile?.close();
  }
}

/**
 * Logs how a run ended: per job (from the supervisor's result when there is one, else the
 * manifest) and the manifest line; resolves to the run's exit code.
 */
function summarize(
  display: StatusDisplay,
  dir: string,
  m: RunManifest,
  result: RunResult | undefined,
): Promise<number> {
  if (result) {
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
  }
  const bytes = m.files.reduce((n, f) => n + f.bytes, 0);
  display.log(
    m.status === "success" ? "info" : "error",
    `run ${m.run} ${m.status} (${m.reason}): ${m.files.length} files, ${bytes} bytes; ${dir}/${MANIFEST_FILE}`,
  );
  return Promise.resolve(result?.exitCode ?? (m.status === "fail" ? 2 : 0));
}

function runFolder(config: DaqConfig, n: number): string {
  return `${config.supervisor.dataDir}/${runDirName(parseRunNaming(config.supervisor.runDir), n)}`;
}
