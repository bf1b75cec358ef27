/**
 * `store.memory`: keeps the last `keep` batches in memory; with `keep = 0` it reads every
 * message (a checksum over all payload bytes and the row count from the batch metadata, so
 * nothing counts as received unread) and discards it, for benchmarks.
 */
import type { RecordBatch } from "apache-arrow";
import { batchRowCount, RecordType } from "../../transport/payload.ts";
import { defineJob } from "../../job/mod.ts";

/** Sums a payload as 32-bit words: cheap, but every byte is read. */
export function payloadChecksum(bytes: Uint8Array): number {
  const words = bytes.byteOffset % 4 === 0
    ? new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2)
    : new Int32Array(bytes.slice(0, bytes.length & ~3).buffer);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const whole = words.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    s0 = (s0 + words[i]) | 0;
    s1 = (s1 + words[i + 1]) | 0;
    s2 = (s2 + words[i + 2]) | 0;
    s3 = (s3 + words[i + 3]) | 0;
  }
  let sum = (s0 + s1 + s2 + s3) | 0;
  for (let i = whole; i < words.length; i++) sum = (sum + words[i]) | 0;
  for (let i = words.length * 4; i < bytes.length; i++) sum = (sum + bytes[i]) | 0;
  return sum;
}

/** `store.memory`: keeps the last `keep` batches. */
export default defineJob({
  role: "store",
  summary: "keeps the last `keep` batches in memory (0: counts and discards)",
  fields: {
    keep: { type: "number", integer: true, min: 0, default: 16, doc: "batches kept" },
  },
  async run(ctx) {
    const keep = ctx.fields.keep;
    const kept: RecordBatch[] = [];
    let checksum = 0;
    for await (const msg of ctx.receive()) {
      checksum = (checksum + payloadChecksum(msg.payload)) | 0;
      if (msg.type !== RecordType.arrow) continue;
      if (keep === 0) {
        ctx.countRows(batchRowCount(msg.payload));
        continue;
      }
      const batch = ctx.batchOf({ ...msg, payload: msg.payload.slice() });
      ctx.countRows(batch.numRows);
      kept.push(batch);
      if (kept.length > keep) kept.shift();
    }
    ctx.setFigure("checksum", checksum);
    ctx.setFigure("kept_batches", kept.length);
  },
});
