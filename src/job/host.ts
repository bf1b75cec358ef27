/**
 * The Worker side of a job: receives the start message, gives the job a {@link JobContext}
 * with its rings, reports stats, and tells the supervisor when the job ends or fails. The
 * Worker's entry (`jobWorkerUrl` in protocol.ts) imports the job's module and calls
 * {@link hostJobModule}.
 */
import { DataType, type RecordBatch } from "apache-arrow";
import type { TableSpec } from "../config/types.ts";
import { ColumnBatcher, columnsOf } from "./columns.ts";
import {
  type JobContext,
  type ReceivedBatch,
  type ReceivedMessage,
  SETTING_WAIT_MS,
  type SettingHandler,
} from "./context.ts";
import { declaredColumns, definitionProblem, type JobDefinition } from "./define.ts";
import { JobDefinitionError } from "./errors.ts";
import {
  CONTROL_PAUSED,
  CONTROL_PAUSED_AT_NS,
  CONTROL_RESUMED_AT_NS,
  CONTROL_STOP,
  type JobMessage,
  type LatencySummary,
  type PortMessage,
  type SettingMessage,
  type SettingRequestResultMessage,
  type StartMessage,
  STOP_FORCED,
  type SupervisorMessage,
} from "./protocol.ts";
import { RecordTooLargeError, RingReader, RingWriter, waitDoorbell } from "../transport/ring.ts";
import { PermanentJobError } from "./errors.ts";
import { createHistogram, recordLatency } from "../transport/latency.ts";
import { MAX_ORIGINS, originId, originNumber, OriginTableError } from "../transport/origins.ts";
import { decodeBatch, encodeMessage, planBatch, RecordType } from "../transport/payload.ts";

/**
 * Runs the job that `module` exports by default as this Worker's job (the Worker entry calls
 * it). A module without a job fails the Worker with a {@link JobDefinitionError}.
 */
export function hostJobModule(module: Record<string, unknown>, url: string): void {
  const problem = definitionProblem(module.default);
  if (problem !== undefined) {
    throw new JobDefinitionError(`${url}: the default export is not a job: ${problem}`);
  }
  hostJob(module.default as JobDefinition);
}

/** Runs `definition` as this Worker's job once the supervisor sends the start message. */
export function hostJob<S extends TableSpec>(definition: JobDefinition<S>): void {
  const run = definition.run as (ctx: JobContext) => Promise<void>;
  const scope = globalThis as unknown as {
    onmessage: ((e: MessageEvent) => void) | null;
    postMessage(msg: JobMessage): void;
  };
  const post = (msg: JobMessage) => scope.postMessage(msg);
  const abort = new AbortController();
  let control: Int32Array | undefined;
  let ctx: ReturnType<typeof createContext> | undefined;
  scope.onmessage = (e: MessageEvent) => {
    const msg = e.data as SupervisorMessage;
    if (msg.kind === "stop") {
      // The supervisor set the word already (to 1, or to STOP_FORCED): never lower it.
      if (control) Atomics.compareExchange(control, CONTROL_STOP, 0, 1);
      abort.abort();
      return;
    }
    if (msg.kind === "setting-request-result") {
      ctx?.settingRequestResult(msg);
      return;
    }
    if (msg.kind === "setting") {
      if (ctx) ctx.applySetting(msg);
      else post({ kind: "setting-result", id: msg.id, error: "the job has not started yet" });
      return;
    }
    control = new Int32Array(msg.control);
    ctx = createContext(msg, abort.signal, post, definition as unknown as JobDefinition);
    const started = ctx;
    const timer = setInterval(() => post(started.stats()), msg.supervisor.statsIntervalMs);
    // Called inside the promise: a run that throws at once fails the same way.
    Promise.resolve().then(() => run(started)).then(
      () => {
        clearInterval(timer);
        started.endPorts();
        post(started.stats());
        post({ kind: "done" });
      },
      (err) => {
        clearInterval(timer);
        post(started.stats());
        post({
          kind: "failed",
          error: failureText(err, msg.job.name),
          permanent: err instanceof PermanentJobError || err instanceof RecordTooLargeError,
        });
      },
    );
  };
  post({ kind: "ready" });
}

const LATENCY_SAMPLES = 4096;
/** The longest wait one timer takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * Messages between two looks at the clock for the 20 ms breathing rule, and between two
 * latency samples within a burst (every message taken after a wait is sampled). A clock read
 * costs about 80 ns, as much as the rest of taking a small message.
 */
const CLOCK_EVERY = 8;
/** What `send` returns when no ring had to be waited for. */
const SENT: Promise<void> = Promise.resolve();
/** Record type of the end marker a producer sends on MessagePort routes when it finishes. */
const PORT_END = 0xfffe;

/** Producer side of a `postmessage` route: each record is a new buffer, transferred. */
class PortWriter {
  #seq = 0;
  constructor(readonly port: MessagePort) {}
  tryWrite(
    type: number,
    length: number,
    fill: (dst: Uint8Array) => void,
    sentMs: number,
  ): "written" {
    const payload = new Uint8Array(length);
    fill(payload);
    const msg: PortMessage = { type, seq: this.#seq++, sentMs, payload };
    this.port.postMessage(msg, [payload.buffer]);
    return "written";
  }
  write(
    type: number,
    length: number,
    fill: (dst: Uint8Array) => void,
    sentMs: number,
  ): Promise<"written"> {
    return Promise.resolve(this.tryWrite(type, length, fill, sentMs));
  }
  end(): void {
    this.port.postMessage({
      type: PORT_END,
      seq: this.#seq,
      sentMs: 0,
      payload: new Uint8Array(0),
    });
  }
}

/** Consumer side of a `postmessage` route: a queue filled by the port, with sequence checks. */
class PortReader {
  readonly #queue: PortMessage[] = [];
  #head = 0;
  #last = -1;
  gaps = 0;
  duplicates = 0;
  ended = false;
  constructor(port: MessagePort, wake: () => void) {
    port.onmessage = (e: MessageEvent<PortMessage>) => {
      if (e.data.type === PORT_END) this.ended = true;
      else this.#queue.push(e.data);
      wake();
    };
  }
  hasData(): boolean {
    return this.#head < this.#queue.length;
  }
  read(): PortMessage | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const msg = this.#queue[this.#head++];
    if (this.#head > 1024) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (msg.seq > this.#last + 1) this.gaps += msg.seq - this.#last - 1;
    if (msg.seq <= this.#last) this.duplicates++;
    else this.#last = msg.seq;
    return msg;
  }
  done(): void {}
  release(): void {}
}

function createContext(
  start: StartMessage,
  signal: AbortSignal,
  post: (m: JobMessage) => void,
  definition: JobDefinition,
): JobContext & {
  stats(): JobMessage;
  endPorts(): void;
  applySetting(msg: SettingMessage): void;
  settingRequestResult(msg: SettingRequestResultMessage): void;
} {
  const control = new Int32Array(start.control);
  const controlNs = new BigInt64Array(start.control);
  let wakeUp: (() => void) | undefined;
  const wake = () => {
    wakeUp?.();
    wakeUp = undefined;
  };
  const outputs = start.outputs.map((o) =>
    o.ring ? new RingWriter(o.ring, o.bell) : new PortWriter(o.port!)
  );
  const inputs = start.inputs.map((i) => ({
    route: i,
    reader: i.ring ? new RingReader(i.ring) : new PortReader(i.port!, wake),
  }));
  const outputKeys = start.outputs.map((o) => o.key);
  const portInputs = inputs.map((i) => i.reader).filter((r) => r instanceof PortReader);
  const bell = start.bell ? new Int32Array(start.bell.sab) : undefined;
  const counts = { msgsIn: 0, bytesIn: 0, msgsOut: 0, bytesOut: 0, rows: 0 };
  let status: string | undefined;
  const extra: Record<string, number> = {};
  const latency = new Float64Array(LATENCY_SAMPLES);
  let latencyCount = 0;
  let latencyMax = 0;
  const histogram = createHistogram();
  let lastBreath = performance.now();
  const stopping = () => Atomics.load(control, CONTROL_STOP) !== 0;
  // A forced stop: consumers end without draining their rings.
  const aborting = () => Atomics.load(control, CONTROL_STOP) === STOP_FORCED;
  const paused = () => Atomics.load(control, CONTROL_PAUSED) !== 0;
  let settingHandler: SettingHandler | undefined;
  /** Settings this job asked for on other jobs, waiting for the supervisor's answer. */
  const settingRequests = new Map<number, { resolve(): void; reject(e: Error): void }>();
  let nextRequest = 1;
  let settingsWaiting: { msg: SettingMessage; timer: ReturnType<typeof setTimeout> }[] = [];
  const applySetting = (msg: SettingMessage) => {
    if (!settingHandler) {
      const timer = setTimeout(() => {
        settingsWaiting = settingsWaiting.filter((w) => w.msg !== msg);
        post({
          kind: "setting-result",
          id: msg.id,
          error: `job "${start.job.name}" (${start.job.type}) takes no settings`,
        });
      }, SETTING_WAIT_MS);
      settingsWaiting.push({ msg, timer });
      return;
    }
    const handler = settingHandler;
    new Promise<void>((resolve) => resolve(handler(msg.name, msg.value))).then(
      () => post({ kind: "setting-result", id: msg.id }),
      (e) =>
        post({
          kind: "setting-result",
          id: msg.id,
          error: e instanceof Error ? e.message : String(e),
        }),
    );
  };
  /**
   * The rows of a source's batch to send: all, none (undefined), or those outside the last
   * pause when the batch has an int64 `timestamp_ns` column.
   */
  const outsidePause = (batch: RecordBatch): RecordBatch[] | undefined => {
    const isPaused = paused();
    const resumedAt = Atomics.load(controlNs, CONTROL_RESUMED_AT_NS);
    if (!isPaused && resumedAt === 0n) return [batch];
    const pausedAt = Atomics.load(controlNs, CONTROL_PAUSED_AT_NS);
    const ts = timestampsOf(batch);
    if (!ts) return isPaused ? undefined : [batch];
    const end = isPaused ? BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n : resumedAt;
    if (ts.length === 0 || ts[ts.length - 1] < pausedAt || ts[0] >= end) return [batch];
    const kept: RecordBatch[] = [];
    let skipped = 0;
    for (let r = 0; r < ts.length;) {
      const inside = ts[r] >= pausedAt && ts[r] < end;
      let q = r + 1;
      while (q < ts.length && (ts[q] >= pausedAt && ts[q] < end) === inside) q++;
      if (inside) skipped += q - r;
      else kept.push(batch.slice(r, q));
      r = q;
    }
    extra.paused_skipped_rows = (extra.paused_skipped_rows ?? 0) + skipped;
    return kept.length ? kept : undefined;
  };
  // A MessageChannel round trip yields to the event loop without the 4 ms clamp that
  // nested setTimeout(0) calls get.
  // One breath at a time, shared: a job that receives and sends at once (a remote link) may
  // ask for a second while the first is under way.
  const yieldChannel = new MessageChannel();
  let breath: Promise<void> | undefined;
  let yielded: (() => void) | undefined;
  yieldChannel.port1.onmessage = () => {
    breath = undefined;
    lastBreath = performance.now();
    yielded?.();
  };
  const breathe = (): Promise<void> =>
    breath ??= new Promise<void>((r) => {
      yielded = r;
      yieldChannel.port2.postMessage(null);
    });

  const sent = (length: number, rows = 0): Promise<void> => {
    counts.msgsOut++;
    counts.bytesOut += length;
    counts.rows += rows;
    if ((counts.msgsOut % CLOCK_EVERY) === 0 && performance.now() - lastBreath > 20) {
      return breathe();
    }
    return SENT;
  };
  /** `send` from output `first` on, once output `first` was found full. */
  const sendWaiting = async (
    first: number,
    type: number,
    length: number,
    fill: (dst: Uint8Array) => void,
    sentMs: number,
    key: string | undefined,
    rows: number | undefined,
  ): Promise<void> => {
    // No abort signal: a write blocked on a full ring completes even during a stop, so that
    // a clean stop loses nothing (a consumer given up on turns its rings into counted drops).
    for (let i = first; i < outputs.length; i++) {
      if (key === undefined || outputKeys[i] === key) {
        await outputs[i].write(type, length, fill, sentMs);
      }
    }
    await sent(length, rows);
  };

  // The number of the last origin sent: a link sends runs of messages from one origin.
  let lastOrigin: string | undefined;
  let lastOriginNumber = 0;
  const originOf = (origin: string): number => {
    if (origin !== lastOrigin) {
      try {
        lastOriginNumber = originNumber(start.origins, origin);
      } catch (e) {
        if (!(e instanceof OriginTableError)) throw e;
        // Delivered all the same, without the mark; counted and said once.
        if (!extra.origin_unmarked) post({ kind: "log", level: "warn", text: e.message });
        lastOriginNumber = 0;
      }
      lastOrigin = origin;
    }
    if (lastOriginNumber === 0) extra.origin_unmarked = (extra.origin_unmarked ?? 0) + 1;
    return lastOriginNumber;
  };

  /** Origin ids by number, as far as looked up. */
  const originIds: (string | undefined)[] = [];
  /** Messages taken per origin number (remote links' injections), for stats. */
  const fromOrigin = new Float64Array(MAX_ORIGINS + 1);

  let nextInput = 0;
  /** Messages taken, and the reader of the last one (done with when the next is asked for). */
  let taken = 0;
  let lastReader: RingReader | PortReader | undefined;
  const releaseInputs = () => {
    for (const input of inputs) input.reader.release();
  };
  /**
   * Takes the next message of the input rings, round robin, or undefined when all are empty.
   * `fresh`: the first after a wait, whose latency is always sampled.
   */
  const take = (fresh: boolean): ReceivedMessage | undefined => {
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[nextInput];
      nextInput = nextInput + 1 === inputs.length ? 0 : nextInput + 1;
      const rec = input.reader.read();
      if (!rec) continue;
      lastReader = input.reader;
      counts.msgsIn++;
      counts.bytesIn += rec.payload.length;
      if (fresh || counts.msgsIn % CLOCK_EVERY === 0) {
        const lat = performance.timeOrigin + performance.now() - rec.sentMs;
        if (lat > latencyMax) latencyMax = lat;
        latency[latencyCount++ % LATENCY_SAMPLES] = lat;
        recordLatency(histogram, lat);
      }
      const origin = rec.type >>> 16;
      if (origin !== 0) fromOrigin[origin]++;
      return {
        key: input.route.key,
        from: input.route.from,
        type: rec.type & 0xffff,
        seq: rec.seq,
        sentMs: rec.sentMs,
        payload: rec.payload,
        origin: origin === 0 ? undefined : (originIds[origin] ??= originId(start.origins, origin)),
      };
    }
    return undefined;
  };
  /** Waits until a message comes or the job ends (stop asked for and inputs empty). */
  const nextMessage = async (): Promise<IteratorResult<ReceivedMessage>> => {
    for (;;) {
      // The stop flag first: a record written before the stop was asked for is then seen.
      const stop = stopping();
      if (aborting()) {
        releaseInputs();
        return { value: undefined, done: true };
      }
      const msg = take(true);
      if (msg) return { value: msg, done: false };
      releaseInputs();
      if (stop && portInputs.every((p) => p.ended)) return { value: undefined, done: true };
      const woken = new Promise<void>((r) => (wakeUp = r));
      if (bell) {
        await Promise.race([
          waitDoorbell(bell, () => inputs.some((i) => i.reader.hasData()), 50),
          woken,
        ]);
        lastBreath = performance.now();
      } else await Promise.race([breathe(), woken]);
    }
  };

  let batcher: ColumnBatcher | undefined;
  const columnsBatch = (columns: Parameters<JobContext["sendColumns"]>[0]) => {
    batcher ??= new ColumnBatcher(declaredColumns(definition, start.job.fields));
    return batcher.batch(columns);
  };
  let nonTables = 0;

  const ctx: JobContext & {
    stats(): JobMessage;
    endPorts(): void;
    applySetting(msg: SettingMessage): void;
    settingRequestResult(msg: SettingRequestResultMessage): void;
  } = {
    endPorts() {
      for (const o of outputs) if (o instanceof PortWriter) o.end();
    },
    fields: start.job.fields,
    job: start.job,
    supervisor: start.supervisor,
    restarts: start.restarts,
    configJson: start.configJson,
    signal,
    stopping,
    send(type, length, fill, options) {
      if (paused()) {
        extra.paused_skipped_msgs = (extra.paused_skipped_msgs ?? 0) + 1;
        return SENT;
      }
      const sentMs = options?.sentMs ?? performance.timeOrigin + performance.now();
      const key = options?.key;
      try {
        if (options?.origin !== undefined) type |= originOf(options.origin) << 16;
        for (let i = 0; i < outputs.length; i++) {
          if (key !== undefined && outputKeys[i] !== key) continue;
          if (outputs[i].tryWrite(type, length, fill, sentMs) === "full") {
            return sendWaiting(i, type, length, fill, sentMs, key, options?.rows);
          }
        }
      } catch (e) {
        // A record too large for a ring, or a fill that threw: a rejection, as from any send.
        return Promise.reject(e);
      }
      return sent(length, options?.rows);
    },
    sendBatch(batch, options = {}) {
      const parts = outsidePause(batch);
      if (!parts) {
        extra.paused_skipped_msgs = (extra.paused_skipped_msgs ?? 0) + 1;
        extra.paused_skipped_rows = (extra.paused_skipped_rows ?? 0) + batch.numRows;
        return SENT;
      }
      if (parts.length === 1) {
        const plan = planBatch(parts[0]);
        return ctx.send(RecordType.arrow, plan.length, plan.fill, {
          ...options,
          rows: parts[0].numRows,
        });
      }
      return parts.reduce(
        (p, part) =>
          p.then(() => {
            const plan = planBatch(part);
            return ctx.send(RecordType.arrow, plan.length, plan.fill, {
              ...options,
              rows: part.numRows,
            });
          }),
        Promise.resolve(),
      );
    },
    sendMessage(value, options) {
      const bytes = encodeMessage(value);
      return ctx.send(RecordType.msgpack, bytes.length, (dst) => dst.set(bytes), options);
    },
    sendColumns(columns, options) {
      try {
        return ctx.sendBatch(columnsBatch(columns), options);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    sendRow(row, options) {
      const columns: Record<string, number[] | bigint[]> = {};
      for (const name in row) columns[name] = [row[name]] as number[] | bigint[];
      return ctx.sendColumns(columns, options);
    },
    async *batches(): AsyncGenerator<ReceivedBatch> {
      for await (const msg of ctx.receive()) {
        if (msg.type !== RecordType.arrow) {
          ctx.setFigure("non_table_msgs", ++nonTables);
          continue;
        }
        const batch = decodeBatch(msg.payload);
        counts.rows += batch.numRows;
        yield {
          key: msg.key,
          from: msg.from,
          origin: msg.origin,
          seq: msg.seq,
          sentMs: msg.sentMs,
          rows: batch.numRows,
          columns: columnsOf(batch),
          batch,
        };
      }
    },
    receive() {
      const iterator: AsyncIterableIterator<ReceivedMessage> = {
        [Symbol.asyncIterator]: () => iterator,
        next() {
          // Being asked for the next message means the last one is done with.
          lastReader?.done();
          lastReader = undefined;
          if (aborting()) return nextMessage();
          if (++taken % CLOCK_EVERY === 0 && performance.now() - lastBreath > 20) {
            return breathe().then(nextMessage);
          }
          const msg = take(false);
          return msg ? Promise.resolve({ value: msg, done: false }) : nextMessage();
        },
        return() {
          releaseInputs();
          return Promise.resolve({ value: undefined, done: true });
        },
      };
      return iterator;
    },
    batchOf(msg) {
      return decodeBatch(msg.payload);
    },
    countRows(n) {
      counts.rows += n;
    },
    setFigure(name, value) {
      extra[name] = value;
    },
    log(text) {
      post({ kind: "log", level: "info", text });
    },
    warn(text) {
      post({ kind: "log", level: "warn", text });
    },
    breathe,
    paused,
    applySetting,
    reportFile(file) {
      post({ kind: "file", path: file.path, rows: file.rows, bytes: file.bytes });
    },
    setStatus(text) {
      status = text;
    },
    setIdentity(text) {
      post({ kind: "identity", text });
    },
    requestSetting(job, name, value) {
      const id = nextRequest++;
      return new Promise<void>((resolve, reject) => {
        settingRequests.set(id, { resolve, reject });
        post({ kind: "setting-request", id, job, name, value });
      });
    },
    settingRequestResult(msg) {
      const waiting = settingRequests.get(msg.id);
      settingRequests.delete(msg.id);
      if (msg.error === undefined) waiting?.resolve();
      else waiting?.reject(new Error(msg.error));
    },
    onSetting(handler) {
      settingHandler = handler;
      const waiting = settingsWaiting;
      settingsWaiting = [];
      for (const w of waiting) {
        clearTimeout(w.timer);
        applySetting(w.msg);
      }
    },
    sleep(ms) {
      if (signal.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        // A timer takes at most 2^31 - 1 ms (a longer one fires at once): longer waits go by
        // in steps, to the same end.
        const end = performance.now() + ms;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        };
        const step = () => {
          const left = end - performance.now();
          if (left <= 0) done();
          else timer = setTimeout(step, Math.min(left, MAX_TIMER_MS));
        };
        signal.addEventListener("abort", done);
        step();
      });
    },
    stats() {
      const n = Math.min(latencyCount, LATENCY_SAMPLES);
      const summary: LatencySummary = { count: latencyCount, p50: 0, p99: 0, max: latencyMax };
      if (n > 0) {
        const sorted = latency.slice(0, n).sort();
        summary.p50 = sorted[Math.floor(n * 0.5)];
        summary.p99 = sorted[Math.min(n - 1, Math.floor(n * 0.99))];
      }
      latencyCount = 0;
      latencyMax = 0;
      // Per origin id (two numbers may name one id): `origin.<id>.msgs`.
      const perId = new Map<string, number>();
      for (let n = 1; n <= MAX_ORIGINS; n++) {
        if (fromOrigin[n] === 0) continue;
        const id = originId(start.origins, n) ?? String(n);
        perId.set(id, (perId.get(id) ?? 0) + fromOrigin[n]);
      }
      for (const [id, msgs] of perId) extra[`origin.${id}.msgs`] = msgs;
      if (portInputs.length) {
        extra.port_gaps = portInputs.reduce((s, p) => s + p.gaps, 0);
        extra.port_duplicates = portInputs.reduce((s, p) => s + p.duplicates, 0);
      }
      return {
        kind: "stats",
        ...counts,
        latency: summary,
        latencyHistogram: Array.from(histogram),
        extra: { ...extra },
        ...(status === undefined ? {} : { status }),
      };
    },
  };
  return ctx;
}

/** The int64 `timestamp_ns` column of a batch, or undefined when it has none. */
function timestampsOf(batch: RecordBatch): BigInt64Array | undefined {
  const field = batch.schema.fields.find((f) => f.name === "timestamp_ns");
  if (!field || !DataType.isInt(field.type) || field.type.bitWidth !== 64) return undefined;
  const values = batch.getChild("timestamp_ns")?.toArray();
  return values instanceof BigInt64Array ? values : undefined;
}

/**
 * What a failed run reports. A permission the job's Worker lacks names the job and what it
 * tried (Deno's advice to run again with a flag does not apply to a job: its permissions come
 * from its declaration, narrowed by the config).
 */
function failureText(err: unknown, job: string): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof Deno.errors.NotCapable) {
    const what = err.message.replace(/,? run again with the --allow-\S+ flag\.?$/, "");
    return `${err.name}: job "${job}" lacks a permission it did not declare: ${what} ` +
      `(declare it in the job's permissions; the config may narrow them with allow_* keys)`;
  }
  return `${err.name}: ${err.message}`;
}
