// The Worker side of jobs (src/job/host.ts), driven directly with rings made here.
import assert from "node:assert/strict";
import {
  CONTROL_BYTES,
  jobWorkerUrl,
  type StartMessage,
  type StatsMessage,
} from "../../src/job/protocol.ts";
import { createOriginTable } from "../../src/transport/origins.ts";
import {
  createDoorbell,
  createRing,
  ringCounters,
  RingReader,
  RingWriter,
} from "../../src/transport/ring.ts";
import { RecordType } from "../../src/transport/payload.ts";

Deno.test("host: a job receiving and sending at once keeps both going (one shared breath)", async () => {
  const count = 1_000_000;
  const input = createRing(1 << 20);
  const output = createRing(1 << 20);
  const bell = createDoorbell();
  const outBell = createDoorbell();
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const worker = new Worker(jobWorkerUrl(new URL("./_duplex_job.ts", import.meta.url).href), {
    type: "module",
  });
  let last: StatsMessage | undefined;
  let finished: (kind: string) => void;
  const done = new Promise<string>((resolve) => (finished = resolve));
  const ready = Promise.withResolvers<void>();
  worker.onmessage = (e) => {
    if (e.data.kind === "ready") ready.resolve();
    if (e.data.kind === "stats") last = e.data;
    if (e.data.kind === "done" || e.data.kind === "failed") finished(e.data.error ?? e.data.kind);
  };
  const start: StartMessage = {
    kind: "start",
    job: {
      type: "test",
      name: "duplex",
      role: "processor",
      route: "out",
      sends: ["out"],
      inputs: ["in"],
      policy: "block",
      transport: "ring",
      fields: { count },
    } as unknown as StartMessage["job"],
    supervisor: { id: "T", statsIntervalMs: 50 } as StartMessage["supervisor"],
    inputs: [{ key: "in", from: "here", ring: input }],
    outputs: [{ key: "out", to: "here", ring: output, bell: outBell }],
    bell,
    control,
    origins: createOriginTable(),
    restarts: 0,
    configJson: "{}",
  };
  // The Worker says when it listens (a message posted before would be lost).
  await ready.promise;
  worker.postMessage(start);
  // Feed the job's input and drain its output from this thread as fast as it goes, so that
  // both loops of the job stay busy and ask to breathe (every 20 ms) at about the same time.
  const writer = new RingWriter(input, bell);
  const reader = new RingReader(output);
  let read = 0;
  const deadline = Date.now() + 30_000;
  for (let i = 0; i < count || read < count;) {
    let progress = false;
    while (
      i < count && writer.tryWrite(RecordType.bytes, 16, (d) => d.fill(i & 0xff)) === "written"
    ) {
      i++;
      progress = true;
    }
    while (reader.read()) {
      read++;
      progress = true;
    }
    reader.release();
    if (i === count && read === count) break;
    if (Date.now() > deadline) {
      worker.terminate();
      assert.fail(`stuck: fed ${i}, took back ${read}, job read ${ringCounters(input).read}`);
    }
    if (!progress) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0.05);
  }
  Atomics.store(new Int32Array(control), 0, 1);
  worker.postMessage({ kind: "stop" });
  assert.equal(await done, "done");
  worker.terminate();
  assert.equal(last?.extra.received, count);
  assert.equal(ringCounters(input).read, count);
});
