/** Where alarm conditions get their values: the stats snapshot of each tick. */
import type { JobStats, StatsSnapshot } from "../supervisor/stats.ts";
import type { AlarmCondition } from "./condition.ts";

/** The job that watches the columns of `route` for column alarms (added by the config). */
export function columnWatchJob(route: string): string {
  return `_alarms.${route}`;
}

/**
 * The figure a column watcher reports for a condition: the largest value since its last
 * report for `>`/`>=`, the smallest for `<`/`<=`, the last one for `==`/`!=`.
 */
export function columnFigure(c: AlarmCondition): string {
  if (c.subject.kind !== "column") throw new TypeError("not a column condition");
  const which = c.operator.startsWith(">") ? "max" : c.operator.startsWith("<") ? "min" : "last";
  return `${which}.${c.subject.column}`;
}

const FIGURES: Record<string, (j: JobStats) => number> = {
  msgs_per_s: (j) => (consumes(j) ? j.msgsInPerS : j.msgsOutPerS),
  mb_per_s: (j) => (consumes(j) ? j.bytesInPerS : j.bytesOutPerS) / 1e6,
  msgs_in_per_s: (j) => j.msgsInPerS,
  msgs_out_per_s: (j) => j.msgsOutPerS,
  bytes_in_per_s: (j) => j.bytesInPerS,
  bytes_out_per_s: (j) => j.bytesOutPerS,
  rows_per_s: (j) => j.rowsPerS,
  msgs_in: (j) => j.msgsIn,
  msgs_out: (j) => j.msgsOut,
  bytes_in: (j) => j.bytesIn,
  bytes_out: (j) => j.bytesOut,
  rows: (j) => j.rows,
  ring_fill: (j) => j.ringFill,
  drops: (j) => j.drops,
  gaps: (j) => j.gaps,
  restarts: (j) => j.restarts,
  latency_p50_ms: (j) => j.latencyP50Ms,
  latency_p99_ms: (j) => j.latencyP99Ms,
  latency_max_ms: (j) => j.latencyMaxMs,
  running: (j) => (j.state === "running" ? 1 : 0),
  failed: (j) => (j.state === "failed" ? 1 : 0),
};

/** The figure names every job has (besides its own `extra` figures). */
export const JOB_FIGURES: readonly string[] = Object.keys(FIGURES);

/** As the status table shows it: a job that takes messages is rated by what it takes. */
function consumes(j: JobStats): boolean {
  return j.msgsIn > 0 || j.msgsOut === 0;
}

/** Rates are taken over about this long (see the supervisor's stats). */
export const RATE_WINDOW_S = 1;

/**
 * The value of a condition's subject in `snapshot`, or undefined when it has none yet. A rate
 * (`*_per_s`) has none while its job starts and for {@link RATE_WINDOW_S} after it runs
 * (`runningSince`: elapsed seconds at which each job was first seen running), so that a
 * "no data" alarm does not trip while the run starts.
 */
export function conditionValue(
  c: AlarmCondition,
  snapshot: StatsSnapshot,
  runningSince?: ReadonlyMap<string, number>,
): number | undefined {
  const jobName = c.subject.kind === "stat" ? c.subject.job : columnWatchJob(c.subject.route);
  const job = snapshot.jobs.find((j) => j.name === jobName);
  if (!job) return undefined;
  if (c.subject.kind === "stat" && c.subject.figure.endsWith("_per_s")) {
    if (job.state === "starting" || job.state === "restarting") return undefined;
    const since = runningSince?.get(job.name);
    if (runningSince && (since === undefined || snapshot.elapsedS - since < RATE_WINDOW_S)) {
      return undefined;
    }
  }
  if (c.subject.kind === "column") return job.extra[columnFigure(c)];
  const f = FIGURES[c.subject.figure];
  return f ? f(job) : job.extra[c.subject.figure];
}
