/**
 * Scripted runs: the steps of a `[[sequence]]` made in order, `repeat` runs per step, each a
 * numbered run whose settings are sent before its first row and whose manifest records its
 * step. A refused setting, a failed run or a stop from outside ends the sequence.
 */
import type { DaqConfig, SequenceStep } from "../config/types.ts";
import type { StatsSnapshot } from "../supervisor/stats.ts";
import type { RunManifest } from "./manifest.ts";
import { type Run, type RunOptions, type RunSetting, startRun } from "./run.ts";

/** The comment of a step's run: `{name}` and `{job.name}` by setting, `{step}`, `{repeat}`, `{run}`. */
export function stepComment(
  step: SequenceStep,
  index: number,
  repeat: number,
  run: number,
): string {
  const values: Record<string, string> = {
    step: String(index + 1),
    repeat: String(repeat + 1),
    run: String(run),
  };
  for (const [job, settings] of Object.entries(step.set)) {
    for (const [name, value] of Object.entries(settings)) {
      values[name] ??= String(value);
      values[`${job}.${name}`] = String(value);
    }
  }
  return step.comment.replace(/\{([^{}]*)\}/g, (all, name: string) => values[name] ?? all);
}

/** The settings of a step, in the order the config gives them. */
export function stepSettings(step: SequenceStep): RunSetting[] {
  return Object.entries(step.set).flatMap(([job, settings]) =>
    Object.entries(settings).map(([name, value]) => ({ job, name, value }))
  );
}

/** Options of {@link runSequence}; `comment` goes before each step's own. */
export interface SequenceOptions extends Omit<RunOptions, "settings" | "sequence"> {
  /** Called when each run is under way. */
  onRun?(run: Run, step: number, repeat: number): void;
  /** Aborted to end the sequence: the current run stops (`abort`), no further run is made. */
  signal?: AbortSignal;
}

/** How a sequence ended. */
export interface SequenceResult {
  manifests: RunManifest[];
  /** Whether every run of every step ended `success`. */
  complete: boolean;
  /** Why it stopped early (the failed step, the refused setting, the stop asked for). */
  reason?: string;
}

/** Rows the sources of a run produced so far (stores' rows when there is no source). */
export function sourceRows(config: DaqConfig, s: StatsSnapshot): number {
  const sources = new Set(config.jobs.filter((j) => j.role === "source").map((j) => j.name));
  const jobs = s.jobs.filter((j) => sources.has(j.name));
  if (jobs.length) return jobs.reduce((n, j) => n + j.rows, 0);
  return Math.max(0, ...s.jobs.filter((j) => j.msgsIn > 0).map((j) => j.rows));
}

/** Makes every run of `steps` in order; see the module doc. */
export async function runSequence(
  config: DaqConfig,
  steps: readonly SequenceStep[],
  options: SequenceOptions = {},
): Promise<SequenceResult> {
  const manifests: RunManifest[] = [];
  let firstRun = 0;
  for (const [i, step] of steps.entries()) {
    for (let r = 0; r < step.repeat; r++) {
      if (options.signal?.aborted) {
        return { manifests, complete: false, reason: `stopped before step ${i + 1}` };
      }
      const current: { run?: Run } = {};
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stopWhenRows = (s: StatsSnapshot) => {
        if (
          current.run && step.stopAfterRows !== undefined &&
          sourceRows(config, s) >= step.stopAfterRows
        ) {
          void current.run.stop(`stop_after_rows = ${step.stopAfterRows} reached`);
        }
      };
      const onAbort = () => void current.run?.stop("sequence stopped", "abort");
      const sequence = {
        step: i + 1,
        steps: steps.length,
        repeat: r + 1,
        repeats: step.repeat,
        firstRun,
      };
      const run = await startRun(config, {
        ...options,
        settings: stepSettings(step),
        sequence,
        onCreated: (number, dir) => {
          if (firstRun === 0) firstRun = number;
          sequence.firstRun = firstRun;
          options.onCreated?.(number, dir);
        },
        commentOf: (number) => {
          const own = stepComment(step, i, r, number);
          return options.comment ? (own ? `${options.comment}: ${own}` : options.comment) : own;
        },
        onStats: (s) => {
          options.onStats?.(s);
          stopWhenRows(s);
        },
      });
      current.run = run;
      options.signal?.addEventListener("abort", onAbort);
      if (options.signal?.aborted) onAbort();
      options.onRun?.(run, i + 1, r + 1);
      if (step.durationMs !== undefined) {
        timer = setTimeout(
          () => void run.stop(`duration ${step.durationMs} ms reached`),
          step.durationMs,
        );
      }
      const m = await run.done;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      manifests.push(m);
      if (m.status !== "success") {
        return {
          manifests,
          complete: false,
          reason: `step ${i + 1} (repeat ${r + 1}), run ${m.run}: ${m.status}: ${m.reason}`,
        };
      }
    }
  }
  return { manifests, complete: true };
}
