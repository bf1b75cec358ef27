/**
 * The life of one SCPI instrument: connect (with backoff), send `init`, read `*IDN?`, poll the
 * readings on a fixed grid of slots, check the error queue, apply settings between polls, and
 * reconnect when the link drops or a query times out. No I/O of its own beyond the
 * {@link ByteLink}; what it measures and meets goes to a {@link ScpiReport}.
 */
import {
  Backoff,
  connectingState,
  type InstrumentAddress,
  LineFramer,
  parseInstrumentError,
  PollSchedule,
  type ReadingSpec,
  ReplyError,
  type ReplyParser,
  replyParser,
  settingCommand,
  type SettingSpec,
} from "../../instruments/mod.ts";
import { type ByteLink, LinkError, openLink } from "./_byte_link.ts";

/** Text encodings a SCPI instrument may use. */
export const SCPI_ENCODINGS = ["ascii", "latin1", "utf-8"] as const;

/** Everything a session needs, with durations in ms. */
export interface ScpiOptions {
  address: InstrumentAddress;
  pollIntervalMs: number;
  timeoutMs: number;
  init: string[];
  checkErrors: boolean;
  readings: ReadingSpec[];
  settings: SettingSpec[];
  writeTerminator: string;
  readTerminator: string;
  encoding: (typeof SCPI_ENCODINGS)[number];
  queryDelayMs: number;
  maxReplyBytes: number;
  reconnectMs: number;
  reconnectMaxMs: number;
}

/** Where a session reports to (the job context, or a test). */
export interface ScpiReport {
  /** One poll: when its first query was sent (ns since the epoch) and one value per reading. */
  row(timestampNs: bigint, values: Float64Array): Promise<void>;
  figure(name: string, value: number): void;
  /** The connection state in words, e.g. `connecting (attempt 3, next in 4 s)`. */
  state(text: string): void;
  /** The instrument's `*IDN?` reply, after each connect. */
  identity(idn: string): void;
  log(text: string): void;
  warn(text: string): void;
  /** Waits `ms` or until a stop (resolves early then). */
  sleep(ms: number): Promise<void>;
}

/** The result of {@link ScpiSession.set}. */
export interface SettingResult {
  setting: string;
  value: number;
  /** The command sent. */
  command: string;
  /** Instrument errors the command raised (when `check_errors`), empty when none. */
  errors: string[];
}

class QueryTimeout extends Error {
  override name = "QueryTimeout";
}

const MAX_DISTINCT_PROBLEMS = 100;
/** How long a setting waits for the instrument to be connected and the command sent. */
const SETTING_CONNECT_WAIT_MS = 5000;
const MAX_ERROR_DRAIN = 20;

/** Counters a session keeps, all shown as figures. */
const FIGURES = [
  "polls",
  "missed_polls",
  "timeouts",
  "reconnects",
  "connect_failures",
  "parse_failures",
  "instrument_errors",
  "oversized_replies",
  "settings_applied",
] as const;
type Figure = (typeof FIGURES)[number];

/** One instrument, polled until `signal` aborts. */
export class ScpiSession {
  readonly #o: ScpiOptions;
  readonly #report: ScpiReport;
  readonly #signal: AbortSignal;
  readonly #parsers: ReplyParser[];
  readonly #counts: Record<Figure, number>;
  readonly #problems = new Set<string>();
  readonly #pending: {
    spec: SettingSpec;
    value: number;
    resolve: (r: SettingResult) => void;
    reject: (e: Error) => void;
  }[] = [];
  #wake: (() => void) | undefined;
  #link: ByteLink | undefined;
  #framer: LineFramer;
  #readBuffer = new Uint8Array(4096);
  #pendingRead: Promise<number | null> | undefined;
  readonly #decoder: TextDecoder;
  #connected = false;

  constructor(options: ScpiOptions, report: ScpiReport, signal: AbortSignal) {
    this.#o = options;
    this.#report = report;
    this.#signal = signal;
    this.#parsers = options.readings.map(replyParser);
    this.#counts = Object.fromEntries(FIGURES.map((f) => [f, 0])) as Record<Figure, number>;
    for (const f of FIGURES) report.figure(f, 0);
    this.#framer = new LineFramer({
      terminator: options.readTerminator,
      maxBytes: options.maxReplyBytes,
    });
    this.#decoder = new TextDecoder(options.encoding === "ascii" ? "latin1" : options.encoding);
    signal.addEventListener("abort", () => {
      this.#link?.close();
      this.#wake?.();
      for (const p of this.#pending.splice(0)) p.reject(new Error("stopped"));
    }, { once: true });
  }

  #count(name: Figure, by = 1): void {
    this.#counts[name] += by;
    this.#report.figure(name, this.#counts[name]);
  }

  /** Logs `text` the first time `key` comes up (bounded: past 100 kinds, nothing new is logged). */
  #once(key: string, text: string): void {
    if (this.#problems.has(key) || this.#problems.size >= MAX_DISTINCT_PROBLEMS) return;
    this.#problems.add(key);
    this.#report.warn(text);
  }

  /**
   * Sets a settable output between two polls: sends its command (and checks the error queue
   * when `check_errors`). Rejects when the setting is unknown, the value out of its range, the
   * connection drops before it is sent, or it could not be sent within 5 s (not connected).
   */
  set(name: string, value: number): Promise<SettingResult> {
    const spec = this.#o.settings.find((s) => s.name === name);
    if (!spec) {
      const known = this.#o.settings.map((s) => s.name).join(", ") || "none";
      return Promise.reject(new RangeError(`no setting "${name}" (settings: ${known})`));
    }
    try {
      settingCommand(spec, value);
    } catch (e) {
      return Promise.reject(e);
    }
    // While (re)connecting, a setting waits for the connection, up to SETTING_CONNECT_WAIT_MS.
    return new Promise((resolve, reject) => {
      const entry = { spec, value, resolve, reject };
      const timer = setTimeout(() => {
        const i = this.#pending.indexOf(entry);
        if (i < 0) return;
        this.#pending.splice(i, 1);
        reject(new Error(`setting "${name}": the instrument is not connected`));
      }, SETTING_CONNECT_WAIT_MS);
      entry.resolve = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      entry.reject = (e) => {
        clearTimeout(timer);
        reject(e);
      };
      this.#pending.push(entry);
      this.#wake?.();
    });
  }

  /** Runs until the signal aborts. */
  async run(): Promise<void> {
    const o = this.#o;
    const backoff = new Backoff(o.reconnectMs, o.reconnectMaxMs);
    const schedule = new PollSchedule(Date.now(), o.pollIntervalMs);
    let everConnected = false;
    while (!this.#signal.aborted) {
      this.#report.state(
        backoff.attempt === 0 ? "connecting" : connectingState(backoff.attempt + 1, 0),
      );
      try {
        this.#link = await openLink(o.address, o.timeoutMs, this.#signal);
      } catch (e) {
        if (this.#signal.aborted) break;
        this.#count("connect_failures");
        const delay = backoff.fail();
        this.#once(`connect: ${(e as Error).message}`, `cannot connect: ${(e as Error).message}`);
        this.#report.state(connectingState(backoff.attempt, delay));
        await this.#report.sleep(delay);
        continue;
      }
      if (everConnected) this.#count("reconnects");
      everConnected = true;
      this.#framer.reset();
      this.#readBuffer = new Uint8Array(4096);
      this.#pendingRead = undefined;
      try {
        await this.#start();
        this.#connected = true;
        this.#report.state("polling");
        await this.#poll(schedule, backoff);
      } catch (e) {
        if (this.#signal.aborted) break;
        if (e instanceof QueryTimeout) {
          this.#count("timeouts");
          this.#once(`timeout: ${e.message}`, `${e.message}; reconnecting`);
        } else if (
          e instanceof LinkError || e instanceof Deno.errors.ConnectionReset ||
          e instanceof Deno.errors.BrokenPipe || e instanceof Deno.errors.BadResource ||
          e instanceof Deno.errors.Interrupted
        ) {
          this.#once(`link: ${e.name}`, `connection lost (${e.message}); reconnecting`);
        } else {
          throw e;
        }
      } finally {
        this.#connected = false;
        this.#link?.close();
        this.#link = undefined;
        for (const p of this.#pending.splice(0)) p.reject(new Error("instrument connection lost"));
      }
      const delay = backoff.fail();
      this.#report.state(connectingState(backoff.attempt, delay));
      await this.#report.sleep(delay);
    }
    this.#report.state("stopped");
  }

  async #start(): Promise<void> {
    for (const command of this.#o.init) await this.#command(command);
    if (this.#o.checkErrors) await this.#drainErrors("after init");
    const idn = await this.#query("*IDN?");
    this.#report.identity(idn);
  }

  async #poll(schedule: PollSchedule, backoff: Backoff): Promise<void> {
    const values = new Float64Array(this.#parsers.length);
    for (;;) {
      const slot = schedule.next(Date.now());
      if (slot.missed > 0) this.#count("missed_polls", slot.missed);
      // Settings are applied while waiting for the slot (and once before it, if due already).
      for (;;) {
        await this.#applySettings();
        const wait = slot.dueMs - Date.now();
        if (wait <= 0 || this.#signal.aborted) break;
        await this.#waitOrWake(wait);
      }
      if (this.#signal.aborted) return;
      const sentMs = performance.timeOrigin + performance.now();
      let failed = false;
      for (let i = 0; i < this.#parsers.length; i++) {
        const reading = this.#o.readings[i];
        try {
          values[i] = this.#parsers[i](await this.#query(reading.query));
        } catch (e) {
          if (!(e instanceof ReplyError)) throw e;
          values[i] = NaN;
          failed = true;
          this.#count("parse_failures");
          this.#once(
            `parse: ${reading.name}: ${e.kind}`,
            `reading "${reading.name}" (${reading.query}): ${e.message}`,
          );
        }
      }
      if (failed && this.#o.checkErrors) {
        await this.#drainErrors("after a reply that did not parse");
      }
      await this.#report.row(BigInt(Math.round(sentMs * 1000)) * 1000n, values);
      this.#count("polls");
      backoff.reset();
    }
  }

  #waitOrWake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.#wake = undefined;
        resolve();
      };
      this.#wake = finish;
      this.#report.sleep(ms).then(finish);
    });
  }

  async #applySettings(): Promise<void> {
    while (this.#pending.length > 0) {
      const p = this.#pending.shift()!;
      try {
        const command = settingCommand(p.spec, p.value);
        await this.#command(command);
        const errors = this.#o.checkErrors ? await this.#drainErrors(`after ${command}`) : [];
        this.#count("settings_applied");
        this.#report.log(
          `setting ${p.spec.name} = ${p.value} (${command})${
            errors.length ? `: ${errors.join("; ")}` : ""
          }`,
        );
        p.resolve({ setting: p.spec.name, value: p.value, command, errors });
      } catch (e) {
        p.reject(e as Error);
        throw e;
      }
    }
  }

  /** Reads the error queue until it is empty; counts and returns what was in it. */
  async #drainErrors(when: string): Promise<string[]> {
    const found: string[] = [];
    for (let i = 0; i < MAX_ERROR_DRAIN; i++) {
      const reply = await this.#query("SYST:ERR?");
      let entry;
      try {
        entry = parseInstrumentError(reply);
      } catch (e) {
        if (!(e instanceof ReplyError)) throw e;
        this.#count("parse_failures");
        this.#once(`syst:err: ${e.kind}`, `SYST:ERR? ${e.message}`);
        return found;
      }
      if (entry.code === 0) return found;
      const text = `${entry.code},"${entry.message}"`;
      found.push(text);
      this.#count("instrument_errors");
      this.#once(`instrument: ${text}`, `instrument error ${when}: ${text}`);
    }
    return found;
  }

  #encode(text: string): Uint8Array {
    const line = text + this.#o.writeTerminator;
    if (this.#o.encoding === "utf-8") return new TextEncoder().encode(line);
    const bytes = new Uint8Array(line.length);
    for (let i = 0; i < line.length; i++) bytes[i] = line.charCodeAt(i) & 0xff;
    return bytes;
  }

  async #command(text: string): Promise<void> {
    await this.#link!.write(this.#encode(text));
    if (this.#o.queryDelayMs > 0) await this.#report.sleep(this.#o.queryDelayMs);
  }

  async #query(text: string): Promise<string> {
    const link = this.#link!;
    await link.write(this.#encode(text));
    if (this.#o.queryDelayMs > 0) await this.#report.sleep(this.#o.queryDelayMs);
    const deadline = performance.now() + this.#o.timeoutMs;
    for (;;) {
      const framed = this.#framer.next();
      if (framed?.kind === "line") {
        let reply = this.#decoder.decode(framed.bytes);
        if (reply.endsWith("\r")) reply = reply.slice(0, -1);
        return reply;
      }
      if (framed?.kind === "overflow") {
        this.#count("oversized_replies");
        this.#once(
          "oversized",
          `a reply to ${text} was longer than max_reply (${this.#o.maxReplyBytes} bytes): ${framed.bytes} bytes dropped`,
        );
        throw new ReplyError(`reply longer than max_reply`, "");
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new QueryTimeout(`no reply to ${text} within ${this.#o.timeoutMs} ms`);
      // One read in flight per link: a read that outlives a timer is awaited again next time.
      this.#pendingRead ??= link.read(this.#readBuffer);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const n = await Promise.race([
        this.#pendingRead,
        new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left)),
      ]).finally(() => clearTimeout(timer));
      if (this.#signal.aborted) throw new LinkError("stopped");
      if (n === "timeout") continue;
      this.#pendingRead = undefined;
      if (n === null) throw new LinkError("the instrument closed the connection");
      this.#framer.push(this.#readBuffer.subarray(0, n));
    }
  }
}
