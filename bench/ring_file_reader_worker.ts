/** Reader side of bench/ring_file.ts: follows (or consumes) a ring, counting records. */
import {
  openRingConsumer,
  openRingFile,
  type RingFileConsumer,
  type WaitOptions,
} from "../src/dataplane/mod.ts";

interface Job {
  path: string;
  consumer: boolean;
  wait: WaitOptions;
  zeroCopy: boolean;
  spanBytes: number;
}

/** This Worker's global scope. */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(msg: unknown): void;
};

scope.onmessage = async (e: MessageEvent<Job>) => {
  const { path, consumer, wait, zeroCopy, spanBytes } = e.data;
  const reader = consumer
    ? openRingConsumer(path, { zeroCopy, spanBytes })
    : openRingFile(path, { startAt: "oldest", zeroCopy, spanBytes });
  let torn = 0;
  scope.postMessage({ ready: true });
  let records = 0;
  let bytes = 0;
  let sum = 0;
  const t0 = performance.now();
  for (;;) {
    const r = reader.next();
    if (r === null) {
      if (consumer) (reader as RingFileConsumer).commit();
      if (reader.done) break;
      await reader.waitForData(1000, wait);
      continue;
    }
    records++;
    bytes += r.payload.length;
    sum += r.payload[0];
    if (zeroCopy && !reader.intact(r)) torn++;
    if (consumer && (records & 1023) === 0) (reader as RingFileConsumer).commit();
  }
  const ms = performance.now() - t0;
  scope.postMessage({
    records,
    bytes,
    lost: reader.lostRecords,
    overruns: reader.overruns,
    ms,
    sum,
    torn,
  });
  reader.close();
};
