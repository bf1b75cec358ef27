/**
 * Live data for viewers, read from the producers' tap rings (`Supervisor.taps`): small
 * drop-newest rings that producers fill like a consumer's, so a viewer never slows the
 * acquisition and what it misses is counted as tap drops, apart from the data path's
 * counters. One reader per watched key (twenty viewers cost one), polled ten times a second;
 * its Arrow batches are folded into a {@link ColumnHistory} per numeric column, and the
 * latest row of each fixed-size-array column is kept as a waveform.
 */
import { type DataType, type RecordBatch, Type } from "apache-arrow";
import { decodeBatch, RecordType } from "../transport/payload.ts";
import {
  RECORD_HEADER_BYTES,
  type RingBuffer,
  ringCounters,
  RingReader,
} from "../transport/ring.ts";
import {
  type ColumnHistory,
  createColumnHistory,
  type PlotSeries,
  reduceTrace,
} from "./history.ts";

/** A tap ring that can be read: the key, its producer and the ring. */
export interface TapRoute {
  key: string;
  from: string;
  ring: RingBuffer;
}

/** What a viewer asks for. */
export interface LiveRequest {
  key: string;
  /** Columns to plot; empty: every numeric column. */
  columns: string[];
  /** Time window, ms (10 s to 10 min). */
  windowMs: number;
  /** Plot width in pixels: one min/max pair per pixel. */
  width: number;
}

/** One update for a viewer: every asked column over the whole window, reduced. */
export interface LiveUpdate {
  key: string;
  /** End of the window, ms since the epoch (the newest sample seen on the key). */
  endMs: number;
  windowMs: number;
  /** Start of the first pixel, ms since the epoch, and the width of each. */
  t0: number;
  pixelMs: number;
  /**
   * Each asked column: min and max per pixel (`null` where nothing was seen), to
   * {@link DISPLAY_DIGITS} significant digits.
   */
  series: Record<string, Pick<PlotSeries, "min" | "max">>;
  /** The latest trace of each fixed-size-array column, reduced to the width. */
  waveforms: Record<string, { min: number[]; max: number[]; length: number }>;
  /** Numeric columns the key carries (for the page's chooser). */
  columns: string[];
  tap: { seen: number; drops: number; batches: number; rows: number };
}

/**
 * Payload bytes of a tap folded into histories per poll, at most: the newest records of the
 * poll; older ones are passed over and counted as tap drops (it keeps the server's share of a
 * core small, and a view opened on a full tap ring starts at now, not 16 s ago).
 */
const FOLD_BYTES_PER_POLL = 512 << 10;
/**
 * Significant digits of plotted values: far finer than a pixel, and half the JSON of a
 * double's 17.
 */
export const DISPLAY_DIGITS = 7;
/** How often taps are polled, ms. */
export const TAP_POLL_MS = 100;
/** A tap nobody asked about for this long is closed, ms. */
const IDLE_TAP_MS = 30_000;

interface KeyTap {
  route: TapRoute;
  reader: RingReader;
  /** The tap ring's drops when the view opened: those before are nobody's loss. */
  dropsBefore: number;
  seen: number;
  /** Records read but passed over (over the fold budget of a poll). */
  skipped: number;
  columns: Map<string, ColumnHistory>;
  waveforms: Map<string, Float64Array>;
  newestMs: number;
  batches: number;
  rows: number;
  lastAskedMs: number;
}

/** Taps and histories of the keys viewers watch; see the module doc. */
export interface LiveData {
  /** Keys that can be watched now. */
  keys(): string[];
  /** The update for `request`; undefined when its key is not (or no longer) routed. */
  update(request: LiveRequest): LiveUpdate | undefined;
  /** Tap drops summed over every tap, since the start. */
  tapDrops(): number;
  /** Stops polling. */
  close(): void;
}

/** Starts live data over the routes `routes()` returns (they change between runs). */
export function createLiveData(routes: () => readonly TapRoute[]): LiveData {
  const taps = new Map<string, KeyTap>();
  let droppedBefore = 0;
  const poll = () => {
    const current = routes();
    const now = Date.now();
    for (const [key, kt] of taps) {
      if (!current.some((r) => r.ring === kt.route.ring) || now - kt.lastAskedMs > IDLE_TAP_MS) {
        droppedBefore += dropsOf(kt);
        taps.delete(key);
        continue;
      }
      let budget = FOLD_BYTES_PER_POLL;
      // Bytes from the next record to the end of what the ring held when the poll began.
      let behind = ringCounters(kt.route.ring).usedBytes;
      for (let rec = kt.reader.read(); rec; rec = kt.reader.read()) {
        kt.seen++;
        const newest = behind <= FOLD_BYTES_PER_POLL;
        behind -= RECORD_HEADER_BYTES + ((rec.payload.length + 7) & ~7);
        if ((rec.type & 0xffff) !== RecordType.arrow) continue;
        if (!newest || budget <= 0) {
          kt.skipped++;
          continue;
        }
        budget -= rec.payload.length;
        let batch: RecordBatch;
        try {
          batch = decodeBatch(rec.payload);
        } catch {
          continue; // not ours to judge: the stores count malformed payloads
        }
        fold(kt, batch, rec.sentMs);
      }
      kt.reader.release();
    }
  };
  const timer = setInterval(poll, TAP_POLL_MS);
  Deno.unrefTimer(timer);
  return {
    keys: () => [...new Set(routes().map((r) => r.key))],
    update(request) {
      let kt = taps.get(request.key);
      if (!kt) {
        const route = routes().find((r) => r.key === request.key);
        if (!route) return undefined;
        kt = {
          route,
          reader: new RingReader(route.ring),
          dropsBefore: ringCounters(route.ring).droppedNewest,
          seen: 0,
          skipped: 0,
          columns: new Map(),
          waveforms: new Map(),
          newestMs: NaN,
          batches: 0,
          rows: 0,
          lastAskedMs: Date.now(),
        };
        taps.set(request.key, kt);
      }
      kt.lastAskedMs = Date.now();
      const endMs = Number.isFinite(kt.newestMs) ? kt.newestMs : Date.now();
      const names = request.columns.length ? request.columns : [...kt.columns.keys()];
      const series: LiveUpdate["series"] = {};
      let t0 = endMs - request.windowMs;
      let pixelMs = request.windowMs / request.width;
      for (const name of names) {
        const h = kt.columns.get(name);
        if (!h) continue;
        const { t, min, max } = h.window(endMs, request.windowMs, request.width);
        series[name] = { min: forDisplay(min), max: forDisplay(max) };
        t0 = t[0];
        pixelMs = t.length > 1 ? t[1] - t[0] : pixelMs;
      }
      const waveforms: LiveUpdate["waveforms"] = {};
      for (const [name, trace] of kt.waveforms) {
        if (request.columns.length && !request.columns.includes(name)) continue;
        const { min, max } = reduceTrace(trace, request.width);
        waveforms[name] = { min: forDisplay(min), max: forDisplay(max), length: trace.length };
      }
      return {
        key: request.key,
        endMs,
        windowMs: request.windowMs,
        t0,
        pixelMs,
        series,
        waveforms,
        columns: [...kt.columns.keys(), ...kt.waveforms.keys()],
        tap: {
          seen: kt.seen,
          drops: dropsOf(kt),
          batches: kt.batches,
          rows: kt.rows,
        },
      };
    },
    tapDrops: () => droppedBefore + [...taps.values()].reduce((s, t) => s + dropsOf(t), 0),
    close: () => clearInterval(timer),
  };
}

/** `values` rounded in place to {@link DISPLAY_DIGITS} significant digits. */
function forDisplay(values: number[]): number[] {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && v !== 0) values[i] = Number(v.toPrecision(DISPLAY_DIGITS));
  }
  return values;
}

function dropsOf(kt: KeyTap): number {
  return ringCounters(kt.route.ring).droppedNewest - kt.dropsBefore + kt.skipped;
}

function isNumeric(type: DataType): boolean {
  return type.typeId === Type.Int || type.typeId === Type.Float;
}

/** Adds one batch to a key's histories: time from `timestamp_ns`, else the send time. */
function fold(kt: KeyTap, batch: RecordBatch, sentMs: number): void {
  const rows = batch.numRows;
  kt.batches++;
  kt.rows += rows;
  const times = new Float64Array(rows);
  const ts = batch.getChild("timestamp_ns");
  const ns = ts?.type.typeId === Type.Int ? ts.toArray() : undefined;
  if (ns instanceof BigInt64Array) {
    // From the two 32-bit halves: a BigInt per value costs 80 ns, this 1.
    const words = new Int32Array(ns.buffer, ns.byteOffset, rows * 2);
    for (let r = 0; r < rows; r++) {
      times[r] = (words[2 * r + 1] * 4294967296 + (words[2 * r] >>> 0)) / 1e6;
    }
  } else if (ns) {
    for (let r = 0; r < rows; r++) times[r] = Number(ns[r]) / 1e6;
  } else times.fill(sentMs);
  if (rows > 0 && !(times[rows - 1] <= kt.newestMs)) kt.newestMs = times[rows - 1];
  for (const field of batch.schema.fields) {
    if (field.name === "timestamp_ns") continue;
    const col = batch.getChild(field.name);
    if (!col) continue;
    if (isNumeric(field.type)) {
      let h = kt.columns.get(field.name);
      if (!h) kt.columns.set(field.name, h = createColumnHistory());
      const raw = col.toArray() as ArrayLike<number | bigint>;
      if (raw instanceof Float64Array || raw instanceof Float32Array) h.add(times, raw);
      else {
        const values = new Float64Array(rows);
        for (let r = 0; r < rows; r++) values[r] = Number(raw[r]);
        h.add(times, values);
      }
    } else if (
      field.type.typeId === Type.FixedSizeList && rows > 0 &&
      isNumeric((field.type as unknown as { children: { type: DataType }[] }).children[0].type)
    ) {
      const last = col.get(rows - 1) as { length: number; get(i: number): unknown } | null;
      if (!last) continue;
      const trace = new Float64Array(last.length);
      for (let i = 0; i < last.length; i++) trace[i] = Number(last.get(i));
      kt.waveforms.set(field.name, trace);
    }
  }
}
