/**
 * `store.null`: takes every message off its rings without reading the payload. It measures
 * the transport alone; `daq bench` does not count what it takes as received data.
 */
import { defineJob } from "../../job/mod.ts";

/** `store.null`: releases every message unread. */
export default defineJob({
  role: "store",
  summary: "takes messages off its rings unread (transport benchmarks)",
  fields: {},
  async run(ctx) {
    for await (const _ of ctx.receive()) {
      // Released unread on purpose.
    }
  },
});
