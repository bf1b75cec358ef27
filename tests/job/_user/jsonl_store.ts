// Test fixture, a user's store: writes every received value of column n, one JSON line per
// batch, to <out_dir>/values.jsonl. It may write its folder only.
import { defineJob } from "daq/job";

export default defineJob({
  role: "store",
  summary: "JSON lines of column n",
  fields: { out_dir: { type: "string", required: true, doc: "folder of values.jsonl" } },
  permissions: (job) => ({ write: [job.fields.out_dir] }),
  async run(ctx) {
    const file = await Deno.open(`${ctx.fields.out_dir}/values.jsonl`, {
      write: true,
      create: true,
      append: true,
    });
    const encoder = new TextEncoder();
    try {
      for await (const b of ctx.batches()) {
        const line = JSON.stringify({ key: b.key, n: Array.from(b.columns.n as Float64Array) });
        await file.write(encoder.encode(`${line}\n`));
      }
    } finally {
      file.close();
    }
  },
});
