/**
 * The shared memory of a RootCompressorPool and its Workers (`_compress_worker.ts`). After one
 * setup message per Worker, baskets and their results pass through SharedArrayBuffers and
 * Atomics alone: messages between a job's Worker and Workers it starts were seen to sit
 * undelivered for 0.5-1 s while the job's thread was busy.
 *
 * `slots` slots (a multiple of the Worker count), used in turn: ticket `t` is slot
 * `t % slots`, which Worker `slot % workers` compresses; each Worker takes its slots in turn.
 * Per slot, four Int32 words in `control`: state, input length, output length, codec. After
 * the slots: one "up" word per Worker, then the stop word. In `arena`, per slot, an input area
 * then an output area of `slotBytes` each (a compressed basket is always smaller than its input:
 * else it is stored as it is).
 */

/** Slot states. */
export const FREE = 0;
export const QUEUED = 1;
export const DONE = 2;
/** Compressing failed: the output area holds the message (UTF-8, output length bytes). */
export const FAILED = 3;

/** Output length of a DONE slot whose input did not shrink: it is stored as it is. */
export const NOT_SHRUNK = -1;

/** Int32 words per slot. */
export const SLOT_WORDS = 4;

/** Algorithms by codec number (codec = algorithm index * 100 + level; level 0: default). */
export const ALGORITHMS = ["none", "zlib", "lz4", "zstd"] as const;

/** The one message a Worker gets: where the shared memory is and which slots are its own. */
export interface CompressorSetup {
  control: SharedArrayBuffer;
  arena: SharedArrayBuffer;
  slots: number;
  slotBytes: number;
  workers: number;
  worker: number;
}

/** Index in `control` of Worker `w`'s "up" word (1 once it takes baskets). */
export function upWord(slots: number, w: number): number {
  return slots * SLOT_WORDS + w;
}

/** Index in `control` of the stop word (1: Workers return). */
export function stopWord(slots: number, workers: number): number {
  return slots * SLOT_WORDS + workers;
}

/**
 * Resolves once `i32[index]` is no longer `value`, or after `timeoutMs`. Asynchronous on both
 * sides: a Worker blocked in `Atomics.wait` outlives the termination of the Worker that
 * started it. A bare `waitAsync` does not keep the event loop alive: the timer does. (The same
 * wait as the ring transport's, kept here: the compression Workers may read only this folder.)
 */
export async function waitForChange(
  i32: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
): Promise<void> {
  const r = Atomics.waitAsync(i32, index, value, timeoutMs);
  if (!r.async) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([r.value, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
