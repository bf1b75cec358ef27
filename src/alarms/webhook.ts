/**
 * Webhook delivery: JSON POSTs sent one at a time from a bounded queue, retried with backoff,
 * never awaited by the caller (acquisition never waits on a slow or dead receiver). What
 * cannot be delivered is counted.
 */

/** Options of {@link WebhookSender}. */
export interface WebhookOptions {
  /** Attempts per message. Default 5. */
  attempts?: number;
  /** Wait before the second attempt, doubling after each, ms. Default 500. */
  backoffMs?: number;
  /** Time allowed for one attempt, ms. Default 5000. */
  timeoutMs?: number;
  /** Messages waiting (besides the one being sent) at most; past it the oldest is dropped. Default 100. */
  maxQueue?: number;
  /** Called for each message given up on or dropped. */
  onFailure?(url: string, reason: string): void;
}

/** Counts of a {@link WebhookSender}. */
export interface WebhookCounts {
  sent: number;
  /** Messages given up on after every attempt failed. */
  failed: number;
  /** Messages dropped from a full queue. */
  dropped: number;
  /** Attempts that failed (and were retried or gave up). */
  errors: number;
  queued: number;
}

/** Sends JSON messages to webhooks in the background. */
export class WebhookSender {
  readonly counts: WebhookCounts = { sent: 0, failed: 0, dropped: 0, errors: 0, queued: 0 };
  readonly #options: Required<Omit<WebhookOptions, "onFailure">> & WebhookOptions;
  readonly #queue: { url: string; body: string }[] = [];
  #running: Promise<void> | undefined;
  #closed = false;
  #abort = new AbortController();

  /** A sender with `options`. */
  constructor(options: WebhookOptions = {}) {
    this.#options = {
      attempts: 5,
      backoffMs: 500,
      timeoutMs: 5000,
      maxQueue: 100,
      ...options,
    };
  }

  /** Queues `payload` for `url`; returns at once. */
  post(url: string, payload: unknown): void {
    if (this.#closed) return;
    if (this.#queue.length >= this.#options.maxQueue) {
      const old = this.#queue.shift()!;
      this.counts.dropped++;
      this.#options.onFailure?.(old.url, "queue full: dropped");
    }
    this.#queue.push({ url, body: JSON.stringify(payload) });
    this.counts.queued = this.#queue.length;
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
  }

  /** Waits until the queue is empty or `timeoutMs` passed; then sends nothing more. */
  async close(timeoutMs = 2000): Promise<void> {
    const running = this.#running;
    if (running) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([running, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.#closed = true;
    this.#abort.abort();
    const left = this.#queue.splice(0);
    this.counts.failed += left.length;
    this.counts.queued = 0;
  }

  async #run(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed) {
      const msg = this.#queue.shift()!;
      this.counts.queued = this.#queue.length;
      const ok = await this.#deliver(msg.url, msg.body);
      if (ok) this.counts.sent++;
      else this.counts.failed++;
    }
  }

  async #deliver(url: string, body: string): Promise<boolean> {
    let wait = this.#options.backoffMs;
    let reason = "";
    for (let attempt = 1; attempt <= this.#options.attempts && !this.#closed; attempt++) {
      const timeout = AbortSignal.timeout(this.#options.timeoutMs);
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          signal: AbortSignal.any([timeout, this.#abort.signal]),
        });
        await res.body?.cancel();
        if (res.ok) return true;
        reason = `HTTP ${res.status}`;
      } catch (e) {
        reason = e instanceof Error ? e.message : String(e);
      }
      this.counts.errors++;
      if (attempt < this.#options.attempts && !this.#closed) {
        await new Promise((r) => setTimeout(r, wait));
        wait *= 2;
      }
    }
    if (!this.#closed) this.#options.onFailure?.(url, reason);
    return false;
  }
}
