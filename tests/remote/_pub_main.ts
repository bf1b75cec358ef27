// Test fixture: a publisher process. Config as JSON in Deno.args[0]; prints JSON lines.
import * as arrow from "apache-arrow";
import { pack } from "msgpackr";
import { openPublisher } from "../../src/remote/mod.ts";
import { schemaMessageLength } from "../../src/arrow/ipc.ts";
import type { CurveOptions } from "../../src/remote/mod.ts";

interface Config {
  endpoint: string;
  bind?: boolean;
  origin: string;
  topic: string;
  count: number;
  kind?: "msgpack" | "arrow";
  rows?: number;
  intervalMs?: number;
  startDelayMs?: number;
  curve?: CurveOptions;
  heartbeatIntervalMs?: number;
  holdMs?: number;
  /** Arrow only: send all payloads with one sendPacked call, their schema message shared. */
  sharedSchema?: boolean;
}

const config: Config = JSON.parse(Deno.args[0]);
const publisher = await openPublisher({
  endpoint: config.endpoint,
  bind: config.bind ?? false,
  origin: config.origin,
  curve: config.curve,
  heartbeatIntervalMs: config.heartbeatIntervalMs ?? 200,
});
console.log(JSON.stringify({ event: "ready", endpoint: publisher.endpoint }));
await new Promise((resolve) => setTimeout(resolve, config.startDelayMs ?? 500));

function arrowPayload(i: number, rows: number): Uint8Array {
  const timestamps = new BigInt64Array(rows);
  const sine = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    timestamps[r] = BigInt(i * rows + r) * 1000n;
    sine[r] = Math.sin((i * rows + r) / 100);
  }
  const table = new arrow.Table({
    timestamp_ns: arrow.makeVector(timestamps),
    sine: arrow.makeVector(sine),
  });
  return arrow.tableToIPC(table, "stream");
}

if (config.sharedSchema) {
  const payloads = Array.from(
    { length: config.count },
    (_, i) => arrowPayload(i, config.rows ?? 100),
  );
  const schemaLength = schemaMessageLength(payloads[0]);
  const schema = payloads[0].slice(0, schemaLength);
  const digests = await Promise.all(
    payloads.map((p) => crypto.subtle.digest("SHA-256", p.slice())),
  );
  const sha256 = digests.map((d) =>
    Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("")
  );
  console.log(JSON.stringify({ event: "payloads", sha256 }));
  const bodies = payloads.map((p) => p.subarray(schemaLength));
  const data = new Uint8Array(bodies.reduce((sum, b) => sum + b.length, 0));
  bodies.reduce((at, b) => (data.set(b, at), at + b.length), 0);
  await publisher.sendPacked(config.topic, "arrow", data, bodies.map((b) => b.length), {
    routeKeys: [config.topic],
    schema,
  });
}
for (let i = 0; i < (config.sharedSchema ? 0 : config.count); i++) {
  const payload = config.kind === "arrow"
    ? arrowPayload(i, config.rows ?? 100)
    : pack({ i, origin: config.origin });
  await publisher.send(config.topic, config.kind ?? "msgpack", payload, [config.topic]);
  if (config.intervalMs) await new Promise((resolve) => setTimeout(resolve, config.intervalMs));
}
await publisher.flush();
await new Promise((resolve) => setTimeout(resolve, config.holdMs ?? 300));
console.log(JSON.stringify({ event: "done", stats: publisher.stats() }));
await publisher.close();
