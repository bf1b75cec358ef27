/**
 * Test Worker: either writes `count` raw records (payloads from fillPayload) into a new ring,
 * or follows/consumes a ring and checks every record's sequence number and payload.
 */
import { createRingFile, openRingConsumer, openRingFile } from "../../src/dataplane/mod.ts";
import { fillPayload, payloadMatches, SCHEMA } from "./_helpers.ts";

type Job =
  | {
    role: "writer";
    path: string;
    count: number;
    payloadBytes: number;
    capacityBytes: number;
    policy: "overwrite" | "block";
  }
  | { role: "follower" | "consumer"; path: string; zeroCopy?: boolean };

/** This Worker's global scope. */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(msg: unknown): void;
};

scope.onmessage = async (e: MessageEvent<Job>) => {
  const job = e.data;
  if (job.role === "writer") {
    const writer = createRingFile(job.path, {
      schema: SCHEMA,
      capacityBytes: job.capacityBytes,
      policy: job.policy,
      blockTimeoutMs: 10_000,
    });
    scope.postMessage({ ready: true });
    // Wait for the go signal so readers are attached before the first record.
    await new Promise((resolve) => (scope.onmessage = resolve));
    const t0 = performance.now();
    for (let seq = 0; seq < job.count; seq++) {
      fillPayload(writer.reserve(job.payloadBytes), seq);
      writer.commit();
    }
    const ms = performance.now() - t0;
    writer.close();
    scope.postMessage({ done: true, ms });
    return;
  }
  const zeroCopy = job.zeroCopy ?? false;
  const reader = job.role === "consumer"
    ? openRingConsumer(job.path, { zeroCopy })
    : openRingFile(job.path, { startAt: "oldest", zeroCopy });
  scope.postMessage({ ready: true });
  let received = 0;
  let badPayload = 0;
  let outOfOrder = 0;
  let overwrittenViews = 0;
  let last = -1;
  for (;;) {
    const r = reader.next();
    if (r === null) {
      if (reader.done) break;
      if (job.role === "consumer") (reader as ReturnType<typeof openRingConsumer>).commit();
      await reader.waitForData(1000);
      continue;
    }
    received++;
    if (r.seq <= last) outOfOrder++;
    if (r.seq !== last + 1 + r.lostBefore) outOfOrder++;
    last = r.seq;
    // A zero-copy view may be overwritten while we look at it: only a mismatch on a view that
    // is still intact afterwards is an error.
    if (!payloadMatches(r.payload, r.seq) && reader.intact(r)) badPayload++;
    if (zeroCopy && !reader.intact(r)) overwrittenViews++;
    if (job.role === "consumer" && received % 1024 === 0) {
      (reader as ReturnType<typeof openRingConsumer>).commit();
    }
  }
  if (job.role === "consumer") (reader as ReturnType<typeof openRingConsumer>).commit();
  const result = {
    received,
    lost: reader.lostRecords,
    overruns: reader.overruns,
    badPayload,
    outOfOrder,
    last,
    headerLost: reader.status().lostRecords,
    overwrittenViews,
  };
  reader.close();
  scope.postMessage(result);
};
