/**
 * `signal`: a simulated instrument. Named channels (sine, noise, square, pulses) sampled at
 * `rate_hz`, sent in batches of `batch_rows` with a `timestamp_ns` column. Values depend only
 * on the sample index and the seed, so tests can recompute them with {@link signalValue}.
 * Takes settings `<channel>.offset` and `<channel>.amplitude` (see {@link applySignalSetting}).
 */
import { batchFromColumns, type ColumnData } from "../transport/payload.ts";
import { hostJob, type JobContext } from "./host.ts";

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
  const t = index / rateHz;
  const phase = 2 * Math.PI * channel.freq_hz * t;
  switch (channel.shape) {
    case "sine":
      return channel.offset + channel.amplitude * Math.sin(phase);
    case "square":
      return channel.offset + (Math.sin(phase) >= 0 ? channel.amplitude : -channel.amplitude);
    case "pulses": {
      const period = 1 / channel.freq_hz;
      return channel.offset + channel.amplitude * Math.exp(-(t % period) / (period / 10));
    }
    case "noise": {
      // Box-Muller over two counter-based uniforms: the same index always gives the same value.
      const u1 = (hash32(seed, 2 * index) + 1) / 4294967297;
      const u2 = hash32(seed, 2 * index + 1) / 4294967296;
      return channel.offset +
        channel.amplitude * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
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
  for (let r = 0; r < rows; r++) ts[r] = startNs + BigInt(Math.round((first + r) * stepNs));
  const cols: ColumnData[] = [{ name: "timestamp_ns", values: ts, unit: "ns" }];
  for (const ch of channels) {
    const v = new Float64Array(rows);
    for (let r = 0; r < rows; r++) v[r] = signalValue(ch, first + r, rateHz, seed);
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

/** Runs the `signal` job: sends batches on schedule until stopped or `max_batches`. */
export async function run(ctx: JobContext): Promise<void> {
  const f = ctx.job.fields;
  const rateHz = f.rate_hz as number;
  const rows = f.batch_rows as number;
  const seed = f.seed as number;
  const channels = (f.channels as ChannelSpec[]).map((c) => ({ ...c }));
  ctx.setIdentity(`daq signal simulator, seed ${seed}, ${rateHz} Hz`);
  ctx.onSetting((name, value) => applySignalSetting(channels, name, value));
  const maxBatches = f.max_batches as number | undefined;
  const crashAfter = f.crash_after as number | undefined;
  const startMs = Date.now();
  const startNs = BigInt(startMs) * 1_000_000n;
  const t0 = performance.now();
  let late = 0;
  for (let k = 0; !ctx.stopping() && (maxBatches === undefined || k < maxBatches); k++) {
    if (crashAfter !== undefined && k === crashAfter) {
      throw new Error(`crash_after = ${crashAfter}: crashing on purpose`);
    }
    const dueMs = t0 + ((k + 1) * rows * 1000) / rateHz;
    const wait = dueMs - performance.now();
    if (wait > 1) await ctx.sleep(wait);
    else if (wait < -100) ctx.setFigure("late_batches", ++late);
    const batch = batchFromColumns(signalColumns(channels, k * rows, rows, rateHz, seed, startNs));
    await ctx.sendBatch(batch);
  }
}

if (import.meta.main) hostJob(run);
