// Throughput of the remote link over tcp loopback, publisher and subscriber in separate
// processes, through the proxy (JS loop engine and zeromq's native Proxy) and direct.
//
//   node_modules/.bin/deno run --allow-all bench/remote_throughput.ts [--quick]
//
// Prints GB/s for 64 KiB payloads and rows/s for small msgpack events (batched on the wire).
// The machine is shared: treat figures as noisy.
import { pack } from "msgpackr";
import { openPublisher, openSubscriber, runProxy } from "../src/remote/mod.ts";
import { freePort, spawnDeno } from "../tests/remote/_helpers.ts";

interface Role {
  role: "pub" | "sub" | "proxy";
  endpoint?: string;
  bind?: boolean;
  xsub?: string;
  xpub?: string;
  engine?: "loop" | "native";
  size?: number;
  count?: number;
  small?: boolean;
}

async function publisherRole(config: Role): Promise<void> {
  const publisher = await openPublisher({
    endpoint: config.endpoint!,
    bind: config.bind ?? false,
    origin: "bench-pub",
    hwm: config.small ? 1000 : 200,
  });
  console.log(JSON.stringify({ event: "ready" }));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const payload = config.small
    ? pack({ t: 1_700_000_000_000_000_000n, ch: 3, v: 0.25, flags: 1 })
    : crypto.getRandomValues(new Uint8Array(config.size!));
  const type = config.small ? "msgpack" : "arrow";
  for (let i = 0; i < config.count!; i++) await publisher.send("bench", type, payload);
  await publisher.flush();
  console.log(JSON.stringify({ event: "done", stats: publisher.stats() }));
  await new Promise((resolve) => setTimeout(resolve, 500));
  await publisher.close();
}

async function subscriberRole(config: Role): Promise<void> {
  const subscriber = await openSubscriber({
    endpoints: [config.endpoint!],
    topics: ["bench"],
    origin: "bench-sub",
    hwm: config.small ? 1000 : 200,
  });
  console.log(JSON.stringify({ event: "ready" }));
  let received = 0;
  let bytes = 0;
  let first = 0;
  let last = 0;
  let lastAt = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastAt > 4000) subscriber.close();
  }, 200);
  for await (const message of subscriber) {
    if (received === 0) first = performance.now();
    received++;
    bytes += message.payload.byteLength;
    lastAt = Date.now();
    if (received === config.count) break;
  }
  last = performance.now();
  clearInterval(watchdog);
  const seconds = (last - first) / 1000;
  console.log(JSON.stringify({
    event: "result",
    received,
    seconds,
    perSecond: received / seconds,
    bytesPerSecond: bytes / seconds,
    gaps: subscriber.stats().gaps,
  }));
  await subscriber.close();
}

async function proxyRole(config: Role): Promise<void> {
  const controller = new AbortController();
  Deno.addSignalListener("SIGTERM", () => controller.abort());
  let peak = 0;
  await runProxy({
    xsub: config.xsub!,
    xpub: config.xpub!,
    engine: config.engine,
    signal: controller.signal,
    statsIntervalMs: 500,
    onReady: () => console.log(JSON.stringify({ event: "ready" })),
    onStats: (stats) => {
      peak = Math.max(peak, stats.bytesPerSec);
      console.log(JSON.stringify({ event: "stats", peakBytesPerSec: peak, ...stats }));
    },
  });
  Deno.exit(0);
}

/** This script again, in the given role, as a child process speaking JSON lines. */
function spawn(role: Role) {
  return spawnDeno(import.meta.url, ["--role", JSON.stringify(role)]);
}

async function scenario(
  name: string,
  path: "loop" | "native" | "direct",
  work: { size?: number; count: number; small?: boolean },
): Promise<void> {
  let proxy;
  let pubEndpoint: string;
  let subEndpoint: string;
  const a = freePort();
  const b = freePort();
  if (path === "direct") {
    pubEndpoint = `tcp://127.0.0.1:${a}`;
    subEndpoint = pubEndpoint;
  } else {
    pubEndpoint = `tcp://127.0.0.1:${a}`;
    subEndpoint = `tcp://127.0.0.1:${b}`;
    proxy = spawn({ role: "proxy", xsub: pubEndpoint, xpub: subEndpoint, engine: path });
    await proxy.next("ready");
  }
  const pub = spawn({ role: "pub", endpoint: pubEndpoint, bind: path === "direct", ...work });
  if (path === "direct") await pub.next("ready");
  const sub = spawn({ role: "sub", endpoint: subEndpoint, ...work });
  const result = await sub.next("result") as {
    received: number;
    perSecond: number;
    bytesPerSecond: number;
    gaps: number;
  };
  await pub.next("done");
  await Promise.all([pub.exit(), sub.exit()]);
  if (proxy) {
    proxy.process.kill("SIGTERM");
    await proxy.exit();
  }
  const figure = work.small
    ? `${(result.perSecond / 1e6).toFixed(2)} M rows/s`
    : `${(result.bytesPerSecond / 1e9).toFixed(2)} GB/s (${
      (result.perSecond / 1e3).toFixed(1)
    } k msg/s)`;
  console.log(
    `${name.padEnd(34)} ${path.padEnd(7)} ${figure}  received ${result.received}/${work.count}` +
      (result.gaps ? ` gaps ${result.gaps}` : ""),
  );
}

const roleIndex = Deno.args.indexOf("--role");
if (roleIndex >= 0) {
  const config: Role = JSON.parse(Deno.args[roleIndex + 1]);
  if (config.role === "pub") await publisherRole(config);
  else if (config.role === "sub") await subscriberRole(config);
  else await proxyRole(config);
} else {
  const quick = Deno.args.includes("--quick");
  const big = { size: 65536, count: quick ? 5000 : 20000 };
  const small = { small: true, count: quick ? 500_000 : 3_000_000 };
  console.log(`remote link throughput, tcp loopback, ${navigator.hardwareConcurrency} cores`);
  for (const path of ["direct", "loop", "native"] as const) {
    await scenario("64 KiB payloads", path, big);
  }
  for (const path of ["direct", "loop", "native"] as const) {
    await scenario("small msgpack events (batched 256)", path, small);
  }
}
