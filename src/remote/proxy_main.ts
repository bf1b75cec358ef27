/**
 * Standalone proxy process. Prints one JSON object per line on stdout: `{"event":"ready",...}`
 * once bound, then `{"event":"stats",...}` every interval, `{"event":"stopped",...}` on SIGINT
 * or SIGTERM.
 *
 * ```sh
 * deno run --allow-ffi --allow-read --allow-env src/remote/proxy_main.ts \
 *   --xsub tcp://*:5556 --xpub tcp://*:5557 [--stats-interval-ms 1000] [--engine loop|native]
 *   [--on-hwm block|drop] [--curve-public KEY --curve-secret KEY [--allow-key KEY]...]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runProxy } from "./proxy.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    xsub: { type: "string", default: "tcp://127.0.0.1:5556" },
    xpub: { type: "string", default: "tcp://127.0.0.1:5557" },
    "stats-interval-ms": { type: "string", default: "1000" },
    engine: { type: "string", default: "loop" },
    "on-hwm": { type: "string", default: "block" },
    hwm: { type: "string", default: "1000" },
    "curve-public": { type: "string" },
    "curve-secret": { type: "string" },
    "allow-key": { type: "string", multiple: true },
  },
});

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => controller.abort());
}
const print = (object: Record<string, unknown>) => console.log(JSON.stringify(object));
const curve = values["curve-public"] && values["curve-secret"]
  ? {
    publicKey: values["curve-public"],
    secretKey: values["curve-secret"],
    allowedClientKeys: values["allow-key"],
  }
  : undefined;

try {
  const final = await runProxy({
    xsub: values.xsub,
    xpub: values.xpub,
    statsIntervalMs: Number(values["stats-interval-ms"]),
    engine: values.engine as "loop" | "native",
    onHwm: values["on-hwm"] as "block" | "drop",
    hwm: Number(values.hwm),
    curve,
    signal: controller.signal,
    onReady: (bound) => print({ event: "ready", ...bound }),
    onStats: (stats) => print({ event: "stats", ...stats }),
  });
  print({ event: "stopped", ...final });
  Deno.exit(0);
} catch (error) {
  console.error(`proxy: ${error instanceof Error ? error.message : error}`);
  Deno.exit(1);
}
