/** Helpers for the kernel tests: batches from plain arrays, and columns back to plain values. */
import type { Column } from "../../src/processing/mod.ts";

/** A batch with `timestamp_ns` from `ts` and float64 columns from `cols`. */
export function batch(
  ts: number[],
  cols: Record<string, number[]>,
  units: Record<string, string> = {},
): Column[] {
  return [
    { name: "timestamp_ns", values: BigInt64Array.from(ts.map(BigInt)), unit: "ns" },
    ...Object.entries(cols).map(([name, v]) => ({
      name,
      values: Float64Array.from(v),
      unit: units[name],
    })),
  ];
}

/** Columns as `{ name: plain values }` (bigints as numbers), for deepEqual. */
export function plain(columns: readonly Column[]): Record<string, number[]> {
  return Object.fromEntries(
    columns.map((c) => [c.name, Array.from(c.values as ArrayLike<number | bigint>, Number)]),
  );
}

/** Splits a batch into batches of the given sizes (which must add up to its rows). */
export function split(columns: readonly Column[], sizes: number[]): Column[][] {
  const out: Column[][] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(columns.map((c) => ({ ...c, values: c.values.slice(at, at + n) })));
    at += n;
  }
  return out;
}

/** Joins batches of the same columns into one. */
export function concat(batches: readonly Column[][]): Column[] {
  const nonEmpty = batches.filter((b) => b.length > 0);
  if (nonEmpty.length === 0) return [];
  return nonEmpty[0].map((c, k) => {
    const parts = nonEmpty.map((b) => b[k].values);
    const n = parts.reduce((s, p) => s + p.length, 0);
    const values = new (c.values.constructor as new (n: number) => Float64Array)(n);
    let at = 0;
    for (const p of parts) {
      values.set(p as Float64Array, at);
      at += p.length;
    }
    return { ...c, values };
  });
}

/** A copy of a batch whose arrays a kernel will reuse. */
export function copy(columns: readonly Column[]): Column[] {
  return columns.map((c) => ({ ...c, values: c.values.slice() }));
}
