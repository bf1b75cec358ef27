/**
 * `store.null`: takes every message off its rings without reading the payload. It measures
 * the transport alone; `daq bench` does not count what it takes as received data.
 */
import { hostJob, type JobContext } from "./host.ts";

/** Runs the `store.null` job. */
export async function run(ctx: JobContext): Promise<void> {
  for await (const _ of ctx.receive()) {
    // Released unread on purpose.
  }
}

if (import.meta.main) hostJob(run);
