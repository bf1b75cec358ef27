// A user's job that sets another job's output once, through ctx.requestSetting.
import { defineJob } from "../../../src/job/mod.ts";

export default defineJob({
  role: "source",
  summary: "sets target's voltage once it takes settings",
  fields: {
    target: { type: "string", required: true },
    value: { type: "number", required: true },
  },
  async run(ctx) {
    try {
      await ctx.requestSetting(ctx.fields.target, "voltage", ctx.fields.value);
      ctx.log(`set ${ctx.fields.target} voltage = ${ctx.fields.value}`);
    } catch (e) {
      ctx.warn(`refused: ${(e as Error).message}`);
    }
    try {
      await ctx.requestSetting(ctx.fields.target, "voltage", 1000);
    } catch (e) {
      ctx.warn(`refused: ${(e as Error).message}`);
    }
    while (!ctx.stopping()) await ctx.sleep(100);
  },
});
