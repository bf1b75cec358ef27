/** `daq bench`: stress-test the whole pipeline. */
import { parseSize } from "../config/units.ts";
import type { OverflowPolicy, TransportKind } from "../config/types.ts";
import {
  availableBenchStores,
  BENCH_STORES,
  defaultBenchRingBytes,
  runBench,
} from "../bench/run.ts";
import { benchLiveLines, benchSummary } from "../bench/report.ts";
import { durationOption, parseCommandArgs, UsageError } from "./_args.ts";

/** Usage text of `daq bench`. */
export const BENCH_USAGE = `Usage: daq bench [options]

Drives the real pipeline (supervisor, Workers, rings, stores) with synthetic load and
reports what the stores actually received and read, live and at the end, with a verdict
line "lossless: yes|no".

Options:
  --clients N          producer jobs (default 1)
  --payload-rows N     rows per message, each an int64 timestamp and a float64 value (default 1000)
  --payload-bytes N    raw byte payloads of N bytes instead of rows (e.g. 65536, 64KiB)
  --duration DUR       measured time (default 10s)
  --warmup DUR         time before measuring (default 2s)
  --store NAME         store to feed; repeat for several (default memory): ${
  Object.keys(BENCH_STORES).join(", ")
}
  --transport T        ring (default) or postmessage
  --rate N             messages/s per client (default: as fast as possible)
  --policy P           block (default), drop-newest or drop-oldest
  --ring-size SIZE     ring per route (default: the smallest power of two that holds 2.5
                       messages, at least 1MiB, at most 64MiB)
  --data-dir DIR       where file stores write (default: a new temporary folder)
  --json FILE          write every figure, with machine facts, as JSON
  -h, --help           this help`;

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    throw new UsageError(`--${name}: expected a positive integer, got "${v}"`);
  }
  return n;
}

/** Runs `daq bench`; resolves to the exit code. */
export async function benchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("bench", args, {
    clients: { type: "string" },
    "payload-rows": { type: "string" },
    "payload-bytes": { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    store: { type: "string", multiple: true },
    transport: { type: "string" },
    rate: { type: "string" },
    policy: { type: "string" },
    "ring-size": { type: "string" },
    "data-dir": { type: "string" },
    json: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  if (positionals.length) {
    throw new UsageError(`daq bench takes no arguments, got "${positionals[0]}"`);
  }
  const stores = values.store ?? ["memory"];
  const available = availableBenchStores();
  for (const s of stores) {
    if (!available.includes(s)) {
      throw new UsageError(`--store: unknown store "${s}"; available: ${available.join(", ")}`);
    }
  }
  if (new Set(stores).size !== stores.length) throw new UsageError("--store: each store once");
  const transport = values.transport ?? "ring";
  if (transport !== "ring" && transport !== "postmessage") {
    throw new UsageError(`--transport: expected ring or postmessage, got "${transport}"`);
  }
  const policy = values.policy ?? "block";
  if (!["block", "drop-newest", "drop-oldest"].includes(policy)) {
    throw new UsageError(`--policy: expected block, drop-newest or drop-oldest, got "${policy}"`);
  }
  let payloadBytes: number | undefined;
  if (values["payload-bytes"] !== undefined) {
    payloadBytes = parseSize(values["payload-bytes"]);
    if (payloadBytes === undefined || payloadBytes <= 0) {
      throw new UsageError(
        `--payload-bytes: expected a positive size, got "${values["payload-bytes"]}"`,
      );
    }
  }
  const ringBytes = values["ring-size"] === undefined
    ? defaultBenchRingBytes(
      payloadBytes ?? positiveInt("payload-rows", values["payload-rows"], 1000) * 16,
    )
    : parseSize(values["ring-size"]);
  if (ringBytes === undefined || ringBytes < 65536) {
    throw new UsageError(
      `--ring-size: expected a size of at least 64KiB, got "${values["ring-size"]}"`,
    );
  }
  let rate: number | undefined;
  if (values.rate !== undefined) {
    rate = Number(values.rate);
    if (!(rate > 0) || !Number.isFinite(rate)) {
      throw new UsageError(`--rate: expected a positive number, got "${values.rate}"`);
    }
  }
  const dataDir = values["data-dir"] ?? await Deno.makeTempDir({ prefix: "daq-bench-" });
  const tty = Deno.stderr.isTerminal();
  let drawn = 0;
  const enc = new TextEncoder();
  const write = (s: string) => Deno.stderr.writeSync(enc.encode(s));
  const report = await runBench({
    clients: positiveInt("clients", values.clients, 1),
    payloadRows: positiveInt("payload-rows", values["payload-rows"], 1000),
    payloadBytes,
    durationMs: durationOption("duration", values.duration) ?? 10_000,
    warmupMs: values.warmup === "0s" || values.warmup === "0"
      ? 0
      : durationOption("warmup", values.warmup) ?? 2000,
    stores,
    transport: transport as TransportKind,
    rate,
    dataDir,
    policy: policy as OverflowPolicy,
    ringBytes,
    onLive: (l) => {
      const lines = benchLiveLines(l);
      if (tty && drawn) write(`\x1b[${drawn}F\x1b[J`);
      write(lines.join("\n") + "\n");
      drawn = tty ? lines.length : 0;
    },
    onLog: (level, text) => {
      if (level !== "info") write(`${level}: ${text}\n`);
    },
  });
  console.log(benchSummary(report));
  if (values["data-dir"] === undefined) await Deno.remove(dataDir, { recursive: true });
  if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(report, null, 2) + "\n");
  return 0;
}
