import { consumes, type DaqConfig, type JobConfig, produces } from "../config/types.ts";
import {
  CONTROL_BYTES,
  CONTROL_PAUSED,
  CONTROL_PAUSED_AT_NS,
  CONTROL_RESUMED_AT_NS,
  CONTROL_STOP,
  type FileReport,
  type JobMessage,
  jobWorkerUrl,
  type SettingMessage,
  type StartMessage,
  type StatsMessage,
  STOP_FORCED,
} from "../job/protocol.ts";
import {
  createDoorbell,
  createRing,
  type Doorbell,
  type RingBuffer,
  ringCounters,
  setRingPolicy,
  unreadRecords,
} from "../transport/ring.ts";
import { createHistogram, type LatencyHistogram, mergeHistogram } from "../transport/latency.ts";
import { createOriginTable } from "../transport/origins.ts";
import { batchRowCount, RecordType } from "../transport/payload.ts";
import type { JobState, JobStats, RouteStats, StatsSnapshot } from "./stats.ts";

/** Where the supervisor reports to. */
export interface SupervisorOptions {
  /** Log lines: job is undefined for the supervisor's own. */
  onLog?(level: "info" | "warn" | "error", job: string | undefined, text: string): void;
  /** Called at every stats tick. */
  onStats?(snapshot: StatsSnapshot): void;
  /** Called when a job reports a file it wrote (again as it grows). */
  onFile?(file: WrittenFile): void;
  /**
   * Start with the sources paused (what they send is skipped) until {@link Supervisor.resume}:
   * lets settings reach instruments before a run's first row.
   */
  startPaused?: boolean;
  /** Give every produced key a tap ring for live views ({@link Supervisor.taps}). */
  liveTaps?: boolean;
}

/** A file a job reported writing: see `FileReport` in the job protocol. */
export interface WrittenFile extends FileReport {
  /** The job that wrote it. */
  job: string;
}

/** A setting a job refused, or could not be sent: the message names the job and setting. */
export class SettingRefusedError extends Error {
  override name = "SettingRefusedError";
  constructor(readonly job: string, readonly setting: string, readonly reason: string) {
    super(`job "${job}" refused setting ${setting}: ${reason}`);
  }
}

/** A job that cannot be acted on as asked (unknown, over, or not restartable). */
export class JobActionError extends Error {
  override name = "JobActionError";
}

/** How long a job has to answer a setting. */
export const SETTING_TIMEOUT_MS = 10_000;

/** Now, in ns since the epoch. */
export function epochNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

/** How a run ended. */
export interface RunResult {
  /**
   * 0: clean stop, everything acquired was stored; 2: a job failed for good; 3: data was lost
   * otherwise (a forced stop, or records left unread in a consumer's rings).
   */
  exitCode: 0 | 2 | 3;
  /** Jobs given up on (not those a forced stop ended). */
  failed: string[];
  /** Figures at the end. */
  final: StatsSnapshot;
  /** Whether the stop was forced. */
  forced: boolean;
  /** Per consumer that did not take everything sent to it: what it did not take. */
  unstored: Unstored[];
}

/** What one consumer (a store, processor or link) did not take of what was sent to it. */
export interface Unstored {
  job: string;
  /** Records left unread in its input rings. */
  msgs: number;
  /** Rows in those records (Arrow records; other records have none). */
  rows: number;
  /** Payload bytes of those records. */
  bytes: number;
  /** Records its producers could not write into its rings once a forced stop began. */
  droppedAtForce: number;
  /**
   * Whether a forced stop terminated it before it closed its files: what it had taken but not
   * written is lost too, and its last file may end in a partial row.
   */
  terminated: boolean;
}

/**
 * How long a forced stop waits for jobs to stop without draining their rings (stores close
 * their files) before it terminates them.
 */
export const FORCE_GRACE_MS = 5000;

/** A running acquisition: its jobs, their rings and their health. */
export interface Supervisor {
  /** Stops cleanly: sources first, rings drained, stores closed. */
  stop(reason?: string): Promise<RunResult>;
  /**
   * Forces a stop: every job stops now without draining its rings, stores close their files,
   * and what was left is counted ({@link RunResult.unstored}); jobs still running after
   * {@link FORCE_GRACE_MS} (or at a second call) are terminated.
   */
  force(): void;
  /** Resolves when the run has ended, however it ended. */
  done: Promise<RunResult>;
  /** Figures right now. */
  snapshot(): StatsSnapshot;
  /** Latency histogram of each consumer since it started (see transport/latency.ts). */
  latencyHistograms(): Record<string, LatencyHistogram>;
  /**
   * Pauses the sources: what they send from now on is skipped (rows timestamped inside the
   * pause are never sent); stores stay open. Returns when the pause began, ns since the epoch.
   */
  pause(): bigint;
  /** Ends a pause (or the paused start); returns when, ns since the epoch. */
  resume(): bigint;
  /** Whether the sources are paused. */
  paused(): boolean;
  /** Restarts one job now (its rings keep their data); throws {@link JobActionError}. */
  restartJob(name: string): void;
  /** Sends a setting to a job; rejects with {@link SettingRefusedError} if it is refused. */
  applySetting(job: string, name: string, value: unknown): Promise<void>;
  /** Files the jobs reported, latest report of each path. */
  files(): WrittenFile[];
  /** Instrument identities the jobs reported, by job. */
  identities(): Record<string, string>;
  /**
   * With `liveTaps`, the tap ring of every key each producer sends: a small drop-newest ring
   * the producer fills like a consumer's, for live views to read (one reader each). Its
   * drops are the view's, never counted on the data path.
   */
  taps(): TapRing[];
}

/** A producer's side ring for live views; see {@link Supervisor.taps}. */
export interface TapRing {
  key: string;
  from: string;
  ring: RingBuffer;
}

/**
 * Bytes of each tap ring. A watched tap copies at most this much per poll of its reader; a
 * record larger than half of it is never shown (counted as a tap drop).
 */
export const TAP_RING_BYTES = 4 << 20;

interface Route {
  key: string;
  from: string;
  to: string;
  ring?: RingBuffer;
  channel?: MessageChannel;
}

interface Counters {
  msgsIn: number;
  bytesIn: number;
  msgsOut: number;
  bytesOut: number;
  rows: number;
}

interface JobRuntime {
  job: JobConfig;
  state: JobState;
  worker?: Worker;
  control: SharedArrayBuffer;
  bell?: Doorbell;
  restarts: number;
  consecutive: number;
  startedAt: number;
  /** Counters of earlier Workers of this job (a new Worker counts from zero). */
  base: Counters;
  baseHistogram: LatencyHistogram;
  /** Figures of the last Worker that ended, shown until a new one reports. */
  lastFigures?: { extra: Record<string, number>; latency: StatsMessage["latency"] };
  last?: StatsMessage;
  /** Totals at recent ticks, for rates over the last second. */
  history: (Counters & { at: number })[];
  stopAsked: boolean;
  lastError?: string;
  restartTimer?: ReturnType<typeof setTimeout>;
  /** Settings sent to the current Worker and not yet answered, by id. */
  settings: Map<number, { resolve(): void; reject(e: Error): void; name: string }>;
  /** Whether the current Worker said it listens; until then messages wait in `queued`. */
  ready: boolean;
  queued: { msg: unknown; transfer: Transferable[] }[];
}

/** Rates in stats are taken over about this long. */
const RATE_WINDOW_MS = 1000;

const ZERO: Counters = { msgsIn: 0, bytesIn: 0, msgsOut: 0, bytesOut: 0, rows: 0 };

/**
 * Starts every job of `config` in its own Worker with its own permissions, wires the rings
 * of every route, and supervises: stats every interval, restarts with backoff, ordered stop.
 */
export function startSupervisor(config: DaqConfig, options: SupervisorOptions = {}): Supervisor {
  const sup = config.supervisor;
  const log = options.onLog ?? (() => {});
  const t0 = performance.now();
  // What files record: the config as resolved, without how each Worker is loaded and confined.
  const configJson = JSON.stringify({
    ...config,
    jobs: config.jobs.map(({ module: _m, permissions: _p, ...job }) => job),
  });
  const origins = createOriginTable();
  const routes: Route[] = config.routes.map((r) => ({
    key: r.key,
    from: r.from,
    to: r.to,
    ring: r.transport === "ring" ? createRing(r.ringBytes, r.policy) : undefined,
    channel: r.transport === "postmessage" ? new MessageChannel() : undefined,
  }));
  const taps: TapRing[] = !options.liveTaps
    ? []
    : config.jobs.flatMap((job) =>
      job.sends.map((key) => ({
        key,
        from: job.name,
        ring: createRing(TAP_RING_BYTES, "drop-newest", { dropOversize: true }),
      }))
    );
  const jobs = new Map<string, JobRuntime>();
  for (const job of config.jobs) {
    jobs.set(job.name, {
      job,
      state: "starting",
      control: new SharedArrayBuffer(CONTROL_BYTES),
      bell: consumes(job.role) ? createDoorbell() : undefined,
      restarts: 0,
      consecutive: 0,
      startedAt: 0,
      base: { ...ZERO },
      baseHistogram: createHistogram(),
      history: [{ ...ZERO, at: t0 }],
      stopAsked: false,
      settings: new Map(),
      ready: false,
      queued: [],
    });
  }
  const sources = [...jobs.values()].filter((rt) => rt.job.role === "source");
  let isPaused = options.startPaused ?? false;
  if (isPaused) { for (const rt of sources) new Int32Array(rt.control)[CONTROL_PAUSED] = 1; }
  const files = new Map<string, WrittenFile>();
  const identities: Record<string, string> = {};
  let nextSettingId = 1;

  let stopping = false;
  let forced = false;
  /** Jobs a forced stop ended (terminated, or crashed while stopping): not "failed for good". */
  const endedByForce = new Set<string>();
  const terminated = new Set<string>();
  /** Drops of each ring when the forced stop began. */
  const dropsAtForce = new Map<Route, number>();
  let resolveDone!: (r: RunResult) => void;
  const done = new Promise<RunResult>((r) => (resolveDone = r));
  let ended = false;

  const startJob = (rt: JobRuntime) => {
    new Int32Array(rt.control)[CONTROL_STOP] = rt.stopAsked ? 1 : 0;
    const worker = new Worker(jobWorkerUrl(rt.job.module), {
      type: "module",
      name: rt.job.name,
      deno: { permissions: rt.job.permissions },
    });
    rt.worker = worker;
    rt.ready = false;
    rt.queued = [];
    rt.state = "running";
    rt.startedAt = performance.now();
    rt.last = undefined;
    worker.onmessage = (e: MessageEvent<JobMessage>) => onMessage(rt, worker, e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      onCrash(rt, worker, e.message);
    };
    worker.onmessageerror = () => onCrash(rt, worker, "a message from the job could not be read");
    const start: StartMessage = {
      kind: "start",
      job: rt.job,
      supervisor: sup,
      inputs: routes.filter((r) => r.to === rt.job.name).map((r) => ({
        key: r.key,
        from: r.from,
        ring: r.ring,
        port: r.channel?.port2,
      })),
      outputs: routes.filter((r) => r.from === rt.job.name).map((r) => ({
        key: r.key,
        to: r.to,
        ring: r.ring,
        bell: r.ring ? jobs.get(r.to)!.bell! : undefined,
        port: r.channel?.port1,
      })).concat(
        taps.filter((t) => t.from === rt.job.name).map((t) => ({
          key: t.key,
          to: "(live view)",
          ring: t.ring,
          bell: undefined,
          port: undefined,
        })),
      ),
      bell: rt.bell,
      control: rt.control,
      origins,
      restarts: rt.restarts,
      configJson,
    };
    const ports = [...start.inputs, ...start.outputs].flatMap((r) => r.port ? [r.port] : []);
    postTo(rt, start, ports);
    if (rt.stopAsked) postTo(rt, { kind: "stop" });
  };

  /** Posts to the job's current Worker, or queues until it says it is ready. */
  const postTo = (rt: JobRuntime, msg: unknown, transfer: Transferable[] = []) => {
    if (!rt.worker) return;
    if (rt.ready) rt.worker.postMessage(msg, transfer);
    else rt.queued.push({ msg, transfer });
  };

  const retire = (rt: JobRuntime) => {
    for (const [, s] of rt.settings) {
      s.reject(new SettingRefusedError(rt.job.name, s.name, "the job ended before answering"));
    }
    rt.settings.clear();
    if (rt.last) {
      addInto(rt.base, rt.last);
      mergeHistogram(rt.baseHistogram, rt.last.latencyHistogram);
    }
    if (rt.last) rt.lastFigures = { extra: rt.last.extra, latency: rt.last.latency };
    rt.last = undefined;
    rt.worker?.terminate();
    rt.worker = undefined;
  };

  const onMessage = (rt: JobRuntime, worker: Worker, msg: JobMessage) => {
    if (rt.worker !== worker) return;
    switch (msg.kind) {
      case "ready":
        rt.ready = true;
        for (const q of rt.queued.splice(0)) worker.postMessage(q.msg, q.transfer);
        break;
      case "stats":
        rt.last = msg;
        break;
      case "log":
        log(msg.level, rt.job.name, msg.text);
        break;
      case "done":
        retire(rt);
        rt.state = "finished";
        if (!rt.stopAsked) log("info", rt.job.name, "finished");
        progress();
        break;
      case "failed":
        onCrash(rt, worker, msg.error, msg.permanent === true);
        break;
      case "file": {
        const file: WrittenFile = {
          job: rt.job.name,
          path: msg.path,
          rows: msg.rows,
          bytes: msg.bytes,
        };
        files.set(msg.path, file);
        options.onFile?.(file);
        break;
      }
      case "identity":
        identities[rt.job.name] = msg.text;
        break;
      case "setting-request":
        // A job sets another job's setting: the same path as the HTTP API and run sequences.
        applySetting(msg.job, msg.name, msg.value).then(
          () => worker.postMessage({ kind: "setting-request-result", id: msg.id }),
          (e) =>
            worker.postMessage({
              kind: "setting-request-result",
              id: msg.id,
              error: (e as Error).message,
            }),
        );
        break;
      case "setting-result": {
        const pending = rt.settings.get(msg.id);
        rt.settings.delete(msg.id);
        if (!pending) break;
        if (msg.error === undefined) pending.resolve();
        else pending.reject(new SettingRefusedError(rt.job.name, pending.name, msg.error));
        break;
      }
    }
  };

  /** A job's Worker failed; `permanent`: a restart cannot mend it (the job said so). */
  const onCrash = (rt: JobRuntime, worker: Worker, error: string, permanent = false) => {
    if (rt.worker !== worker) return;
    retire(rt);
    rt.lastError = error;
    const ranMs = performance.now() - rt.startedAt;
    if (ranMs >= sup.restartResetMs) rt.consecutive = 0;
    rt.consecutive++;
    if (forced) {
      rt.state = "failed";
      endedByForce.add(rt.job.name);
      log("warn", rt.job.name, `crashed while force-stopping: ${error}`);
      progress();
      return;
    }
    if (rt.stopAsked && rt.job.inputs.length === 0 && !permanent) {
      rt.state = "finished";
      log("warn", rt.job.name, `crashed while stopping: ${error}`);
      progress();
      return;
    }
    const portRoutes = routes.some((r) =>
      r.channel && (r.from === rt.job.name || r.to === rt.job.name)
    );
    if (rt.consecutive > sup.restartLimit || portRoutes || permanent) {
      if (portRoutes) {
        log("warn", rt.job.name, "postmessage routes cannot be re-established: no restart");
      }
      rt.state = "failed";
      log(
        "error",
        rt.job.name,
        permanent
          ? `failed: ${error}; not restarted (a restart cannot mend it)`
          : `crashed: ${error}; gave up after ${rt.restarts} restarts`,
      );
      for (const r of routes) {
        if (r.to === rt.job.name && r.ring) {
          setRingPolicy(r.ring, "drop-newest");
          log(
            "warn",
            rt.job.name,
            `route ${r.from} -> ${r.to} now drops (and counts) what it cannot take`,
          );
        }
      }
      progress();
      return;
    }
    const delay = Math.min(
      sup.restartBackoffMs * 2 ** (rt.consecutive - 1),
      sup.restartBackoffMaxMs,
    );
    rt.state = "restarting";
    log(
      "warn",
      rt.job.name,
      `crashed: ${error}; restart ${rt.restarts + 1} in ${(delay / 1000).toFixed(1)} s`,
    );
    rt.restartTimer = setTimeout(() => {
      rt.restartTimer = undefined;
      if (forced || ended) return;
      rt.restarts++;
      startJob(rt);
    }, delay);
  };

  const upstream = (name: string) =>
    routes.filter((r) => r.to === name).map((r) => jobs.get(r.from)!);
  const isOver = (rt: JobRuntime) => rt.state === "finished" || rt.state === "failed";

  /** Moves the stop along: asks each job whose producers are all over to stop. */
  const progress = () => {
    if (ended) return;
    if (forced) {
      if ([...jobs.values()].every(isOver)) finish();
      return;
    }
    if (!stopping) {
      if (sources.length > 0 && sources.every(isOver)) void stop("every source has finished");
      return;
    }
    for (const rt of jobs.values()) {
      if (isOver(rt) || rt.stopAsked) continue;
      if (upstream(rt.job.name).every(isOver)) {
        rt.stopAsked = true;
        if (rt.state === "restarting") continue;
        rt.state = "stopping";
        Atomics.store(new Int32Array(rt.control), CONTROL_STOP, 1);
        postTo(rt, { kind: "stop" });
      }
    }
    if ([...jobs.values()].every(isOver)) finish();
  };

  const snapshot = (): StatsSnapshot => {
    const now = performance.now();
    const routeStats: RouteStats[] = routes.filter((r) => r.ring).map((r) => {
      const c = ringCounters(r.ring!);
      return {
        key: r.key,
        from: r.from,
        to: r.to,
        written: c.written,
        read: c.read,
        writtenBytes: c.writtenBytes,
        readBytes: c.readBytes,
        fill: c.usedBytes / c.capacity,
        droppedNewest: c.droppedNewest,
        droppedOldest: c.droppedOldest,
        gaps: c.gaps,
        duplicates: c.duplicates,
        blockedMs: c.blockedMs,
      };
    });
    const jobStats: JobStats[] = [...jobs.values()].map((rt) => {
      const total = { ...rt.base };
      if (rt.last) addInto(total, rt.last);
      while (rt.history.length > 1 && now - rt.history[1].at >= RATE_WINDOW_MS) rt.history.shift();
      const prev = rt.history[0];
      const dt = Math.max((now - prev.at) / 1000, 1e-9);
      const ins = routeStats.filter((r) => r.to === rt.job.name);
      const outs = routeStats.filter((r) => r.from === rt.job.name);
      const figures = rt.last ?? rt.lastFigures;
      const dropsOf = (rs: RouteStats[]) =>
        rs.reduce((s, r) => s + r.droppedNewest + r.droppedOldest, 0);
      const stats: JobStats = {
        name: rt.job.name,
        type: rt.job.type,
        state: rt.state,
        restarts: rt.restarts,
        ...total,
        msgsInPerS: (total.msgsIn - prev.msgsIn) / dt,
        bytesInPerS: (total.bytesIn - prev.bytesIn) / dt,
        msgsOutPerS: (total.msgsOut - prev.msgsOut) / dt,
        bytesOutPerS: (total.bytesOut - prev.bytesOut) / dt,
        rowsPerS: (total.rows - prev.rows) / dt,
        ringFill: ins.reduce((m, r) => Math.max(m, r.fill), 0),
        drops: consumes(rt.job.role) && ins.length ? dropsOf(ins) : dropsOf(outs),
        gaps: ins.reduce((s, r) => s + r.gaps, 0) + (figures?.extra.port_gaps ?? 0) +
          (figures?.extra.link_gaps ?? 0),
        latencyP50Ms: figures?.latency.p50 ?? 0,
        latencyP99Ms: figures?.latency.p99 ?? 0,
        latencyMaxMs: figures?.latency.max ?? 0,
        extra: figures?.extra ?? {},
        // What a running job says it does; a job that ended says nothing any more.
        ...(rt.last?.status === undefined ? {} : { status: rt.last.status }),
        ...(identities[rt.job.name] === undefined ? {} : { identity: identities[rt.job.name] }),
        lastError: rt.lastError,
      };
      rt.history.push({ ...total, at: now });
      return stats;
    });
    return {
      time: new Date().toISOString(),
      elapsedS: (now - t0) / 1000,
      supervisor: sup.id,
      jobs: jobStats,
      routes: routeStats,
    };
  };

  const ticker = setInterval(() => options.onStats?.(snapshot()), sup.statsIntervalMs);
  let stopTimer: ReturnType<typeof setTimeout> | undefined;
  let forceTimer: ReturnType<typeof setTimeout> | undefined;

  const drops = (ring: RingBuffer) => {
    const c = ringCounters(ring);
    return c.droppedNewest + c.droppedOldest;
  };

  /** What each consumer did not take: its rings' unread records, counted once all ended. */
  const unstoredInputs = (): Unstored[] => {
    const out: Unstored[] = [];
    for (const rt of jobs.values()) {
      if (!consumes(rt.job.role)) continue;
      const u: Unstored = {
        job: rt.job.name,
        msgs: 0,
        rows: 0,
        bytes: 0,
        droppedAtForce: 0,
        terminated: terminated.has(rt.job.name),
      };
      for (const r of routes) {
        if (r.to !== rt.job.name || !r.ring) continue;
        for (const rec of unreadRecords(r.ring)) {
          u.msgs++;
          u.bytes += rec.payload.length;
          if ((rec.type & 0xffff) === RecordType.arrow) u.rows += batchRowCount(rec.payload);
        }
        if (forced) u.droppedAtForce += drops(r.ring) - (dropsAtForce.get(r) ?? 0);
      }
      if (u.msgs || u.droppedAtForce || u.terminated) out.push(u);
    }
    return out;
  };

  const finish = () => {
    if (ended) return;
    ended = true;
    clearInterval(ticker);
    clearTimeout(stopTimer);
    clearTimeout(forceTimer);
    for (const rt of jobs.values()) {
      clearTimeout(rt.restartTimer);
      if (rt.worker) retire(rt);
    }
    const final = snapshot();
    options.onStats?.(final);
    const failed = [...jobs.values()].filter((rt) =>
      rt.state === "failed" && !endedByForce.has(rt.job.name)
    ).map((rt) => rt.job.name);
    const unstored = unstoredInputs();
    const exitCode = failed.length ? 2 : unstored.length ? 3 : 0;
    resolveDone({ exitCode, failed, final, forced, unstored });
  };

  /** Ends every job still running now, as a forced stop's last resort. */
  const terminateAll = () => {
    if (ended) return;
    for (const rt of jobs.values()) {
      if (isOver(rt)) continue;
      const wasRunning = rt.worker !== undefined;
      retire(rt);
      rt.state = "failed";
      rt.lastError = "terminated by a forced stop";
      endedByForce.add(rt.job.name);
      if (wasRunning && consumes(rt.job.role)) terminated.add(rt.job.name);
      log("warn", rt.job.name, "terminated by the forced stop");
    }
    finish();
  };

  const force = () => {
    if (ended) return;
    if (forced) {
      terminateAll();
      return;
    }
    forced = true;
    stopping = true;
    clearTimeout(stopTimer);
    log(
      "warn",
      undefined,
      "forced stop: jobs stop now without draining their rings, stores close their files; " +
        "what is left is counted",
    );
    for (const r of routes) {
      if (!r.ring) continue;
      dropsAtForce.set(r, drops(r.ring));
      // A producer waiting for space in a ring nobody drains any more must not wait forever.
      setRingPolicy(r.ring, "drop-newest");
    }
    for (const rt of jobs.values()) {
      clearTimeout(rt.restartTimer);
      if (isOver(rt)) continue;
      rt.stopAsked = true;
      if (!rt.worker) {
        // Waiting to be restarted: it stays down.
        rt.state = "failed";
        endedByForce.add(rt.job.name);
        continue;
      }
      rt.state = "stopping";
      Atomics.store(new Int32Array(rt.control), CONTROL_STOP, STOP_FORCED);
      postTo(rt, { kind: "stop" });
    }
    forceTimer = setTimeout(terminateAll, FORCE_GRACE_MS);
    progress();
  };

  const stop = (reason = "stop requested"): Promise<RunResult> => {
    if (!stopping && !ended) {
      stopping = true;
      log(
        "info",
        undefined,
        `stopping (${reason}): sources first, then rings drain and stores close`,
      );
      stopTimer = setTimeout(() => {
        const left = [...jobs.values()].filter((rt) => !isOver(rt)).map((rt) => rt.job.name);
        log(
          "error",
          undefined,
          `stop took longer than ${sup.stopTimeoutMs} ms; terminating ${left.join(", ")}`,
        );
        force();
      }, sup.stopTimeoutMs);
      progress();
    }
    return done;
  };

  for (const rt of jobs.values()) {
    if (!produces(rt.job.role) || consumes(rt.job.role)) startJob(rt);
  }
  for (const rt of jobs.values()) if (rt.state === "starting") startJob(rt);

  const latencyHistograms = () => {
    const out: Record<string, LatencyHistogram> = {};
    for (const rt of jobs.values()) {
      const h = createHistogram();
      mergeHistogram(h, rt.baseHistogram);
      if (rt.last) mergeHistogram(h, rt.last.latencyHistogram);
      out[rt.job.name] = h;
    }
    return out;
  };

  const pause = (): bigint => {
    isPaused = true;
    for (const rt of sources) Atomics.store(new Int32Array(rt.control), CONTROL_PAUSED, 1);
    // Taken after the flags are set: whatever a source sent before seeing them was made earlier.
    const at = epochNs();
    for (const rt of sources) {
      Atomics.store(new BigInt64Array(rt.control), CONTROL_PAUSED_AT_NS, at);
    }
    log("info", undefined, "paused: sources send nothing until resumed");
    return at;
  };
  const resume = (): bigint => {
    const at = epochNs();
    for (const rt of sources) {
      Atomics.store(new BigInt64Array(rt.control), CONTROL_RESUMED_AT_NS, at);
      Atomics.store(new Int32Array(rt.control), CONTROL_PAUSED, 0);
    }
    if (isPaused) log("info", undefined, "resumed");
    isPaused = false;
    return at;
  };

  const restartJob = (name: string) => {
    const rt = jobs.get(name);
    if (!rt) {
      throw new JobActionError(
        `no job "${name}"; jobs: ${[...jobs.keys()].join(", ")}`,
      );
    }
    if (stopping || ended) throw new JobActionError("the run is stopping");
    if (isOver(rt)) throw new JobActionError(`job "${name}" is ${rt.state}`);
    if (routes.some((r) => r.channel && (r.from === name || r.to === name))) {
      throw new JobActionError(`job "${name}" has postmessage routes, which cannot be re-made`);
    }
    clearTimeout(rt.restartTimer);
    rt.restartTimer = undefined;
    if (rt.worker) retire(rt);
    rt.restarts++;
    log("warn", name, `restart ${rt.restarts} asked for`);
    startJob(rt);
  };

  const applySetting = (name: string, setting: string, value: unknown): Promise<void> => {
    const rt = jobs.get(name);
    if (!rt) {
      return Promise.reject(
        new SettingRefusedError(name, setting, `no such job; jobs: ${[...jobs.keys()].join(", ")}`),
      );
    }
    const worker = rt.worker;
    if (!worker || rt.state !== "running") {
      return Promise.reject(new SettingRefusedError(name, setting, `the job is ${rt.state}`));
    }
    const id = nextSettingId++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        rt.settings.delete(id);
        reject(new SettingRefusedError(name, setting, `no answer in ${SETTING_TIMEOUT_MS} ms`));
      }, SETTING_TIMEOUT_MS);
      rt.settings.set(id, {
        name: setting,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const msg: SettingMessage = { kind: "setting", id, name: setting, value };
      postTo(rt, msg);
    });
  };

  return {
    stop,
    force,
    done,
    snapshot,
    latencyHistograms,
    pause,
    resume,
    paused: () => isPaused,
    restartJob,
    applySetting,
    files: () => [...files.values()],
    identities: () => ({ ...identities }),
    taps: () => [...taps],
  };
}

function addInto(into: Counters, from: Counters): void {
  into.msgsIn += from.msgsIn;
  into.bytesIn += from.bytesIn;
  into.msgsOut += from.msgsOut;
  into.bytesOut += from.bytesOut;
  into.rows += from.rows;
}
