import assert from "node:assert/strict";
import { fixture, freePort, spawnDeno, startProxy } from "./_helpers.ts";

const PYTHON = "/usr/bin/python3";
const tool = (name: string) => new URL(`../../tools/python/${name}`, import.meta.url).pathname;

function spawnPython(script: string, args: string[]) {
  return new Deno.Command(PYTHON, { args: [tool(script), ...args], stdout: "piped" }).spawn();
}

async function jsonLines(process: Deno.ChildProcess): Promise<Record<string, unknown>[]> {
  const { code, stdout } = await process.output();
  assert.equal(code, 0);
  return new TextDecoder().decode(stdout).trim().split("\n").map((line) => JSON.parse(line));
}

Deno.test("pyzmq subscriber decodes headers, batches and Arrow row counts per the spec", async () => {
  const ports = { xsub: freePort(), xpub: freePort() };
  const proxy = await startProxy(ports);
  const python = spawnPython("zmq_subscriber.py", [
    "--endpoint",
    `tcp://127.0.0.1:${ports.xpub}`,
    "--topic",
    "ev",
    "--topic",
    "tables",
    "--topic",
    "shared",
    "--count",
    "325",
    "--timeout",
    "5",
  ]);
  const common = { endpoint: `tcp://127.0.0.1:${ports.xsub}`, origin: "A", startDelayMs: 1000 };
  const events = spawnDeno(fixture("_pub_main.ts"), [
    JSON.stringify({ ...common, topic: "ev", count: 300 }),
  ]);
  const tables = spawnDeno(fixture("_pub_main.ts"), [
    JSON.stringify({ ...common, topic: "tables", kind: "arrow", rows: 1000, count: 5 }),
  ]);
  const shared = spawnDeno(fixture("_pub_main.ts"), [
    JSON.stringify({
      ...common,
      topic: "shared",
      kind: "arrow",
      rows: 3,
      count: 20,
      sharedSchema: true,
    }),
  ]);
  const sent = await shared.next("payloads");
  const lines = await jsonLines(python);
  await events.next("done");
  await tables.next("done");
  await shared.next("done");
  proxy.process.kill("SIGTERM");
  for (const child of [events, tables, shared, proxy]) assert.equal((await child.exit()).code, 0);

  const summary = lines.at(-1)!;
  assert.equal(summary.received, 325);
  assert.equal(summary.rows, 5060);
  assert.equal(summary.in_order, true);
  const messages = lines.filter((line) => line.event === "message");
  const ev = messages.filter((line) => line.topic === "ev");
  assert.deepEqual(ev.map((line) => line.seq), Array.from({ length: 300 }, (_, i) => i + 1));
  assert.deepEqual(ev[5].value, { i: 5, origin: "A" });
  assert.ok(ev.some((line) => line.type === "batch"), "small messages arrive batched");
  const sharedLines = messages.filter((line) => line.topic === "shared");
  assert.deepEqual(
    sharedLines.map((line) => line.seq),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  assert.ok(sharedLines.every((line) => line.wire_type === "packed_arrow"));
  assert.deepEqual(sharedLines.map((line) => line.rows), Array(20).fill([3]));
  // Each payload, its schema put back in front, is byte for byte what was sent.
  assert.deepEqual(sharedLines.map((line) => line.sha256), sent.sha256);
  const arrowLines = messages.filter((line) => line.type === "arrow" && line.topic === "tables");
  assert.deepEqual(arrowLines.map((line) => line.rows), [[1000], [1000], [1000], [1000], [1000]]);
  assert.deepEqual(arrowLines[0].route_keys, ["tables"]);
  assert.ok(BigInt(arrowLines[0].timestamp_ns as number) > 1_600_000_000_000_000_000n);
});

Deno.test("pyzmq publisher -> proxy -> Deno subscriber: complete and in order", async () => {
  const ports = { xsub: freePort(), xpub: freePort() };
  const proxy = await startProxy(ports);
  const sub = spawnDeno(fixture("_sub_main.ts"), [JSON.stringify({
    endpoints: [`tcp://127.0.0.1:${ports.xpub}`],
    topics: ["ev"],
    origin: "B",
    expect: 1000,
  })]);
  await sub.next("ready");
  const python = spawnPython("zmq_publisher.py", [
    "--endpoint",
    `tcp://127.0.0.1:${ports.xsub}`,
    "--origin",
    "py",
    "--topic",
    "ev",
    "--count",
    "1000",
    "--batch",
    "7",
  ]);
  const summary = await sub.next("summary", 20_000);
  const pyLines = await jsonLines(python);
  proxy.process.kill("SIGTERM");
  for (const child of [sub, proxy]) assert.equal((await child.exit()).code, 0);
  assert.equal(pyLines.at(-1)?.sent, 1000);
  assert.equal(summary.received, 1000);
  assert.equal(summary.inOrder, true);
  assert.equal(summary.payloadsMatch, true);
  assert.equal((summary.stats as { gaps: number }).gaps, 0);
  assert.equal((summary.peers as { origin: string }[])[0].origin, "py");
});
