// Test fixture: a job that takes messages and sends others at the same time, as a remote link
// does (forwarding and injecting), each loop asking to breathe now and then.
import { defineJob, RecordType } from "../../src/job/mod.ts";

export default defineJob({
  role: "processor",
  summary: "receives and sends at once",
  fields: { count: { type: "number", required: true } },
  async run(ctx) {
    const count = ctx.fields.count;
    let received = 0;
    await Promise.all([
      (async () => {
        for await (const msg of ctx.receive()) {
          if (msg.payload[0] !== (msg.seq & 0xff)) throw new Error(`payload of ${msg.seq}`);
          received++;
        }
      })(),
      (async () => {
        for (let i = 0; i < count; i++) {
          await ctx.send(RecordType.bytes, 32, (dst) => dst.fill(i & 0xff));
        }
      })(),
    ]);
    ctx.setFigure("received", received);
  },
});
