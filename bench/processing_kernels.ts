/**
 * The processing kernels alone (no Workers, no rings), on batches like the `bench` source's:
 * `rows` rows of int64 `timestamp_ns` and float64 `value`, 16 bytes a row.
 *
 *   deno run -A bench/processing_kernels.ts [rows] [seconds per kernel]
 *
 * GB/s counts input bytes (timestamp and value columns) per second of one thread, 1 GB = 1e9
 * bytes; histogram also in values filled per second. The first line, a plain copy of each
 * batch, gives the machine's pace in the same run (read the others against it on a shared
 * machine).
 */
import {
  Calibrator,
  type Column,
  Decimator,
  ExprEvaluator,
  Histogram,
} from "../src/processing/mod.ts";

const rows = Number(Deno.args[0] ?? 1000);
const seconds = Number(Deno.args[1] ?? 2);

const batches: Column[][] = Array.from({ length: 64 }, (_, k) => [
  {
    name: "timestamp_ns",
    values: BigInt64Array.from(
      { length: rows },
      (_, i) => 1_700_000_000_000_000_000n + BigInt((k * rows + i) * 1000),
    ),
    unit: "ns",
  },
  { name: "value", values: Float64Array.from({ length: rows }, (_, i) => Math.sin(k + i / 7)) },
]);
const bytesPerBatch = rows * 16;

function measure(name: string, work: (b: Column[]) => void): void {
  for (let i = 0; i < 2000; i++) work(batches[i % batches.length]);
  let n = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 64; i++) work(batches[(n + i) % batches.length]);
    n += 64;
  }
  const s = (performance.now() - t0) / 1000;
  const gbps = (n * bytesPerBatch) / s / 1e9;
  const extra = name.startsWith("histogram")
    ? `, ${((n * rows) / s / 1e6).toFixed(0)} M values/s`
    : "";
  console.log(
    `${name.padEnd(40)} ${gbps.toFixed(2)} GB/s, ${((n / s) / 1e3).toFixed(0)} k batches/s${extra}`,
  );
}

// The machine's own pace in the same run: copying each batch's two columns once.
const copyTs = new BigInt64Array(rows), copyValues = new Float64Array(rows);
measure("baseline: copy the batch once", (b) => {
  copyTs.set(b[0].values as BigInt64Array);
  copyValues.set(b[1].values as Float64Array);
});
const dec = new Decimator({ every: 10, columns: { value: ["mean"] } });
measure("decimate every 10, mean", (b) => dec.push(b));
const dec3 = new Decimator({ every: 10, columns: { value: ["mean", "min", "max"] } });
measure("decimate every 10, mean min max", (b) => dec3.push(b));
const decb = new Decimator({ bucketNs: 10_000, columns: { value: ["mean"] } });
measure("decimate bucket 10us, mean", (b) => decb.push(b));
const cal = new Calibrator({ columns: { value: { scale: 2, offset: 1, unit: "V" } } });
measure("calibrate scale/offset", (b) => cal.apply(b));
const poly = new Calibrator({ columns: { value: { coefficients: [1, 2, 3] } } });
measure("calibrate polynomial degree 2", (b) => poly.apply(b));
const expr = new ExprEvaluator({ columns: { p: "value * 2 + 1" } });
measure('expr "value * 2 + 1"', (b) => expr.apply(b));
const expr2 = new ExprEvaluator({ columns: { p: "clamp(sqrt(abs(value)) * 3 - 1, 0, 2)" } });
measure('expr "clamp(sqrt(abs(value))*3-1, 0, 2)"', (b) => expr2.apply(b));
const h = new Histogram({ column: "value", min: -1, max: 1, bins: 1000 });
measure("histogram 1000 bins", (b) => h.fill(b[1].values));
