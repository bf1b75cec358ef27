// zeromq.js waits for a pending receive() through Deno's uv_poll emulation, which can miss
// wake-ups when several sockets wait in one thread (measured: a second Pull socket never
// resolved). We therefore never leave a receive pending: we poll `socket.readable` (a
// getsockopt(ZMQ_EVENTS), no uv_poll) and call receive() only when a message is queued.
import { setImmediate } from "node:timers";

/** Spins through event-loop turns this many times before sleeping 1 ms between polls. */
const SPIN_TURNS = 64;

/** Resolves after one event-loop turn (about 3 us), letting timers and I/O run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Resolves after about `ms` milliseconds (Deno clamps to about 2 ms). An unref'd timer does not
 * keep the process alive.
 */
export function sleep(ms: number, unref = false): Promise<void> {
  return new Promise((resolve) => {
    const id = setTimeout(resolve, ms);
    if (unref) Deno.unrefTimer(id);
  });
}

/** Waits while nothing is ready: spins briefly, then sleeps 1 ms per attempt. */
export async function backoff(attempt: number, unref = false): Promise<void> {
  if (attempt < SPIN_TURNS && !unref) await nextTurn();
  else await sleep(1, unref);
}

/**
 * Waits until `isReady()` is true or `isStopped()` becomes true; returns whether ready.
 */
export async function waitUntil(
  isReady: () => boolean,
  isStopped: () => boolean,
): Promise<boolean> {
  for (let attempt = 0;; attempt++) {
    if (isStopped()) return false;
    if (isReady()) return true;
    await backoff(attempt);
  }
}

/** True when `error` is ZeroMQ's EAGAIN (high-water mark reached with noDrop). */
export function isAgain(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "EAGAIN";
}
