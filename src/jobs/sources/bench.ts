/**
 * `bench`: synthetic load for `daq bench`. Each message is an Arrow record batch of
 * `payload_rows` rows (an int64 `timestamp_ns` and a float64 `value`), one msgpack event
 * (`payload = "msgpack"`), or `payload_bytes` raw bytes; sent as fast as the route takes it,
 * or at `rate` messages per second. Messages are written straight into each consumer's ring:
 * the encoding is computed once and the values are filled in place, so the only copy is into
 * the ring.
 */
import { batchFromColumns, decodeBatch, encodeBatch, RecordType } from "../../transport/payload.ts";
import { wordViews } from "../../transport/words.ts";
import { batchBytes, type Columns, defineJob } from "../../job/mod.ts";

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
  if (rows <= 64) dst.set(template);
  else {
    dst.set(template.subarray(0, tsOffset));
    dst.set(template.subarray(tsEnd, valueOffset), tsEnd);
    dst.set(template.subarray(valueEnd), valueEnd);
  }
  if ((dst.byteOffset & 7) !== 0) {
    throw new RangeError("bench batch: destination not 8-byte aligned");
  }
  const { u32, f64 } = wordViews(dst.buffer);
  const ts0 = (dst.byteOffset + tsOffset) >> 2;
  let hi = Math.floor(startNs / 4294967296);
  let lo = startNs - hi * 4294967296;
  for (let i = ts0; i < ts0 + 2 * rows; i += 2) {
    u32[i] = lo;
    u32[i + 1] = hi;
    lo += stepNs;
    if (lo >= 4294967296) {
      lo -= 4294967296;
      hi++;
    }
  }
  const v0 = (dst.byteOffset + valueOffset) >> 3;
  const step = 1 / rows;
  for (let i = 0; i < rows; i++) f64[v0 + i] = seq + i * step;
}

/**
 * The msgpack encoding of one bench event, `{seq, t_ns, value}` (uint 32, int 64, float 64,
 * big-endian): {@link fillBenchEvent} writes it in place, without an encoder.
 */
const EVENT_TEMPLATE = new Uint8Array([
  0x83,
  ...[0xa3, 0x73, 0x65, 0x71, 0xce, 0, 0, 0, 0], // "seq": uint 32
  ...[0xa4, 0x74, 0x5f, 0x6e, 0x73, 0xd3, 0, 0, 0, 0, 0, 0, 0, 0], // "t_ns": int 64
  ...[0xa5, 0x76, 0x61, 0x6c, 0x75, 0x65, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0], // "value": float 64
]);
const EVENT_SEQ = 6;
const EVENT_TIME = 16;
const EVENT_VALUE = 31;
/** Bytes of one bench event. */
export const BENCH_EVENT_BYTES: number = EVENT_TEMPLATE.length;
const valueBytes = new Uint8Array(8);
const valueOf = new Float64Array(valueBytes.buffer);

/**
 * Writes event `seq` into `dst` as msgpack: `{seq: seq mod 2^32, t_ns: timeNs, value: seq / 2}`.
 */
export function fillBenchEvent(dst: Uint8Array, seq: number, timeNs: number): void {
  dst.set(EVENT_TEMPLATE);
  const s = seq >>> 0;
  dst[EVENT_SEQ] = s >>> 24;
  dst[EVENT_SEQ + 1] = s >>> 16;
  dst[EVENT_SEQ + 2] = s >>> 8;
  dst[EVENT_SEQ + 3] = s;
  const hi = Math.floor(timeNs / 4294967296);
  const lo = timeNs - hi * 4294967296;
  for (let i = 0; i < 4; i++) {
    dst[EVENT_TIME + i] = hi >>> (24 - 8 * i);
    dst[EVENT_TIME + 4 + i] = lo >>> (24 - 8 * i);
  }
  valueOf[0] = seq / 2;
  for (let i = 0; i < 8; i++) dst[EVENT_VALUE + i] = valueBytes[7 - i];
}

/** The columns of the bench's Arrow messages, as {@link benchBatchLayout} encodes them. */
const BENCH_COLUMNS: Columns = { timestamp_ns: { type: "int64", unit: "ns" }, value: "float64" };

/** `bench`: synthetic load for `daq bench`. */
export default defineJob({
  role: "source",
  summary:
    "synthetic load for daq bench: Arrow rows (timestamp_ns, value), msgpack events or raw bytes",
  fields: {
    payload_rows: {
      type: "number",
      positive: true,
      integer: true,
      default: 1000,
      doc: "rows per message",
    },
    payload_bytes: { type: "size", doc: "raw byte payloads of this size instead of rows" },
    payload: {
      type: "string",
      choices: ["arrow", "msgpack"],
      default: "arrow",
      doc: 'message kind: "arrow" (payload_rows rows) or "msgpack" (one event {seq, t_ns, value})',
    },
    rate: {
      type: "number",
      positive: true,
      doc: "messages per second (default: as fast as possible)",
    },
    max_messages: { type: "number", integer: true, min: 0, doc: "stop after this many messages" },
  },
  columns: (f) =>
    f.payload_bytes === undefined && f.payload !== "msgpack" ? BENCH_COLUMNS : undefined,
  messageBytes: (f) =>
    f.payload_bytes ??
      (f.payload === "msgpack" ? BENCH_EVENT_BYTES : batchBytes(BENCH_COLUMNS, f.payload_rows)),
  /** Sends as fast as the routes take it, or at `rate`, until stopped or `max_messages`. */
  async run(ctx) {
    const f = ctx.fields;
    const payloadBytes = f.payload_bytes;
    const rows = f.payload_rows;
    const rate = f.rate;
    const maxMessages = f.max_messages;
    const events = payloadBytes === undefined && f.payload === "msgpack";
    const layout = payloadBytes === undefined && !events ? benchBatchLayout(rows) : undefined;
    const t0 = performance.now();
    const pause = new Int32Array(new SharedArrayBuffer(4));
    // One options object and one fill function for all messages: each send is awaited before
    // the next, and send reads its options before it returns.
    const options = { rows: events ? 1 : layout ? rows : 0, sentMs: 0 };
    let seq = 0;
    let timeNs = 0;
    const type = layout ? RecordType.arrow : events ? RecordType.msgpack : RecordType.bytes;
    const length = layout ? layout.template.length : events ? BENCH_EVENT_BYTES : payloadBytes!;
    const fill = layout
      ? (dst: Uint8Array) => fillBenchBatch(dst, layout, seq, timeNs, 1000)
      : events
      ? (dst: Uint8Array) => fillBenchEvent(dst, seq, timeNs)
      : (dst: Uint8Array) => dst.fill(seq & 0xff);
    for (; !ctx.stopping() && (maxMessages === undefined || seq < maxMessages); seq++) {
      if (rate !== undefined) {
        // Short waits block the Worker in Atomics.wait (about 0.1 ms precise) so that messages
        // go out evenly, not in bursts after each timer tick; the stop flag is still seen.
        const wait = t0 + (seq * 1000) / rate - performance.now();
        if (wait > 5) await ctx.sleep(wait);
        else if (wait > 0.02) Atomics.wait(pause, 0, 0, wait);
      }
      // Flat out, the clock (80 ns a read) is read for every 4th message only: the 3 between,
      // sent within about a microsecond, carry its time, so their latency is overstated by as
      // much, never understated.
      if (rate !== undefined || (seq & 3) === 0) {
        options.sentMs = performance.timeOrigin + performance.now();
        timeNs = Math.round(options.sentMs * 1e6);
      }
      await ctx.send(type, length, fill, options);
    }
  },
});
