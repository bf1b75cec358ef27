/**
 * `trigger`: a threshold on one column, with hysteresis, edge and dead time, over a stream of
 * batches (state, dead time and windows carry across batch boundaries).
 *
 * For `rising` and `both` the signal is high once it reaches `threshold` and low again once
 * it falls below `threshold - hysteresis`; a rising edge is low to high, a falling edge high
 * to low. `falling` mirrors this: it fires when the signal falls to `threshold` or below and
 * re-arms above `threshold + hysteresis`. The first sample sets the state without firing;
 * NaN samples are skipped. After a trigger, crossings for `deadTimeNs` (by `timestamp_ns`)
 * are counted as suppressed and not sent.
 *
 * Without `pre`/`post` each trigger is one event row: the input row where the edge happened
 * plus `edge` (+1 rising, -1 falling). With them, each trigger is one row of `timestamp_ns`,
 * `edge` and, per window column, a fixed-size array of `pre + post` samples: the `pre`
 * samples before the trigger sample, the trigger sample (at index `pre`), and the rest.
 * Samples before the first batch, or missing at `flush`, are NaN (counted as partial windows).
 */
import {
  asFloat64,
  type Column,
  type ColumnInfo,
  type ColumnValues,
  findColumn,
  nsSince,
  rowCount,
  TIMESTAMP,
} from "./columns.ts";
import { unknownColumn } from "./decimate.ts";
import { ProcessorSpecError } from "./errors.ts";

/** Which crossings fire. */
export type TriggerEdge = "rising" | "falling" | "both";

/** What to trigger on and what to send. */
export interface TriggerSpec {
  column: string;
  threshold: number;
  /** Default 0. */
  hysteresis?: number;
  /** Default `rising`. */
  edge?: TriggerEdge;
  /** Default 0. */
  deadTimeNs?: number;
  /** Samples before the trigger sample in each window. */
  pre?: number;
  /** Samples from the trigger sample on in each window. */
  post?: number;
  /** Columns sent as windows (default: the trigger column). */
  windowColumns?: readonly string[];
}

/** Counts kept by a {@link Trigger}. */
export interface TriggerCounts {
  /** Triggers fired (sent, or waiting for their window to fill). */
  triggers: number;
  /** Crossings within the dead time of a trigger, not sent. */
  suppressed: number;
  /** Windows sent with NaN where samples were missing. */
  partialWindows: number;
}

/** Checks a trigger spec (and its columns against `input` when known). */
export function checkTriggerSpec(spec: TriggerSpec, input?: readonly ColumnInfo[]): void {
  if (typeof spec.column !== "string" || spec.column === "") {
    throw new ProcessorSpecError("column", "name the column to trigger on");
  }
  if (!Number.isFinite(spec.threshold)) {
    throw new ProcessorSpecError("threshold", `expected a finite number, got ${spec.threshold}`);
  }
  const h = spec.hysteresis ?? 0;
  if (!(Number.isFinite(h) && h >= 0)) {
    throw new ProcessorSpecError("hysteresis", `expected a number >= 0, got ${spec.hysteresis}`);
  }
  if (!["rising", "falling", "both"].includes(spec.edge ?? "rising")) {
    throw new ProcessorSpecError("edge", `expected rising, falling or both, got '${spec.edge}'`);
  }
  const dead = spec.deadTimeNs ?? 0;
  if (!(dead >= 0)) throw new ProcessorSpecError("dead_time", `expected a duration >= 0`);
  const windowed = spec.pre !== undefined || spec.post !== undefined;
  for (const k of ["pre", "post"] as const) {
    const v = spec[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 1_000_000)) {
      throw new ProcessorSpecError(k, `expected a whole number 0-1000000, got ${v}`);
    }
  }
  if (windowed && (spec.pre ?? 0) + (spec.post ?? 0) === 0) {
    throw new ProcessorSpecError("post", "a window of 0 samples: give pre + post >= 1");
  }
  if (spec.windowColumns !== undefined && !windowed) {
    throw new ProcessorSpecError("window_columns", "needs `pre` and/or `post`");
  }
  if (input) {
    const need = [["column", spec.column]];
    for (const c of spec.windowColumns ?? []) need.push(["window_columns", c]);
    for (const [key, name] of need) {
      const col = input.find((c) => c.name === name);
      if (!col) throw new ProcessorSpecError(key, unknownColumn(name, input));
      if (col.listSize) throw new ProcessorSpecError(key, `column '${name}' holds arrays`);
    }
    if (!input.some((c) => c.name === TIMESTAMP)) {
      throw new ProcessorSpecError("column", `a trigger needs a ${TIMESTAMP} column`);
    }
  }
}

/** The columns a trigger sends, given its input's columns. */
export function triggerOutputColumns(
  spec: TriggerSpec,
  input: readonly ColumnInfo[],
): ColumnInfo[] {
  const edge: ColumnInfo = { name: "edge", type: "int8" };
  if (spec.pre === undefined && spec.post === undefined) return [...input, edge];
  const size = (spec.pre ?? 0) + (spec.post ?? 0);
  const windows = (spec.windowColumns ?? [spec.column]).map((name) => ({
    name,
    unit: input.find((c) => c.name === name)?.unit,
    type: "float64",
    listSize: size,
  }));
  return [{ name: TIMESTAMP, unit: "ns", type: "int64" }, edge, ...windows];
}

interface PendingWindow {
  ts: bigint;
  edge: number;
  /** Samples filled so far in each window (the same for every column). */
  filled: number;
  windows: Float64Array[];
}

/** Finds triggers in a stream of batches. */
export class Trigger {
  readonly counts: TriggerCounts = { triggers: 0, suppressed: 0, partialWindows: 0 };
  readonly #column: string;
  readonly #sign: number;
  readonly #upper: number;
  readonly #lower: number;
  /** Whether going high to low (in the scanned sign) fires; low to high always does. */
  readonly #fireDown: boolean;
  readonly #deadNs: number;
  readonly #pre: number;
  readonly #size: number;
  readonly #windowColumns: readonly string[] | undefined;
  #high: boolean | undefined;
  #base: bigint | undefined;
  #nextAllowed = -Infinity;
  #rel?: Float64Array;
  #scratch?: Float64Array;
  /** The last `pre` samples of each window column (oldest first), `#historyLength` valid. */
  #history: Float64Array[] = [];
  #historyLength = 0;
  #pending: PendingWindow[] = [];
  #units = new Map<string, string | undefined>();

  /** Checks `spec` (see {@link checkTriggerSpec}). */
  constructor(spec: TriggerSpec, input?: readonly ColumnInfo[]) {
    checkTriggerSpec(spec, input);
    const edge = spec.edge ?? "rising";
    const h = spec.hysteresis ?? 0;
    this.#column = spec.column;
    // Falling is rising on the negated signal: fires at <= threshold, re-arms above it + h.
    this.#sign = edge === "falling" ? -1 : 1;
    this.#upper = this.#sign * spec.threshold;
    this.#lower = this.#upper - h;
    this.#fireDown = edge === "both";
    this.#deadNs = spec.deadTimeNs ?? 0;
    const windowed = spec.pre !== undefined || spec.post !== undefined;
    this.#pre = spec.pre ?? 0;
    this.#size = this.#pre + (spec.post ?? 0);
    this.#windowColumns = windowed ? spec.windowColumns ?? [spec.column] : undefined;
    this.#history = (this.#windowColumns ?? []).map(() => new Float64Array(this.#pre));
  }

  /** The triggers `columns` complete, as rows (event rows, or windows that are full). */
  push(columns: readonly Column[]): Column[] {
    const n = rowCount(columns);
    const tsCol = findColumn(columns, TIMESTAMP);
    if (!tsCol || !(tsCol.values instanceof BigInt64Array)) {
      throw new ProcessorSpecError("column", `a trigger needs an int64 ${TIMESTAMP} column`);
    }
    const ts = tsCol.values;
    const col = findColumn(columns, this.#column);
    if (!col) throw new ProcessorSpecError("column", unknownColumn(this.#column, columns));
    const v = asFloat64(col.values, this.#scratch);
    if (v !== col.values) this.#scratch = v;
    if (n > 0 && this.#base === undefined) this.#base = ts[0];
    const rel = n > 0 ? (this.#rel = nsSince(ts, this.#base!, this.#rel)) : new Float64Array(0);
    const { index, edge } = this.#scan(v, rel, n);
    if (!this.#windowColumns) return eventRows(columns, index, edge);
    return this.#windows(columns, ts, index, edge, n);
  }

  /** Windows still waiting for samples, NaN-padded (counted as partial); then none wait. */
  flush(): Column[] {
    if (!this.#windowColumns || this.#pending.length === 0) return [];
    const done = this.#pending;
    this.#pending = [];
    for (const p of done) {
      for (const w of p.windows) w.fill(NaN, p.filled);
    }
    this.counts.partialWindows += done.length;
    return this.#windowRows(done);
  }

  #scan(v: Float64Array, rel: Float64Array, n: number): { index: number[]; edge: number[] } {
    const index: number[] = [];
    const edge: number[] = [];
    const sign = this.#sign, upper = this.#upper, lower = this.#lower;
    let high = this.#high;
    for (let i = 0; i < n; i++) {
      const x = sign * v[i];
      if (x !== x) continue;
      if (high === undefined) {
        high = x >= upper;
        continue;
      }
      let fired = 0;
      if (!high) {
        if (x >= upper) {
          high = true;
          fired = sign;
        }
      } else if (x < lower) {
        high = false;
        if (this.#fireDown) fired = -sign;
      }
      if (fired === 0) continue;
      if (rel[i] < this.#nextAllowed) {
        this.counts.suppressed++;
        continue;
      }
      this.#nextAllowed = rel[i] + this.#deadNs;
      this.counts.triggers++;
      index.push(i);
      edge.push(fired);
    }
    this.#high = high;
    return { index, edge };
  }

  #windows(
    columns: readonly Column[],
    ts: BigInt64Array,
    index: number[],
    edge: number[],
    n: number,
  ): Column[] {
    const names = this.#windowColumns!;
    const values = names.map((name) => {
      const c = findColumn(columns, name);
      if (!c) throw new ProcessorSpecError("window_columns", unknownColumn(name, columns));
      if (!this.#units.has(name)) this.#units.set(name, c.unit);
      return asFloat64(c.values);
    });
    const pre = this.#pre, size = this.#size;
    // Windows opened earlier take this batch's first samples.
    for (const p of this.#pending) fill(p, values, 0, n, size);
    for (let k = 0; k < index.length; k++) {
      const i = index[k];
      const p: PendingWindow = {
        ts: ts[i],
        edge: edge[k],
        filled: 0,
        windows: names.map(() => new Float64Array(size)),
      };
      // The pre part: from history for samples before this batch, NaN before the first one.
      const fromHistory = Math.max(0, pre - i);
      const missing = Math.max(0, fromHistory - this.#historyLength);
      if (missing > 0) this.counts.partialWindows++;
      p.windows.forEach((w, c) => {
        w.fill(NaN, 0, missing);
        const h = this.#history[c];
        w.set(h.subarray(pre - (fromHistory - missing), pre), missing);
      });
      p.filled = fromHistory;
      fill(p, values, i - (pre - fromHistory), n, size);
      this.#pending.push(p);
    }
    this.#remember(values, n);
    let complete = 0;
    while (complete < this.#pending.length && this.#pending[complete].filled === size) complete++;
    const done = this.#pending.splice(0, complete);
    return this.#windowRows(done);
  }

  /** Keeps the last `pre` samples of each window column. */
  #remember(values: Float64Array[], n: number): void {
    const pre = this.#pre;
    if (pre === 0) return;
    const take = Math.min(pre, n);
    values.forEach((v, c) => {
      const h = this.#history[c];
      h.copyWithin(0, take);
      h.set(v.subarray(n - take, n), pre - take);
    });
    this.#historyLength = Math.min(pre, this.#historyLength + take);
  }

  #windowRows(done: PendingWindow[]): Column[] {
    const names = this.#windowColumns!;
    const size = this.#size;
    const outTs = new BigInt64Array(done.length);
    const outEdge = new Int8Array(done.length);
    const outWindows = names.map(() => new Float64Array(done.length * size));
    done.forEach((p, r) => {
      outTs[r] = p.ts;
      outEdge[r] = p.edge;
      p.windows.forEach((w, c) => outWindows[c].set(w, r * size));
    });
    return [
      { name: TIMESTAMP, values: outTs, unit: "ns" },
      { name: "edge", values: outEdge },
      ...names.map((name, c) => ({
        name,
        values: outWindows[c],
        unit: this.#units.get(name),
        listSize: size,
      })),
    ];
  }
}

/** Copies samples `from` .. of this batch into the window's next free places. */
function fill(
  p: PendingWindow,
  values: Float64Array[],
  from: number,
  n: number,
  size: number,
): void {
  const take = Math.min(size - p.filled, n - from);
  if (take <= 0) return;
  p.windows.forEach((w, c) => w.set(values[c].subarray(from, from + take), p.filled));
  p.filled += take;
}

/** The rows at `index` of every column, plus `edge`. */
function eventRows(columns: readonly Column[], index: number[], edge: number[]): Column[] {
  const out: Column[] = columns.map((c) => {
    const size = c.listSize ?? 1;
    const ctor = c.values.constructor as new (n: number) => ColumnValues;
    const values = ctor === undefined ? new Float64Array(0) : new ctor(index.length * size);
    for (let k = 0; k < index.length; k++) {
      if (size === 1) values[k] = c.values[index[k]];
      else values.set(c.values.subarray(index[k] * size, (index[k] + 1) * size) as never, k * size);
    }
    return { ...c, values };
  });
  out.push({ name: "edge", values: Int8Array.from(edge) });
  return out;
}
