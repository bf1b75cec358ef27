/** One numbered run: its folder, its supervisor, its manifest from start to stop. */
import { type AlarmEvent, AlarmMonitor } from "../alarms/mod.ts";
import { isAbsolute, relative, resolve } from "node:path";
import { type DaqConfig, withDataDir } from "../config/types.ts";
import {
  epochNs,
  type RunResult,
  SettingRefusedError,
  startSupervisor,
  type Supervisor,
  type SupervisorOptions,
  type Unstored,
} from "../supervisor/mod.ts";
import type { StatsSnapshot } from "../supervisor/stats.ts";
import { VERSION } from "../version.ts";
import { hashRunFiles } from "./files.ts";
import {
  instantOf,
  type ManifestFile,
  type ManifestJob,
  type ManifestRoute,
  type ManifestSequenceStep,
  type ManifestSetting,
  type RunManifest,
  type RunStatus,
  writeManifest,
} from "./manifest.ts";
import { parseRunNaming } from "./naming.ts";
import { allocateRunLocked, withRunLock } from "./numbers.ts";
import { clearActive, markActiveLocked, markUnfinishedRunsLocked } from "./recover.ts";

/** A setting to send to a job before a run's first row. */
export interface RunSetting {
  job: string;
  name: string;
  value: unknown;
}

/** What a run is started with. */
export interface RunOptions extends Omit<SupervisorOptions, "startPaused" | "onFile"> {
  /** The operator's comment. */
  comment?: string;
  /** Settings sent, in order, before the first row is kept; one refused fails the run. */
  settings?: RunSetting[];
  /** Where this run stands in a sequence. */
  sequence?: ManifestSequenceStep;
  /** How often the manifest is rewritten with the figures so far, ms (default 5000). */
  manifestEveryMs?: number;
  /** Called with each run's number and folder once made (before the settings). */
  onCreated?(number: number, dir: string): void;
  /** The comment from the run's number (overrides `comment`; sequences fill `{run}`). */
  commentOf?(number: number): string;
}

/** A run under way. */
export interface Run {
  number: number;
  /** Its folder. */
  dir: string;
  supervisor: Supervisor;
  /** Pauses the sources; recorded in the manifest. False when already paused. */
  pause(): Promise<boolean>;
  /** Resumes after {@link Run.pause}; false when not paused. */
  resume(): Promise<boolean>;
  /** Whether the run is paused. */
  paused(): boolean;
  /** Sends a setting to a job now; recorded in the manifest whether taken or refused. */
  applySetting(setting: RunSetting): Promise<void>;
  /**
   * Stops cleanly; `status` is what the run ends as if nothing failed (default `success`).
   * Resolves to the completed manifest.
   */
  stop(reason: string, status?: RunStatus): Promise<RunManifest>;
  /** Stops at once (unread data lost and counted); the run ends as `abort`. */
  force(reason: string): void;
  /** The completed manifest, however the run ended. */
  done: Promise<RunManifest>;
  /** The manifest as it stands. */
  manifest(): RunManifest;
  /** When data began to be kept, ns since the epoch (undefined while settings are sent). */
  startNs(): bigint | undefined;
  /**
   * The run's alarms (undefined without `[[alarms]]`): `states()` for an API to show,
   * `acknowledge(name, by)` for it to call; each change is recorded in the manifest.
   */
  alarms: AlarmMonitor | undefined;
}

/**
 * Starts a numbered run of `config`: marks runs of the data dir that never reached their stop
 * as `fail`, takes the next number, makes `<data_dir>/<run folder>`, writes the manifest,
 * sends the settings, and starts the acquisition with every store writing under the run
 * folder. A refused setting ends the run as `fail` before any row is kept (see {@link Run.done}).
 */
export async function startRun(config: DaqConfig, options: RunOptions = {}): Promise<Run> {
  const dataDir = config.supervisor.dataDir;
  const naming = parseRunNaming(config.supervisor.runDir);
  const created = epochNs();
  const { number, dir } = await withRunLock(dataDir, async () => {
    await markUnfinishedRunsLocked(dataDir, naming);
    const made = await allocateRunLocked(dataDir, naming);
    await markActiveLocked(dataDir, made.number);
    return made;
  });
  options.onCreated?.(number, dir);
  const comment = options.commentOf?.(number) ?? options.comment ?? "";
  const runConfig: DaqConfig = withDataDir(config, dir);
  const settings: ManifestSetting[] = [];
  const pauses: RunManifest["pauses"] = [];
  let startNs: bigint | undefined;
  let stopNs: bigint | undefined;
  let status: RunStatus = "running";
  let reason = "";
  let wishedStatus: RunStatus = "success";
  let last: StatsSnapshot | undefined;
  let files: ManifestFile[] = [];
  let unstored: Unstored[] = [];

  const manifest = (): RunManifest => ({
    format: "daq-run-manifest",
    formatVersion: 1,
    run: number,
    status,
    reason,
    comment,
    created: instantOf(created),
    start: startNs === undefined ? undefined : instantOf(startNs),
    stop: stopNs === undefined ? undefined : instantOf(stopNs),
    durationS: startNs !== undefined && stopNs !== undefined
      ? Number(stopNs - startNs) / 1e9
      : undefined,
    daqVersion: VERSION,
    denoVersion: Deno.version.deno,
    host: Deno.hostname(),
    pid: Deno.pid,
    supervisor: config.supervisor.id,
    configFiles: config.files,
    config: runConfig,
    sequence: options.sequence,
    settings,
    pauses,
    instruments: sup.identities(),
    files: files.length ? files : reportedFiles(),
    alarms: alarmEvents,
    jobs: last ? jobsOf(last) : {},
    routes: last ? routesOf(last) : [],
    unstored,
    updated: instantOf(epochNs()),
  });

  const alarmEvents: AlarmEvent[] = [];
  let stopForAlarm: (reason: string) => void = () => {};
  const alarms = config.alarms.length === 0 ? undefined : new AlarmMonitor(config.alarms, {
    jobs: config.jobs.map((j) => j.name),
    routes: config.jobs.flatMap((j) => j.sends),
  }, {
    supervisor: config.supervisor.id,
    log: (level, text) => options.onLog?.(level, undefined, `run ${number}: ${text}`),
    stop: (why) => stopForAlarm(why),
    onEvent: (e) => {
      alarmEvents.push(e);
      void save();
    },
  });
  const sup = startSupervisor(runConfig, {
    ...options,
    startPaused: (options.settings?.length ?? 0) > 0,
    onStats: (s) => {
      last = s;
      alarms?.update(s);
      options.onStats?.(s);
    },
  });
  const reportedFiles = (): ManifestFile[] =>
    sup.files().map((f) => ({
      path: inRunDir(dir, f.path),
      job: f.job,
      bytes: f.bytes,
      rows: f.rows,
      sha256: "",
    }));

  // Manifest writes one at a time, in order; the last one wins.
  let writing: Promise<void> = writeManifest(dir, manifest());
  const save = () => {
    writing = writing.then(() => writeManifest(dir, manifest())).catch((e) =>
      options.onLog?.("error", undefined, `manifest of run ${number}: ${(e as Error).message}`)
    );
    return writing;
  };
  const saver = setInterval(save, options.manifestEveryMs ?? 5000);

  const applySetting = async (s: RunSetting) => {
    const at = instantOf(epochNs());
    try {
      await sup.applySetting(s.job, s.name, s.value);
      settings.push({ ...s, at, ok: true });
    } catch (e) {
      settings.push({ ...s, at, ok: false, error: (e as Error).message });
      throw e;
    } finally {
      void save();
    }
  };

  const done = sup.done.then(async (result: RunResult) => {
    clearInterval(saver);
    await alarms?.close();
    stopNs ??= epochNs();
    last = result.final;
    if (pauses.length && pauses.at(-1)!.stop === undefined) pauses.at(-1)!.stop = instantOf(stopNs);
    unstored = result.unstored;
    const lost = result.unstored.length
      ? `; not stored: ${result.unstored.map((u) => `${u.job} ${u.msgs} msgs`).join(", ")}`
      : "";
    if (result.failed.length) {
      status = "fail";
      reason = `failed for good: ${result.failed.join(", ")}${lost}${reason ? `; ${reason}` : ""}`;
    } else if (result.forced) {
      status = "abort";
      reason = `forced stop${lost}${reason ? `; ${reason}` : ""}`;
    } else if (result.exitCode !== 0) {
      status = "fail";
      reason = `data lost${lost}${reason ? `; ${reason}` : ""}`;
    } else status = status === "fail" ? "fail" : wishedStatus;
    try {
      files = await hashRunFiles(dir, reportedFiles());
    } catch (e) {
      status = "fail";
      reason += `; files could not be hashed: ${(e as Error).message}`;
    }
    await writing;
    const final = manifest();
    await writeManifest(dir, final);
    await clearActive(dataDir, number);
    return final;
  });

  const stop = (why: string, as: RunStatus = "success") => {
    if (stopNs === undefined) {
      stopNs = epochNs();
      reason = why;
      wishedStatus = as;
    }
    return sup.stop(why).then(() => done);
  };

  stopForAlarm = (why) => void stop(why);

  const run: Run = {
    number,
    dir,
    supervisor: sup,
    alarms,
    async pause() {
      if (sup.paused() || startNs === undefined || stopNs !== undefined) return false;
      pauses.push({ start: instantOf(sup.pause()) });
      await save();
      return true;
    },
    async resume() {
      if (!sup.paused() || startNs === undefined || stopNs !== undefined) return false;
      pauses.at(-1)!.stop = instantOf(sup.resume());
      await save();
      return true;
    },
    paused: () => sup.paused(),
    applySetting,
    stop,
    force(why) {
      if (stopNs === undefined) {
        stopNs = epochNs();
        reason = why;
      }
      sup.force();
    },
    done,
    manifest,
    startNs: () => startNs,
  };

  if (options.settings?.length) {
    try {
      for (const s of options.settings) await applySetting(s);
    } catch (e) {
      const step = options.sequence ? ` (sequence step ${options.sequence.step})` : "";
      status = "fail";
      const message = e instanceof SettingRefusedError ? e.message : String(e);
      options.onLog?.("error", undefined, `run ${number}${step}: ${message}`);
      void stop(`setting refused${step}: ${message}`, "fail");
      return run;
    }
    startNs = sup.resume();
  } else startNs = epochNs();
  await save();
  return run;
}

/** `path` relative to the run folder when it is inside it, else absolute. */
function inRunDir(dir: string, path: string): string {
  const abs = resolve(path);
  const rel = relative(resolve(dir), abs);
  return rel.startsWith("..") || isAbsolute(rel) ? abs : rel;
}

function jobsOf(s: StatsSnapshot): Record<string, ManifestJob> {
  return Object.fromEntries(s.jobs.map((j) => {
    const ins = s.routes.filter((r) => r.to === j.name);
    return [j.name, {
      type: j.type,
      state: j.state,
      messagesIn: j.msgsIn,
      bytesIn: j.bytesIn,
      messagesOut: j.msgsOut,
      bytesOut: j.bytesOut,
      rows: j.rows,
      drops: j.drops,
      gaps: j.gaps,
      duplicates: ins.reduce((n, r) => n + r.duplicates, 0) + (j.extra.port_duplicates ?? 0) +
        (j.extra.link_duplicates ?? 0),
      restarts: j.restarts,
      lostRecords: j.extra.lost_records ?? 0,
      lastError: j.lastError,
      figures: j.extra,
    }];
  }));
}

function routesOf(s: StatsSnapshot): ManifestRoute[] {
  return s.routes.map((r) => ({
    key: r.key,
    from: r.from,
    to: r.to,
    messages: r.written,
    messagesRead: r.read,
    bytes: r.writtenBytes,
    bytesRead: r.readBytes,
    drops: r.droppedNewest + r.droppedOldest,
    gaps: r.gaps,
    duplicates: r.duplicates,
    unread: r.written - r.read,
  }));
}
