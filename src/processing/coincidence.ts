/**
 * `coincidence`: events from two or more inputs whose `timestamp_ns` lie within `windowNs` of
 * each other become one merged row: `timestamp_ns` (the earliest of them), then every column
 * of every input prefixed by its key (`<key>_<column>`), inputs in the spec's order.
 *
 * Events are decided in time order across inputs: the earliest waiting event is paired with
 * the earliest waiting event of every other input if all lie within the window of it, else it
 * is a single of its input. An event is decided once every other input has sent an event past
 * its window, or once the newest timestamp seen on any input is more than `maxDelayNs` past
 * it (a late or silent input is not waited for longer). Events that arrive for a time already
 * decided are aged out: counted and dropped. Each input's timestamps must not decrease.
 */
import {
  type Column,
  type ColumnInfo,
  type ColumnValues,
  findColumn,
  nsSince,
  rowCount,
  TIMESTAMP,
} from "./columns.ts";
import { ProcessorSpecError } from "./errors.ts";

/** The inputs and the window. */
export interface CoincidenceSpec {
  /** Route keys of the inputs, two or more. */
  inputs: readonly string[];
  windowNs: number;
  /** How far the newest timestamp may run ahead of a waiting event. Default 1 s. */
  maxDelayNs?: number;
}

/** Counts kept by a {@link Coincidence}. */
export interface CoincidenceCounts {
  coincidences: number;
  /** Events decided without partners, per input key. */
  singles: Record<string, number>;
  /** Events that arrived after their time was decided, per input key. */
  agedOut: Record<string, number>;
  /** Events of an input whose timestamp went backwards, per input key (dropped). */
  outOfOrder: Record<string, number>;
}

/** Checks a coincidence spec. */
export function checkCoincidenceSpec(spec: CoincidenceSpec): void {
  if (!Array.isArray(spec.inputs) || spec.inputs.length < 2) {
    throw new ProcessorSpecError("inputs", "a coincidence needs two or more inputs");
  }
  if (new Set(spec.inputs).size !== spec.inputs.length) {
    throw new ProcessorSpecError("inputs", "an input is listed twice");
  }
  for (const k of spec.inputs) {
    if (k.includes("*")) {
      throw new ProcessorSpecError("inputs", `'${k}': name each input key (no patterns)`);
    }
  }
  if (!(spec.windowNs > 0)) throw new ProcessorSpecError("window", "expected a duration > 0");
  if (spec.maxDelayNs !== undefined && !(spec.maxDelayNs >= 0)) {
    throw new ProcessorSpecError("max_delay", "expected a duration >= 0");
  }
}

/** The columns a coincidence sends, given each input's columns. */
export function coincidenceOutputColumns(
  spec: CoincidenceSpec,
  inputs: Readonly<Record<string, readonly ColumnInfo[]>>,
): ColumnInfo[] {
  const out: ColumnInfo[] = [{ name: TIMESTAMP, unit: "ns", type: "int64" }];
  const seen = new Set([TIMESTAMP]);
  for (const key of spec.inputs) {
    for (const c of inputs[key] ?? []) {
      const name = `${key}_${c.name}`;
      if (seen.has(name)) {
        throw new ProcessorSpecError("inputs", `merged column '${name}' would appear twice`);
      }
      seen.add(name);
      out.push({ ...c, name });
    }
  }
  return out;
}

type Ctor = new (n: number) => ColumnValues;

interface InputState {
  key: string;
  columns?: { name: string; unit?: string; listSize?: number; ctor: Ctor }[];
  /** Per column, rows [head, tail) are waiting. */
  data: ColumnValues[];
  t: Float64Array;
  head: number;
  tail: number;
  /** The latest timestamp seen (relative ns). */
  watermark: number;
}

/** Pairs up events from several inputs. */
export class Coincidence {
  readonly counts: CoincidenceCounts;
  readonly #inputs: InputState[];
  readonly #byKey = new Map<string, InputState>();
  readonly #window: number;
  readonly #maxDelay: number;
  #base: bigint | undefined;
  #decided = -Infinity;
  #rel?: Float64Array;

  /** Checks `spec` (see {@link checkCoincidenceSpec}). */
  constructor(spec: CoincidenceSpec) {
    checkCoincidenceSpec(spec);
    this.#window = spec.windowNs;
    this.#maxDelay = spec.maxDelayNs ?? 1e9;
    this.#inputs = spec.inputs.map((key) => ({
      key,
      data: [],
      t: new Float64Array(0),
      head: 0,
      tail: 0,
      watermark: -Infinity,
    }));
    for (const i of this.#inputs) this.#byKey.set(i.key, i);
    const zero = () => Object.fromEntries(spec.inputs.map((k) => [k, 0]));
    this.counts = { coincidences: 0, singles: zero(), agedOut: zero(), outOfOrder: zero() };
  }

  /** Events waiting to be decided, over all inputs. */
  get waiting(): number {
    return this.#inputs.reduce((n, i) => n + i.tail - i.head, 0);
  }

  /** Takes a batch of events from input `key`; returns the merged rows now decided. */
  push(key: string, columns: readonly Column[]): Column[] {
    const input = this.#byKey.get(key);
    if (!input) throw new ProcessorSpecError("inputs", `no input '${key}'`);
    const ts = findColumn(columns, TIMESTAMP)?.values;
    if (!(ts instanceof BigInt64Array)) {
      throw new ProcessorSpecError("inputs", `input '${key}' has no int64 ${TIMESTAMP} column`);
    }
    const n = rowCount(columns);
    if (n > 0) {
      this.#base ??= ts[0];
      const rel = this.#rel = nsSince(ts, this.#base, this.#rel);
      this.#append(input, columns, rel, n);
    }
    return this.#decide(false);
  }

  /** Decides every waiting event (the run's end): no input is waited for. */
  flush(): Column[] {
    return this.#decide(true);
  }

  #append(input: InputState, columns: readonly Column[], rel: Float64Array, n: number): void {
    if (!input.columns) {
      input.columns = columns.map((c) => ({
        name: c.name,
        unit: c.unit,
        listSize: c.listSize,
        ctor: c.values.constructor as Ctor,
      }));
      input.data = input.columns.map((c) => new c.ctor(0));
    }
    const cols = input.columns.map((c) => {
      const found = findColumn(columns, c.name);
      if (!found || found.values.constructor !== c.ctor || found.listSize !== c.listSize) {
        throw new ProcessorSpecError(
          "inputs",
          `input '${input.key}': column '${c.name}' changed or went missing between batches`,
        );
      }
      return found.values;
    });
    // Keep the rows that are new for this input and not already decided.
    const keep: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = rel[i];
      if (t < input.watermark) {
        this.counts.outOfOrder[input.key]++;
        continue;
      }
      input.watermark = t;
      if (t < this.#decided) {
        this.counts.agedOut[input.key]++;
        continue;
      }
      keep.push(i);
    }
    if (keep.length === 0) return;
    this.#reserve(input, keep.length);
    const at = input.tail;
    keep.forEach((i, k) => (input.t[at + k] = rel[i]));
    input.columns.forEach((c, ci) => {
      const size = c.listSize ?? 1;
      const dst = input.data[ci], src = cols[ci];
      if (keep.length === n) {
        (dst as Float64Array).set(src as Float64Array, at * size);
        return;
      }
      keep.forEach((i, k) => {
        (dst as Float64Array).set(
          (src as Float64Array).subarray(i * size, (i + 1) * size),
          (at + k) * size,
        );
      });
    });
    input.tail += keep.length;
  }

  /** Makes room for `rows` more rows, moving waiting rows to the front. */
  #reserve(input: InputState, rows: number): void {
    const waiting = input.tail - input.head;
    const capacity = input.t.length;
    if (input.tail + rows <= capacity) return;
    const newCapacity = Math.max(capacity, 2 * (waiting + rows), 64);
    const t = new Float64Array(newCapacity);
    t.set(input.t.subarray(input.head, input.tail));
    input.t = t;
    input.data = input.data.map((d, ci) => {
      const size = input.columns![ci].listSize ?? 1;
      const grown = new input.columns![ci].ctor(newCapacity * size);
      (grown as Float64Array).set(
        (d as Float64Array).subarray(input.head * size, input.tail * size),
      );
      return grown;
    });
    input.head = 0;
    input.tail = waiting;
  }

  #decide(finishing: boolean): Column[] {
    const inputs = this.#inputs;
    const window = this.#window;
    const rows: number[][] = inputs.map(() => []);
    let maxSeen = -Infinity;
    for (const i of inputs) if (i.watermark > maxSeen) maxSeen = i.watermark;
    for (;;) {
      let first: InputState | undefined;
      for (const i of inputs) {
        if (i.head < i.tail && (!first || i.t[i.head] < first.t[first.head])) first = i;
      }
      if (!first) break;
      const t = first.t[first.head];
      if (!finishing && maxSeen - t <= this.#maxDelay) {
        let ready = true;
        for (const i of inputs) if (i !== first && !(i.watermark > t + window)) ready = false;
        if (!ready) break;
      }
      let all = true;
      for (const i of inputs) {
        if (i !== first && !(i.head < i.tail && i.t[i.head] - t <= window)) all = false;
      }
      if (all) {
        inputs.forEach((i, k) => rows[k].push(i.head++));
        this.counts.coincidences++;
      } else {
        first.head++;
        this.counts.singles[first.key]++;
      }
      this.#decided = t;
    }
    return this.#merged(rows);
  }

  #merged(rows: number[][]): Column[] {
    const count = rows[0].length;
    if (count === 0) return [];
    const ts = new BigInt64Array(count);
    const out: Column[] = [{ name: TIMESTAMP, values: ts, unit: "ns" }];
    // The earliest event of each row gives its timestamp.
    const best = new Float64Array(count).fill(Infinity);
    this.#inputs.forEach((input, k) => {
      const tsAt = input.columns!.findIndex((c) => c.name === TIMESTAMP);
      const tsData = input.data[tsAt] as BigInt64Array;
      rows[k].forEach((r, j) => {
        if (input.t[r] < best[j]) {
          best[j] = input.t[r];
          ts[j] = tsData[r];
        }
      });
      input.columns!.forEach((c, ci) => {
        const size = c.listSize ?? 1;
        const values = new c.ctor(count * size);
        const src = input.data[ci];
        rows[k].forEach((r, j) => {
          (values as Float64Array).set(
            (src as Float64Array).subarray(r * size, (r + 1) * size),
            j * size,
          );
        });
        out.push({ name: `${input.key}_${c.name}`, values, unit: c.unit, listSize: c.listSize });
      });
    });
    return out;
  }
}
