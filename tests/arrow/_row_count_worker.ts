/// <reference lib="deno.worker" />
// Counts the rows of the payload it is sent and posts the count back (run with a deadline by
// the test: a loop that never ends must fail the test, not hang it).
import { streamRowCount } from "../../src/arrow/ipc.ts";

self.onmessage = (e: MessageEvent<Uint8Array>) => {
  self.postMessage(streamRowCount(e.data));
};
