// Test fixture: a subscriber process. Config as JSON in Deno.args[0]; prints one JSON summary.
import { tableFromIPC } from "apache-arrow";
import { unpack } from "msgpackr";
import { openSubscriber } from "../../src/remote/mod.ts";
import type { CurveOptions } from "../../src/remote/mod.ts";

interface Config {
  endpoints: string[];
  topics: string[];
  origin: string;
  expect: number;
  idleTimeoutMs?: number;
  curve?: CurveOptions;
}

const config: Config = JSON.parse(Deno.args[0]);
const subscriber = await openSubscriber({
  endpoints: config.endpoints,
  topics: config.topics,
  origin: config.origin,
  curve: config.curve,
  heartbeatIntervalMs: 200,
});
console.log(JSON.stringify({ event: "ready" }));

let received = 0;
let rows = 0;
let inOrder = true;
let payloadsMatch = true;
const lastSeq = new Map<string, number>();
let lastAt = Date.now();
const controller = new AbortController();
const watchdog = setInterval(() => {
  if (Date.now() - lastAt > (config.idleTimeoutMs ?? 3000)) controller.abort();
}, 50);
controller.signal.addEventListener("abort", () => subscriber.close());

for await (const message of subscriber) {
  lastAt = Date.now();
  received++;
  const key = `${message.origin}/${message.topic}`;
  const previous = lastSeq.get(key);
  if (previous !== undefined && message.seq <= previous) inOrder = false;
  lastSeq.set(key, message.seq);
  if (message.type === "msgpack") {
    const body = unpack(message.payload) as { i: number; origin: string };
    if (body.i !== message.seq - 1 || body.origin !== message.origin) payloadsMatch = false;
  } else {
    // The publisher fixture numbers rows consecutively: row r of payload i has timestamp
    // (i * rows + r) * 1000 ns.
    const table = tableFromIPC(message.payload);
    const first = table.getChild("timestamp_ns")?.get(0) as bigint;
    if (first !== BigInt((message.seq - 1) * table.numRows) * 1000n) payloadsMatch = false;
    rows += table.numRows;
  }
  if (received >= config.expect) break;
}
clearInterval(watchdog);
console.log(JSON.stringify({
  event: "summary",
  received,
  rows,
  inOrder,
  payloadsMatch,
  stats: subscriber.stats(),
  peers: subscriber.peers(),
  streams: subscriber.streams(),
}));
await subscriber.close();
