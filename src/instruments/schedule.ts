/** Timing without I/O: poll slots that never drift, and reconnect backoff. */

/**
 * Poll slots at `start + k * interval`. A slot is missed when the previous poll is still
 * running when the slot after it comes; missed slots are counted, never queued.
 *
 * @example
 * ```ts
 * import { PollSchedule } from "./schedule.ts";
 * import assert from "node:assert/strict";
 * const polls = new PollSchedule(1000, 100);
 * assert.deepEqual(polls.next(1000), { slot: 0, dueMs: 1000, missed: 0 });
 * assert.deepEqual(polls.next(1050), { slot: 1, dueMs: 1100, missed: 0 });
 * assert.deepEqual(polls.next(1420), { slot: 4, dueMs: 1400, missed: 2 }); // 2 and 3 passed
 * ```
 */
export class PollSchedule {
  #slot = -1;
  /** Slots passed over so far. */
  missed = 0;

  /** `startMs`: time of slot 0; `intervalMs`: time between slots (> 0). */
  constructor(readonly startMs: number, readonly intervalMs: number) {
    if (!(intervalMs > 0)) throw new RangeError("poll interval must be positive");
  }

  /**
   * The slot to poll next when the previous poll ended at `nowMs`: the following slot, or,
   * when its time has gone by, the latest slot whose time has come (its `dueMs` is then past:
   * poll at once). `missed` counts the slots passed over.
   */
  next(nowMs: number): { slot: number; dueMs: number; missed: number } {
    const current = Math.floor((nowMs - this.startMs) / this.intervalMs);
    const slot = Math.max(this.#slot + 1, current);
    const missed = slot - (this.#slot + 1);
    this.#slot = slot;
    this.missed += missed;
    return { slot, dueMs: this.startMs + slot * this.intervalMs, missed };
  }
}

/** Exponential backoff: `initialMs`, doubling per failed attempt up to `maxMs`. */
export class Backoff {
  #attempt = 0;

  constructor(readonly initialMs: number, readonly maxMs: number) {}

  /** Failed attempts since the last success. */
  get attempt(): number {
    return this.#attempt;
  }

  /** Counts a failed attempt and returns how long to wait before the next one. */
  fail(): number {
    this.#attempt++;
    return Math.min(this.maxMs, this.initialMs * 2 ** (this.#attempt - 1));
  }

  /** A success: the next failure starts from `initialMs` again. */
  reset(): void {
    this.#attempt = 0;
  }
}

/**
 * The state shown while reconnecting: `connecting (attempt 3, next in 4 s)`.
 *
 * @example
 * ```ts
 * import { connectingState } from "./schedule.ts";
 * import assert from "node:assert/strict";
 * assert.equal(connectingState(3, 4000), "connecting (attempt 3, next in 4 s)");
 * assert.equal(connectingState(1, 250), "connecting (attempt 1, next in 0.25 s)");
 * ```
 */
export function connectingState(attempt: number, nextInMs: number): string {
  const s = nextInMs >= 10_000
    ? Math.round(nextInMs / 1000)
    : Number((nextInMs / 1000).toPrecision(2));
  return `connecting (attempt ${attempt}, next in ${s} s)`;
}
