/**
 * The acquisition service behind `daq serve`: idle between runs, one run (or one sequence of
 * runs) at a time, with pause, resume, job restarts and settings, the status of the last stats
 * tick, and the runs of the data dir with their manifests. Transport-free: the HTTP layer
 * (`server.ts`) and tests drive it alike.
 */
import type { DaqConfig, SequenceStep } from "../config/types.ts";
import {
  listRunDirs,
  parseRunNaming,
  readManifest,
  type Run,
  type RunManifest,
  runSequence,
  type RunSetting,
  startRun,
} from "../runs/mod.ts";
import { JobActionError, SettingRefusedError, type TapRing } from "../supervisor/mod.ts";
import type { JobStats, StatsSnapshot } from "../supervisor/stats.ts";
import { VERSION } from "../version.ts";
import { ServeError } from "./errors.ts";
import { AlarmActionError, type AlarmEvent, type AlarmState } from "../alarms/mod.ts";

/** States of the service. */
export type ServeState = "idle" | "running" | "paused" | "stopping";

/** Every state, in the order `/metrics` lists them. */
export const SERVE_STATES: readonly ServeState[] = ["idle", "running", "paused", "stopping"];

/** The current run as `/api/status` shows it. */
export interface RunStatusInfo {
  number: number;
  comment: string;
  /** ISO 8601 UTC; undefined while settings are being sent. */
  startedAt?: string;
  /** Seconds since the start, pauses included. */
  runTimeS: number;
  paused: boolean;
  pauses: number;
}

/** What `GET /api/status` answers and `/api/stats/stream` sends. */
export interface ServeStatus {
  state: ServeState;
  daqVersion: string;
  supervisor: string;
  run: RunStatusInfo | null;
  /** Number of the last run that ended under this service. */
  lastRun: number | null;
  /** The sequence under way, else null. */
  sequence: SequenceStatus | null;
  /** The last stats tick of the current run (the `--stats-json` snapshot), else null. */
  stats: StatsSnapshot | null;
  /** Instrument identities (`*IDN?` and the like) the current run's jobs reported, by job. */
  identities: Record<string, string>;
  time: string;
}

/** One line of `GET /api/runs`. */
export interface RunSummary {
  run: number;
  status: string;
  reason: string;
  comment: string;
  start?: string;
  stop?: string;
  durationS?: number;
  files: number;
  bytes: number;
}

/** What a start asks for. */
export interface StartRequest {
  comment?: string;
  /** Settings sent before the first row. */
  settings?: RunSetting[];
  /** Runs to make one after another instead of one run (see `[[sequence]]`). */
  sequence?: SequenceStep[];
}

/** Where a sequence under way stands. */
export interface SequenceStatus {
  step: number;
  steps: number;
  repeat: number;
  repeats: number;
}

/** Options of {@link createService}. */
export interface ServiceOptions {
  onLog?(level: "info" | "warn" | "error", text: string): void;
  /** How often a status is published while idle, ms (default 1000). */
  idleEveryMs?: number;
}

/** A job's counters summed over the runs this service has ended (for `/metrics`). */
export type JobTotals = Pick<
  JobStats,
  "msgsIn" | "bytesIn" | "msgsOut" | "bytesOut" | "rows" | "restarts" | "drops" | "gaps"
>;

/** A route's counters summed over the runs this service has ended (for `/metrics`). */
export interface RouteTotals {
  key: string;
  from: string;
  to: string;
  messages: number;
  bytes: number;
  drops: number;
  gaps: number;
  duplicates: number;
}

/** Counters of the runs this service has ended. */
export interface ServiceTotals {
  /** By job name. */
  jobs: Map<string, JobTotals>;
  /** By `key from to`. */
  routes: Map<string, RouteTotals>;
  runsStarted: number;
}

/** The service: see the module doc. */
export interface DaqService {
  readonly config: DaqConfig;
  state(): ServeState;
  status(): ServeStatus;
  /** Calls `listener` at every stats tick (about every second while idle); returns unsubscribe. */
  subscribe(listener: (status: ServeStatus) => void): () => void;
  /**
   * Starts a run (or a sequence); 409 when one is going. Resolves once the (first) run is made
   * and its settings taken; 409 when one was refused.
   */
  start(
    request: StartRequest,
  ): Promise<{ run: number; sequence?: { steps: number; runs: number } }>;
  /** Stops the current run; resolves to its manifest. 409 when idle. */
  stop(reason?: string): Promise<RunManifest>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  restartJob(name: string): void;
  applySetting(job: string, name: string, value: unknown): Promise<void>;
  runs(): Promise<RunSummary[]>;
  run(n: number): Promise<RunManifest>;
  /** Counters of ended runs, and the runs started. */
  totals(): ServiceTotals;
  /** Stops what is going on and the idle ticker. */
  close(): Promise<void>;
  /** The current run's tap rings, for live views (none while idle). */
  taps(): TapRing[];
  /** Log lines after `since` (their `id`), oldest first; the last 500 are kept. */
  logLines(since: number): LogLine[];
  /** The current run's alarms (none while idle or without `[[alarms]]`). */
  alarms(): AlarmState[];
  /** Acknowledges a triggered alarm of the current run; 404 unknown, 409 not triggered. */
  acknowledgeAlarm(name: string, by: string): AlarmEvent;
}

/** One line of the service's log. */
export interface LogLine {
  /** Increasing from 1. */
  id: number;
  time: string;
  level: "info" | "warn" | "error";
  text: string;
}

/** Log lines the service keeps for `logLines`. */
const LOG_LINES_KEPT = 500;

/** Creates the service for `config` (its data dir holds the runs). */
export function createService(config: DaqConfig, options: ServiceOptions = {}): DaqService {
  const logKept: LogLine[] = [];
  let logId = 0;
  const log = (level: LogLine["level"], text: string) => {
    logKept.push({ id: ++logId, time: new Date().toISOString(), level, text });
    if (logKept.length > LOG_LINES_KEPT) logKept.splice(0, logKept.length - LOG_LINES_KEPT);
    options.onLog?.(level, text);
  };
  const naming = parseRunNaming(config.supervisor.runDir);
  const listeners = new Set<(s: ServeStatus) => void>();
  let current: Run | undefined;
  let starting = false;
  let stopping = false;
  let sequence: (SequenceStatus & { abort: AbortController }) | undefined;
  let lastRun: number | null = null;
  let lastStats: StatsSnapshot | null = null;
  let runsStarted = 0;
  const jobTotals = new Map<string, JobTotals>();
  const routeTotals = new Map<string, RouteTotals>();
  const finished = new Map<number, RunManifest>();

  const state = (): ServeState => {
    if (stopping) return "stopping";
    if (current?.paused()) return "paused";
    return current || starting || sequence ? "running" : "idle";
  };

  const status = (): ServeStatus => {
    const run = current;
    let info: RunStatusInfo | null = null;
    if (run) {
      const m = run.manifest();
      const start = run.startNs();
      info = {
        number: run.number,
        comment: m.comment,
        startedAt: m.start?.utc,
        runTimeS: start === undefined
          ? 0
          : (performance.timeOrigin + performance.now()) / 1000 - Number(start / 1000n) / 1e6,
        paused: run.paused(),
        pauses: m.pauses.length,
      };
    }
    return {
      state: state(),
      daqVersion: VERSION,
      supervisor: config.supervisor.id,
      run: info,
      lastRun,
      sequence: sequence
        ? {
          step: sequence.step,
          steps: sequence.steps,
          repeat: sequence.repeat,
          repeats: sequence.repeats,
        }
        : null,
      stats: run ? lastStats : null,
      identities: run?.supervisor.identities() ?? {},
      time: new Date().toISOString(),
    };
  };

  const publish = () => {
    if (listeners.size === 0) return;
    const s = status();
    for (const l of listeners) l(s);
  };
  const idleTicker = setInterval(() => {
    if (!current) publish();
  }, options.idleEveryMs ?? 1000);

  const ended = (run: Run, m: RunManifest) => {
    finished.set(m.run, m);
    for (const [name, c] of Object.entries(m.jobs)) {
      const t = jobTotals.get(name) ??
        { msgsIn: 0, bytesIn: 0, msgsOut: 0, bytesOut: 0, rows: 0, restarts: 0, drops: 0, gaps: 0 };
      t.msgsIn += c.messagesIn;
      t.bytesIn += c.bytesIn;
      t.msgsOut += c.messagesOut;
      t.bytesOut += c.bytesOut;
      t.rows += c.rows;
      t.restarts += c.restarts;
      t.drops += c.drops;
      t.gaps += c.gaps;
      jobTotals.set(name, t);
    }
    for (const r of m.routes) {
      const id = `${r.key} ${r.from} ${r.to}`;
      const t = routeTotals.get(id) ??
        {
          key: r.key,
          from: r.from,
          to: r.to,
          messages: 0,
          bytes: 0,
          drops: 0,
          gaps: 0,
          duplicates: 0,
        };
      t.messages += r.messages;
      t.bytes += r.bytes;
      t.drops += r.drops;
      t.gaps += r.gaps;
      t.duplicates += r.duplicates;
      routeTotals.set(id, t);
    }
    if (current === run) {
      current = undefined;
      lastStats = null;
    }
    stopping = false;
    lastRun = m.run;
    log(m.status === "success" ? "info" : "warn", `run ${m.run} ended: ${m.status} (${m.reason})`);
    publish();
  };

  const runHooks = {
    liveTaps: true,
    onLog: (level: LogLine["level"], job: string | undefined, text: string) =>
      log(level, job ? `[${job}] ${text}` : text),
    onStats: (s: StatsSnapshot) => {
      lastStats = s;
      publish();
    },
  };

  /** Starts the runs of `steps` in the background; resolves once the first is made. */
  const startSequence = (
    request: StartRequest,
    steps: SequenceStep[],
  ): Promise<{ run: number; sequence: { steps: number; runs: number } }> => {
    const abort = new AbortController();
    const runs = steps.reduce((n, s) => n + s.repeat, 0);
    sequence = { abort, step: 0, steps: steps.length, repeat: 0, repeats: 0 };
    starting = true;
    const first = Promise.withResolvers<
      { run: number; sequence: { steps: number; runs: number } }
    >();
    let made = 0;
    const running = runSequence(config, steps, {
      ...runHooks,
      comment: request.comment,
      signal: abort.signal,
      onRun: (run, step, repeat) => {
        starting = false;
        runsStarted++;
        current = run;
        Object.assign(sequence!, { step, repeat, repeats: steps[step - 1].repeat });
        void run.done.then((m) => ended(run, m));
        log(
          "info",
          `run ${run.number} started: sequence step ${step}/${steps.length}, repeat ${repeat}`,
        );
        if (made++ === 0) {
          if (run.manifest().status === "fail") {
            void run.done.then((m) =>
              first.reject(
                new ServeError(409, `run ${run.number} failed at its start: ${m.reason}`),
              )
            );
          } else first.resolve({ run: run.number, sequence: { steps: steps.length, runs } });
        }
        publish();
      },
    });
    running.then(
      (result) => {
        sequence = undefined;
        starting = false;
        if (result.complete) log("info", `sequence done: ${result.manifests.length} runs`);
        else log("warn", `sequence ended early: ${result.reason}`);
        if (made === 0) first.reject(new ServeError(409, `sequence not started: ${result.reason}`));
        publish();
      },
      (e) => {
        sequence = undefined;
        starting = false;
        log("error", `sequence failed: ${(e as Error).message}`);
        if (made === 0) first.reject(e);
        publish();
      },
    );
    return first.promise;
  };

  const needRun = (what: string): Run => {
    if (!current) throw new ServeError(409, `no run is going: nothing to ${what}`);
    if (stopping) throw new ServeError(409, `run ${current.number} is stopping`);
    return current;
  };

  const service: DaqService = {
    alarms: () => current?.alarms?.states() ?? [],
    acknowledgeAlarm(name, by) {
      const run = needRun("acknowledge");
      if (!run.alarms) throw new ServeError(404, "the config has no [[alarms]]");
      try {
        return run.alarms.acknowledge(name, by);
      } catch (e) {
        if (e instanceof AlarmActionError) {
          throw new ServeError(/^no alarm/.test(e.message) ? 404 : 409, e.message);
        }
        throw e;
      }
    },
    config,
    state,
    status,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start(request) {
      if (current || starting || sequence) {
        throw new ServeError(
          409,
          current
            ? `run ${current.number} is going: stop it first`
            : sequence
            ? "a sequence is going: stop it first"
            : "a run is starting",
        );
      }
      if (request.sequence) return await startSequence(request, request.sequence);
      starting = true;
      let run: Run;
      try {
        run = await startRun(config, {
          ...runHooks,
          comment: request.comment,
          settings: request.settings,
        });
      } finally {
        starting = false;
      }
      runsStarted++;
      current = run;
      void run.done.then((m) => ended(run, m));
      log("info", `run ${run.number} started${request.comment ? `: ${request.comment}` : ""}`);
      if (run.manifest().status === "fail") {
        const m = await run.done;
        throw new ServeError(409, `run ${run.number} failed at its start: ${m.reason}`);
      }
      publish();
      return { run: run.number };
    },
    async stop(reason = "stop requested over HTTP") {
      const run = needRun("stop");
      stopping = true;
      publish();
      if (sequence) {
        sequence.abort.abort();
        return await run.done;
      }
      return await run.stop(reason);
    },
    async pause() {
      const run = needRun("pause");
      if (!(await run.pause())) throw new ServeError(409, `run ${run.number} is already paused`);
      publish();
    },
    async resume() {
      const run = needRun("resume");
      if (!(await run.resume())) throw new ServeError(409, `run ${run.number} is not paused`);
      publish();
    },
    restartJob(name) {
      const run = needRun("restart");
      try {
        run.supervisor.restartJob(name);
      } catch (e) {
        if (e instanceof JobActionError) {
          throw new ServeError(/^no job/.test(e.message) ? 404 : 409, e.message);
        }
        throw e;
      }
    },
    async applySetting(job, name, value) {
      const run = needRun("apply a setting to");
      if (!config.jobs.some((j) => j.name === job)) {
        throw new ServeError(
          404,
          `no job "${job}"; jobs: ${config.jobs.map((j) => j.name).join(", ")}`,
        );
      }
      try {
        await run.applySetting({ job, name, value });
      } catch (e) {
        if (e instanceof SettingRefusedError) throw new ServeError(409, e.message);
        throw e;
      }
    },
    async runs() {
      const out: RunSummary[] = [];
      for (const { number, dir } of await listRunDirs(config.supervisor.dataDir, naming)) {
        let m = finished.get(number);
        if (!m) {
          try {
            m = await readManifest(dir);
          } catch {
            out.push({
              run: number,
              status: "unknown",
              reason: "manifest unreadable",
              comment: "",
              files: 0,
              bytes: 0,
            });
            continue;
          }
          if (m.status !== "running") finished.set(number, m);
        }
        out.push({
          run: m.run,
          status: m.status,
          reason: m.reason,
          comment: m.comment,
          start: m.start?.utc,
          stop: m.stop?.utc,
          durationS: m.durationS,
          files: m.files.length,
          bytes: m.files.reduce((n, f) => n + f.bytes, 0),
        });
      }
      return out;
    },
    async run(n) {
      if (current?.number === n) return current.manifest();
      const cached = finished.get(n);
      if (cached) return cached;
      const found = (await listRunDirs(config.supervisor.dataDir, naming)).find((r) =>
        r.number === n
      );
      if (!found) throw new ServeError(404, `no run ${n} in ${config.supervisor.dataDir}`);
      try {
        return await readManifest(found.dir);
      } catch (e) {
        throw new ServeError(500, (e as Error).message);
      }
    },
    totals: () => ({ jobs: jobTotals, routes: routeTotals, runsStarted }),
    taps: () => current?.supervisor.taps() ?? [],
    logLines: (since) => logKept.filter((l) => l.id > since),
    async close() {
      clearInterval(idleTicker);
      sequence?.abort.abort();
      if (current && !stopping) {
        stopping = true;
        await current.stop("daq serve is shutting down");
      } else if (current) await current.done;
    },
  };
  return service;
}
