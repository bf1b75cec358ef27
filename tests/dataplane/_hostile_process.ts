/**
 * Ring file cases that kill the process with SIGBUS when they go wrong, run in their own
 * process so that a test sees the exit code (135) rather than dying with it.
 *
 *   deno run --allow-all tests/dataplane/_hostile_process.ts fill PATH CAPACITY
 *     create a ring and write a whole lap of 64 KiB records; prints "filled" or "error: ..."
 *   deno run --allow-all tests/dataplane/_hostile_process.ts truncate PATH
 *     create a ring, write, open a follower and a consumer, truncate the file to 4096 bytes,
 *     then use each; prints one "<who>: <error>" line per use, then "closed"
 *   deno run --allow-all tests/dataplane/_hostile_process.ts hold PATH
 *     create a ring, print its stream id, wait for a line on stdin, close it
 */
import {
  createRingFile,
  openRingConsumer,
  openRingFile,
  ringStatus,
} from "../../src/dataplane/mod.ts";
import { SCHEMA } from "./_helpers.ts";

const [what, path, capacityArg] = Deno.args;

async function attempt(who: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
    console.log(`${who}: no error`);
  } catch (e) {
    console.log(`${who}: ${(e as Error).name}: ${(e as Error).message}`);
  }
}

if (what === "fill") {
  try {
    const capacity = Number(capacityArg);
    const writer = createRingFile(path, { schema: SCHEMA, capacityBytes: capacity });
    const payload = new Uint8Array(64 << 10).fill(1);
    for (let written = 0; written < capacity; written += payload.length) {
      writer.writeBytes(payload);
    }
    writer.close();
    console.log("filled");
  } catch (e) {
    console.log(`error: ${(e as Error).name}: ${(e as Error).message}`);
  }
} else if (what === "truncate") {
  const writer = createRingFile(path, {
    schema: SCHEMA,
    capacityBytes: 1 << 20,
    sizeCheckEvery: 1,
  });
  const payload = new Uint8Array(1000).fill(2);
  for (let i = 0; i < 100; i++) writer.writeBytes(payload);
  const follower = openRingFile(path, { startAt: "oldest" });
  const consumer = openRingConsumer(path);
  const views = openRingConsumer(path, { zeroCopy: true });
  Deno.truncateSync(path, 4096);
  await attempt("writer", () => {
    for (let i = 0; i < 2000; i++) writer.writeBytes(payload);
  });
  await attempt("follower", () => follower.next());
  await attempt("consumer", () => consumer.next());
  await attempt("views", () => views.next());
  await attempt("status", () => follower.status());
  await attempt("ringStatus", () => ringStatus(path));
  await attempt("wait", () => follower.waitForData(10));
  writer.close();
  follower.close();
  consumer.close();
  views.close();
  console.log("closed");
} else if (what === "hold") {
  const writer = createRingFile(path, { schema: SCHEMA, capacityBytes: 1 << 16 });
  writer.writeBytes(new Uint8Array(100));
  console.log(`stream ${writer.streamId}`);
  await Deno.stdin.readable.getReader().read();
  writer.close();
  console.log("closed");
}
