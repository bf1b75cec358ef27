/**
 * `bench`: synthetic load for `daq bench`. Each message is an Arrow record batch of
 * `payload_rows` rows (an int64 `timestamp_ns` and a float64 `value`), or `payload_bytes` raw
 * bytes; sent as fast as the route takes it, or at `rate` messages per second. Rows are
 * written straight into each consumer's ring: the IPC framing is computed once and the
 * columns are filled in place, so the only copy is into the ring.
 */
import { batchFromColumns, decodeBatch, encodeBatch, RecordType } from "../transport/payload.ts";
import { hostJob, type JobContext } from "./host.ts";

/** Where the columns sit inside an encoded batch of a given row count. */
interface BatchLayout {
  template: Uint8Array;
  tsOffset: number;
  valueOffset: number;
  rows: number;
}

/** Encodes one batch of `rows` rows and finds where its two columns' values sit. */
export function benchBatchLayout(rows: number): BatchLayout {
  const template = encodeBatch(batchFromColumns([
    { name: "timestamp_ns", values: new BigInt64Array(rows), unit: "ns" },
    { name: "value", values: new Float64Array(rows) },
  ]));
  const batch = decodeBatch(template);
  const offsetOf = (name: string) => {
    const values = batch.getChild(name)!.data[0].values as ArrayBufferView;
    return values.byteOffset - template.byteOffset;
  };
  return { template, tsOffset: offsetOf("timestamp_ns"), valueOffset: offsetOf("value"), rows };
}

/**
 * Writes message `seq` of `layout` into `dst`: the framing from the template, timestamps
 * `startNs + i * stepNs`, values `seq + i * (1 / rows)`.
 */
export function fillBenchBatch(
  dst: Uint8Array,
  layout: BatchLayout,
  seq: number,
  startNs: number,
  stepNs: number,
): void {
  const { template, tsOffset, valueOffset, rows } = layout;
  const tsEnd = tsOffset + rows * 8;
  const valueEnd = valueOffset + rows * 8;
  dst.set(template.subarray(0, tsOffset));
  dst.set(template.subarray(tsEnd, valueOffset), tsEnd);
  dst.set(template.subarray(valueEnd), valueEnd);
  const ts = new Uint32Array(dst.buffer, dst.byteOffset + tsOffset, rows * 2);
  let hi = Math.floor(startNs / 4294967296);
  let lo = startNs - hi * 4294967296;
  for (let i = 0; i < 2 * rows; i += 2) {
    ts[i] = lo;
    ts[i + 1] = hi;
    lo += stepNs;
    if (lo >= 4294967296) {
      lo -= 4294967296;
      hi++;
    }
  }
  const values = new Float64Array(dst.buffer, dst.byteOffset + valueOffset, rows);
  const step = 1 / rows;
  for (let i = 0; i < rows; i++) values[i] = seq + i * step;
}

/** Runs the `bench` job. */
export async function run(ctx: JobContext): Promise<void> {
  const f = ctx.job.fields;
  const payloadBytes = f.payload_bytes as number | undefined;
  const rows = f.payload_rows as number;
  const rate = f.rate as number | undefined;
  const maxMessages = f.max_messages as number | undefined;
  const layout = payloadBytes === undefined ? benchBatchLayout(rows) : undefined;
  const t0 = performance.now();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let seq = 0; !ctx.stopping() && (maxMessages === undefined || seq < maxMessages); seq++) {
    if (rate !== undefined) {
      // Short waits block the Worker in Atomics.wait (about 0.1 ms precise) so that messages
      // go out evenly, not in bursts after each timer tick; the stop flag is still seen.
      const wait = t0 + (seq * 1000) / rate - performance.now();
      if (wait > 5) await ctx.sleep(wait);
      else if (wait > 0.02) Atomics.wait(pause, 0, 0, wait);
    }
    const sentMs = performance.timeOrigin + performance.now();
    if (layout) {
      const startNs = Math.round(sentMs * 1e6);
      await ctx.send(
        RecordType.arrow,
        layout.template.length,
        (dst) => fillBenchBatch(dst, layout, seq, startNs, 1000),
        { rows, sentMs },
      );
    } else {
      await ctx.send(RecordType.bytes, payloadBytes!, (dst) => dst.fill(seq & 0xff), { sentMs });
    }
  }
}

if (import.meta.main) hostJob(run);
