/**
 * `signal`: a simulated instrument. Named channels (sine, noise, square, pulses) sampled at
 * `rate_hz`, sent in batches of `batch_rows` with a `timestamp_ns` column. Values depend only
 * on the sample index and the seed, so tests can recompute them with {@link signalValue}.
 * Takes settings `<channel>.offset` and `<channel>.amplitude` (see {@link applySignalSetting}).
 */
import { batchFromColumns, type ColumnData } from "../../transport/payload.ts";
import { batchBytes, type Columns, defineJob } from "../../job/mod.ts";
import { int64Words } from "../../processing/mod.ts";

/** Longest channel (column) name: file formats and readers take names of 255 at least. */
const MAX_COLUMN_NAME = 255;

/** One channel of the `signal` job, as in its config. */
export interface ChannelSpec {
  name: string;
  shape: "sine" | "noise" | "square" | "pulses";
  freq_hz: number;
  amplitude: number;
  offset: number;
  unit: string;
}

/** The value of `channel` at sample `index` when sampling at `rateHz` with `seed`. */
export function signalValue(
  channel: ChannelSpec,
  index: number,
  rateHz: number,
  seed: number,
): number {
  const value = new Float64Array(1);
  fillChannel(value, channel, index, rateHz, seed);
  return value[0];
}

/**
 * Fills `values` with the samples of `channel` from sample index `first` on. Each value
 * depends only on its index (never on the batch it is in), so {@link signalValue} gives
 * exactly what a batch holds.
 */
function fillChannel(
  values: Float64Array,
  channel: ChannelSpec,
  first: number,
  rateHz: number,
  seed: number,
): void {
  const { offset, amplitude } = channel;
  // As 2 pi f t with t = index / rate, not reduced to one cycle: a reduced phase repeats
  // bit for bit every period, which no sampled signal does and every compressor would exploit.
  const phase = (index: number) => 2 * Math.PI * channel.freq_hz * (index / rateHz);
  const n = values.length;
  switch (channel.shape) {
    case "sine":
      for (let r = 0; r < n; r++) values[r] = offset + amplitude * Math.sin(phase(first + r));
      return;
    case "square":
      for (let r = 0; r < n; r++) {
        values[r] = offset + (Math.sin(phase(first + r)) >= 0 ? amplitude : -amplitude);
      }
      return;
    case "pulses": {
      const period = 1 / channel.freq_hz;
      for (let r = 0; r < n; r++) {
        values[r] = offset +
          amplitude * Math.exp(-(((first + r) / rateHz) % period) / (period / 10));
      }
      return;
    }
    case "noise":
      // Box-Muller over two counter-based uniforms per pair of samples (2k, 2k + 1): the cosine
      // for the even one, the sine for the odd one.
      for (let r = 0; r < n;) {
        const index = first + r;
        const pair = Math.floor(index / 2);
        const u1 = (hash32(seed, 2 * pair) + 1) / 4294967297;
        const u2 = hash32(seed, 2 * pair + 1) / 4294967296;
        const radius = amplitude * Math.sqrt(-2 * Math.log(u1));
        const angle = 2 * Math.PI * u2;
        if (index % 2 === 0) {
          values[r++] = offset + radius * Math.cos(angle);
          if (r < n) values[r++] = offset + radius * Math.sin(angle);
        } else values[r++] = offset + radius * Math.sin(angle);
      }
      return;
  }
}

function hash32(seed: number, n: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(n | 0, 0xc2b2ae35) ^
    Math.floor(n / 4294967296);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The columns of rows `first .. first + rows - 1`: `timestamp_ns` then each channel. */
export function signalColumns(
  channels: ChannelSpec[],
  first: number,
  rows: number,
  rateHz: number,
  seed: number,
  startNs: bigint,
): ColumnData[] {
  const ts = new BigInt64Array(rows);
  const stepNs = 1e9 / rateHz;
  // startNs + round((first + r) * stepNs), in 32-bit halves: a bigint per row costs 60 ns.
  const words = int64Words(ts);
  const startHi = Number(BigInt.asIntN(32, startNs >> 32n));
  const startLo = Number(BigInt.asUintN(32, startNs));
  for (let r = 0; r < rows; r++) {
    const offset = Math.round((first + r) * stepNs);
    const offsetHi = Math.floor(offset / 4294967296);
    const lo = startLo + (offset - offsetHi * 4294967296);
    words[2 * r] = lo; // stored modulo 2^32
    words[2 * r + 1] = startHi + offsetHi + (lo >= 4294967296 ? 1 : 0);
  }
  const cols: ColumnData[] = [{ name: "timestamp_ns", values: ts, unit: "ns" }];
  for (const ch of channels) {
    const v = new Float64Array(rows);
    fillChannel(v, ch, first, rateHz, seed);
    cols.push({ name: ch.name, values: v, unit: ch.unit });
  }
  return cols;
}

/**
 * Applies a setting to the channels, as an instrument would: `<channel>.offset` or
 * `<channel>.amplitude`, a finite number within 1e9. Throws, naming the problem, to refuse.
 */
export function applySignalSetting(channels: ChannelSpec[], name: string, value: unknown): void {
  const m = /^(.+)\.(offset|amplitude)$/.exec(name);
  const channel = m ? channels.find((c) => c.name === m[1]) : undefined;
  if (!m || !channel) {
    throw new Error(
      `unknown setting "${name}"; settings: ${
        channels.map((c) => `${c.name}.offset, ${c.name}.amplitude`).join(", ")
      }`,
    );
  }
  if (typeof value !== "number" || !Number.isFinite(value) || Math.abs(value) > 1e9) {
    throw new Error(`${name}: expected a number within ±1e9, got ${JSON.stringify(value)}`);
  }
  channel[m[2] as "offset" | "amplitude"] = value;
}

/** The columns a `signal` job sends: `timestamp_ns`, then one float64 per channel. */
function signalColumnTypes(channels: readonly { name: string; unit: string }[]): Columns {
  return {
    timestamp_ns: { type: "int64", unit: "ns" },
    ...Object.fromEntries(channels.map((c) => [c.name, { type: "float64", unit: c.unit }])),
  };
}

/** `signal`: a simulated instrument. */
export default defineJob({
  role: "source",
  summary: "simulated instrument: sine, noise, square and pulse channels at rate_hz",
  fields: {
    rate_hz: { type: "number", positive: true, default: 1000, doc: "samples per second" },
    batch_rows: {
      type: "number",
      positive: true,
      integer: true,
      default: 100,
      doc: "rows per batch",
    },
    seed: { type: "number", integer: true, default: 1, doc: "seed of the noise generator" },
    max_batches: { type: "number", integer: true, min: 0, doc: "stop after this many batches" },
    crash_after: {
      type: "number",
      integer: true,
      positive: true,
      doc: "throw after this many batches (to exercise supervision)",
    },
    silent_after: {
      type: "number",
      integer: true,
      min: 0,
      doc: "go quiet after this many batches (an instrument that stops answering), for silent_for",
    },
    silent_for: { type: "duration", default: "1s", doc: "how long silent_after stays quiet" },
    channels: {
      type: "tables",
      default: [{ name: "sine", shape: "sine" }, { name: "noise", shape: "noise" }],
      fields: {
        name: { type: "string", required: true },
        shape: { type: "string", choices: ["sine", "noise", "square", "pulses"], required: true },
        freq_hz: { type: "number", positive: true, default: 1 },
        amplitude: { type: "number", default: 1 },
        offset: { type: "number", default: 0 },
        unit: { type: "string", default: "V" },
      },
    },
  },
  check(f) {
    const seen = new Map<string, number>();
    for (const [i, c] of f.channels.entries()) {
      const key = `channels[${i}].name`;
      if (c.name === "timestamp_ns") {
        return {
          key,
          problem: `"timestamp_ns" is the time column every signal sends; give the channel ` +
            `another name`,
        };
      }
      if (seen.has(c.name)) {
        return { key, problem: `"${c.name}" is already the name of channels[${seen.get(c.name)}]` };
      }
      if (c.name.length > MAX_COLUMN_NAME) {
        return {
          key,
          problem:
            `expected a column name of at most ${MAX_COLUMN_NAME} characters, got ${c.name.length}`,
        };
      }
      seen.set(c.name, i);
    }
    return undefined;
  },
  columns: (f) => signalColumnTypes(f.channels),
  messageBytes: (f) => batchBytes(signalColumnTypes(f.channels), f.batch_rows),
  /** Sends batches on schedule until stopped or `max_batches`. */
  async run(ctx) {
    const { rate_hz: rateHz, batch_rows: rows, seed } = ctx.fields;
    const channels = ctx.fields.channels.map((c) => ({ ...c }));
    ctx.setIdentity(`daq signal simulator, seed ${seed}, ${rateHz} Hz`);
    ctx.onSetting((name, value) => applySignalSetting(channels, name, value));
    const { max_batches: maxBatches, crash_after: crashAfter } = ctx.fields;
    const startMs = Date.now();
    let startNs = BigInt(startMs) * 1_000_000n;
    let t0 = performance.now();
    let late = 0;
    for (let k = 0; !ctx.stopping() && (maxBatches === undefined || k < maxBatches); k++) {
      if (crashAfter !== undefined && k === crashAfter) {
        throw new Error(`crash_after = ${crashAfter}: crashing on purpose`);
      }
      if (k === ctx.fields.silent_after) {
        // Quiet, as an instrument that stopped answering: no rows for silent_for, then on,
        // with the time gap in timestamp_ns.
        const quietMs = ctx.fields.silent_for;
        ctx.setFigure("silent", 1);
        await ctx.sleep(quietMs);
        ctx.setFigure("silent", 0);
        t0 += quietMs;
        startNs += BigInt(Math.round(quietMs * 1e6));
      }
      const dueMs = t0 + ((k + 1) * rows * 1000) / rateHz;
      const wait = dueMs - performance.now();
      if (wait > 1) await ctx.sleep(wait);
      else if (wait < -100) ctx.setFigure("late_batches", ++late);
      // Stopped while waiting: the batch's rows have not been sampled yet.
      if (ctx.stopping() && performance.now() < dueMs) break;
      const batch = batchFromColumns(
        signalColumns(channels, k * rows, rows, rateHz, seed, startNs),
      );
      await ctx.sendBatch(batch);
    }
  },
});
