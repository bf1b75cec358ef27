// A user-written pass-through processor for `daq bench --processor`: every message it takes is
// sent on unchanged, with its send time (so the stores' latency spans the whole path). The
// raw paths of the job API: the payload is a view into the input ring, copied once into each
// output ring.
import { defineJob } from "daq/job";

export default defineJob({
  role: "processor",
  summary: "passes every message on unchanged (ctx.receive, ctx.send)",
  fields: {},
  async run(ctx) {
    // One options object and one fill function: each send is awaited before the next message.
    let payload: Uint8Array = new Uint8Array(0);
    const fill = (dst: Uint8Array) => dst.set(payload);
    const options = { sentMs: 0 };
    for await (const msg of ctx.receive()) {
      payload = msg.payload;
      options.sentMs = msg.sentMs;
      await ctx.send(msg.type, payload.length, fill, options);
    }
  },
});
