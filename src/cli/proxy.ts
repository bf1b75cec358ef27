/** `daq proxy`: the ZeroMQ proxy between the `remote` jobs of several supervisors. */
import {
  CurveKeyFileError,
  listensBeyondLoopback,
  openEndpointWarning,
  readCurveKeyFile,
  RemoteEndpointError,
  runProxy,
} from "../remote/mod.ts";
import type { ProxyStats } from "../remote/mod.ts";
import { isZ85Key } from "../remote/_z85.ts";
import { parseCommandArgs, UsageError } from "./_args.ts";
import { formatMBps } from "./status.ts";

/** Usage text of `daq proxy`. */
export const PROXY_USAGE = `Usage: daq proxy [options]

Runs the proxy that links supervisors: their remote jobs publish to the XSUB side
(publish_endpoint) and subscribe at the XPUB side (subscribe_endpoints). Shows messages/s,
MB/s and subscribers; stop with Ctrl-C or SIGTERM.

Options:
  --xsub ENDPOINT       where publishers connect (default tcp://127.0.0.1:5556; other
                        hosts reach tcp://*:5556, with CURVE unless the network is trusted)
  --xpub ENDPOINT       where subscribers connect (default tcp://127.0.0.1:5557)
  --stats-json FILE     write stats as NDJSON, one line per second
  --quiet               no live stats, only errors
  --curve-keys FILE     CURVE: the proxy's key pair (daq keygen --out FILE); clients then
                        set curve_server_key to its public key
  --allow-key KEY       CURVE: accept only these client public keys (repeat the option)
  --hwm N               high-water mark in messages (default 1000)
  --on-hwm block|drop   a subscriber at its hwm: slow publishers down (default) or drop, counted
  --engine loop|native  loop (default): forwards in JavaScript and counts messages, bytes and
                        subscribers; native: ZeroMQ's own proxy thread, about a third faster
                        for large messages (see docs/benchmarks.md) but with no counters, so
                        only with --on-hwm block (nothing dropped)
  -h, --help            this help

Exit codes: 0 clean stop, 1 bad usage, bad endpoint or port in use.`;

/** One plain line of proxy figures. */
export function proxyLine(s: ProxyStats): string {
  if (s.engine === "native") {
    return `proxy ${(s.uptimeMs / 1000).toFixed(1)} s: native engine (ZeroMQ's own proxy: ` +
      `no message counters; publishers slowed down, nothing dropped, at the hwm)`;
  }
  return `proxy ${(s.uptimeMs / 1000).toFixed(1)} s: ${s.messagesPerSec.toFixed(0)} msgs/s, ${
    formatMBps(s.bytesPerSec)
  } MB/s, ${s.subscribers} subscribers, ${s.topics} topics, ${s.messages} msgs, ${s.drops} drops`;
}

/** Runs `daq proxy` with `args`; resolves to the exit code. */
export async function proxyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("proxy", args, {
    xsub: { type: "string", default: "tcp://127.0.0.1:5556" },
    xpub: { type: "string", default: "tcp://127.0.0.1:5557" },
    "stats-json": { type: "string" },
    quiet: { type: "boolean" },
    "curve-keys": { type: "string" },
    "allow-key": { type: "string", multiple: true },
    hwm: { type: "string" },
    "on-hwm": { type: "string", default: "block" },
    engine: { type: "string", default: "loop" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(PROXY_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`daq proxy takes no arguments`);
  const hwm = values.hwm === undefined ? 1000 : Number(values.hwm);
  if (!Number.isInteger(hwm) || hwm <= 0) {
    throw new UsageError(`--hwm: expected a positive integer, got "${values.hwm}"`);
  }
  const onHwm = values["on-hwm"];
  if (onHwm !== "block" && onHwm !== "drop") {
    throw new UsageError(`--on-hwm: expected "block" or "drop", got "${onHwm}"`);
  }
  const engine = values.engine;
  if (engine !== "loop" && engine !== "native") {
    throw new UsageError(`--engine: expected "loop" or "native", got "${engine}"`);
  }
  if (engine === "native" && onHwm === "drop") {
    throw new UsageError(
      "--engine native cannot count drops: use --on-hwm block with it, or the loop engine",
    );
  }
  const allowed = values["allow-key"];
  if (allowed && !values["curve-keys"]) {
    throw new UsageError("--allow-key needs --curve-keys (the proxy's own key pair)");
  }
  const bad = allowed?.find((k) => !isZ85Key(k));
  if (bad !== undefined) {
    throw new UsageError(`--allow-key "${bad}": expected a 40-character Z85 public key`);
  }
  let curve: { publicKey: string; secretKey: string; allowedClientKeys?: string[] } | undefined;
  if (values["curve-keys"]) {
    try {
      curve = { ...readCurveKeyFile(values["curve-keys"]), allowedClientKeys: allowed };
    } catch (e) {
      if (e instanceof CurveKeyFileError) throw new UsageError(`--curve-keys: ${e.message}`);
      throw e;
    }
  }
  let statsFile: Deno.FsFile | undefined;
  if (values["stats-json"]) {
    try {
      statsFile = Deno.openSync(values["stats-json"], {
        write: true,
        create: true,
        truncate: true,
      });
    } catch (e) {
      throw new UsageError(`--stats-json ${values["stats-json"]}: ${(e as Error).message}`);
    }
  }

  const tty = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  const write = (text: string) => Deno.stderr.writeSync(encoder.encode(text));
  if (!curve) {
    for (const endpoint of [values.xsub, values.xpub].filter(listensBeyondLoopback)) {
      write(`daq proxy: warning: ${openEndpointWarning(endpoint, "--curve-keys")}\n`);
    }
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  let drawn = false;
  try {
    const final = await runProxy({
      xsub: values.xsub,
      xpub: values.xpub,
      hwm,
      onHwm,
      engine,
      curve,
      signal: stop.signal,
      onReady: (bound) => {
        write(
          `daq proxy: publishers connect to ${bound.xsub}, subscribers to ${bound.xpub}${
            curve ? ` (CURVE${allowed ? `, ${allowed.length} allowed keys` : ""})` : ""
          }\n`,
        );
      },
      onStats: (s) => {
        statsFile?.writeSync(encoder.encode(JSON.stringify({ time: new Date(), ...s }) + "\n"));
        if (values.quiet) return;
        if (tty) {
          write(`${drawn ? "\x1b[1F\x1b[2K" : ""}${proxyLine(s)}\n`);
          drawn = true;
        } else write(`${proxyLine(s)}\n`);
      },
    });
    statsFile?.writeSync(encoder.encode(JSON.stringify({ time: new Date(), ...final }) + "\n"));
    write(
      engine === "native"
        ? "daq proxy: stopped\n"
        : `daq proxy: stopped; ${final.messages} messages, ${final.bytes} bytes forwarded\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof RemoteEndpointError) {
      console.error(`error: daq proxy: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    statsFile?.close();
  }
}
