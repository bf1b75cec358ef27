/** The figures the supervisor gathers every stats interval. */

/** Life-cycle states of a job. */
export type JobState =
  | "starting"
  | "running"
  | "restarting"
  | "stopping"
  | "finished"
  | "failed";

/** One job's figures at one stats tick. Rates are per second over about the last second. */
export interface JobStats {
  name: string;
  type: string;
  state: JobState;
  restarts: number;
  msgsIn: number;
  bytesIn: number;
  msgsOut: number;
  bytesOut: number;
  rows: number;
  msgsInPerS: number;
  bytesInPerS: number;
  msgsOutPerS: number;
  bytesOutPerS: number;
  rowsPerS: number;
  /** Fullest input ring, 0 to 1. */
  ringFill: number;
  /** Records dropped on this job's rings: inputs for consumers, outputs for producers. */
  drops: number;
  /** Records missing by sequence number on this job's input rings. */
  gaps: number;
  /** Send-to-receipt latency over the last interval, ms (consumers only). */
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Job-specific figures, e.g. `files`, `lost_records`. */
  extra: Record<string, number>;
  /** What the job says it is doing, e.g. `connecting (attempt 3, next in 4 s)`. */
  status?: string;
  /** The identity of the instrument behind the job (e.g. its `*IDN?` answer), once reported. */
  identity?: string;
  /** Last error, for failed or restarted jobs. */
  lastError?: string;
}

/** One route's ring at one stats tick. */
export interface RouteStats {
  key: string;
  from: string;
  to: string;
  written: number;
  read: number;
  writtenBytes: number;
  readBytes: number;
  fill: number;
  droppedNewest: number;
  droppedOldest: number;
  gaps: number;
  duplicates: number;
  blockedMs: number;
}

/** Everything at one stats tick. */
export interface StatsSnapshot {
  /** Wall-clock time, ISO 8601. */
  time: string;
  /** Seconds since the supervisor started. */
  elapsedS: number;
  supervisor: string;
  jobs: JobStats[];
  routes: RouteStats[];
}
