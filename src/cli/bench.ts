/** `daq bench`: stress-test the whole pipeline. */
import { formatBytes, parseSize } from "../config/units.ts";
import { MAX_RING_BYTES } from "../config/load.ts";
import { folderProblem } from "../config/_schema.ts";
import {
  type JobType,
  type OverflowPolicy,
  ringMessageLimit,
  type TransportKind,
} from "../config/types.ts";
import { loadJobModule } from "../job/module.ts";
import { resolve } from "node:path";
import {
  availableBenchStores,
  BENCH_STORES,
  benchMessageBytes,
  defaultBenchRingBytes,
  runBench,
} from "../bench/run.ts";
import { benchLiveLines, benchSummary } from "../bench/report.ts";
import { durationOption, parseCommandArgs, UsageError } from "./_args.ts";

/** Most clients `daq bench` starts (each is a Worker). */
const MAX_CLIENTS = 64;

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
  --store-option K=V   a config key for every store, as TOML (e.g. compression="lz4"); repeat
                       for several
  --processor MODULE   a job module (processor) between the clients and the stores: the
                       clients feed it, it feeds every store (e.g. bench/jobs/passthrough.ts)
  --transport T        ring (default) or postmessage
  --rate N             messages/s per client (default: as fast as possible)
  --policy P           block (default), drop-newest or drop-oldest
  --ring-size SIZE     ring per route (default: the smallest power of two that holds 2.5
                       messages, at least 1MiB, at most 64MiB)
  --data-dir DIR       where file stores write (default: a new temporary folder)
  --json FILE          write every figure, with machine facts, as JSON
  -h, --help           this help

At most ${MAX_CLIENTS} clients; a message must fit half of a ring of at most 1GiB, and all rings
together (clients x stores) at most half of this machine's memory. These are checked before
the run starts.

Exit codes: 0 the run completed (drops by a drop-newest or drop-oldest policy are counted and
shown, "lossless: no"); 1 bad usage; 2 a store failed; 3 messages were lost on a block route.`;

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
    "store-option": { type: "string", multiple: true },
    processor: { type: "string" },
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
  const storeOptions = values["store-option"] ?? [];
  for (const option of storeOptions) {
    if (!/^[a-z_][a-z0-9_]*\s*=\s*\S/.test(option)) {
      throw new UsageError(`--store-option: expected KEY=VALUE (VALUE in TOML), got "${option}"`);
    }
  }
  const transport = values.transport ?? "ring";
  if (transport !== "ring" && transport !== "postmessage") {
    throw new UsageError(`--transport: expected ring or postmessage, got "${transport}"`);
  }
  const policy = values.policy ?? "block";
  if (!["block", "drop-newest", "drop-oldest"].includes(policy)) {
    throw new UsageError(`--policy: expected block, drop-newest or drop-oldest, got "${policy}"`);
  }
  const clients = positiveInt("clients", values.clients, 1);
  if (clients > MAX_CLIENTS) {
    throw new UsageError(`--clients: at most ${MAX_CLIENTS}, got ${clients}`);
  }
  const payloadRows = positiveInt("payload-rows", values["payload-rows"], 1000);
  let payloadBytes: number | undefined;
  if (values["payload-bytes"] !== undefined) {
    payloadBytes = parseSize(values["payload-bytes"]);
    if (payloadBytes === undefined || payloadBytes <= 0 || !Number.isSafeInteger(payloadBytes)) {
      throw new UsageError(
        `--payload-bytes: expected a positive size, got "${values["payload-bytes"]}"`,
      );
    }
  }
  const messageBytes = benchMessageBytes(payloadRows, payloadBytes);
  const payloadOption = payloadBytes !== undefined
    ? `--payload-bytes ${values["payload-bytes"]}`
    : `--payload-rows ${payloadRows}`;
  if (messageBytes > ringMessageLimit(MAX_RING_BYTES)) {
    throw new UsageError(
      `${payloadOption}: messages of ${formatBytes(messageBytes)} do not fit the largest ring ` +
        `(1GiB takes messages of at most 512MiB)`,
    );
  }
  const ringBytes = values["ring-size"] === undefined
    ? defaultBenchRingBytes(messageBytes)
    : parseSize(values["ring-size"]);
  if (
    ringBytes === undefined || ringBytes < 65536 || ringBytes > MAX_RING_BYTES ||
    !Number.isSafeInteger(ringBytes)
  ) {
    throw new UsageError(
      `--ring-size: expected a size from 64KiB to 1GiB, got "${values["ring-size"]}"`,
    );
  }
  if (messageBytes > ringMessageLimit(ringBytes)) {
    throw new UsageError(
      `--ring-size ${values["ring-size"]}: a ring takes messages of at most half its size; ` +
        `${payloadOption} makes messages of ${formatBytes(messageBytes)}`,
    );
  }
  const ringsBytes = clients * stores.length * 2 ** Math.ceil(Math.log2(ringBytes));
  const memory = Deno.systemMemoryInfo().total;
  if (ringsBytes > memory / 2) {
    throw new UsageError(
      `${clients} clients x ${stores.length} stores x ${formatBytes(ringBytes)} rings = ` +
        `${formatBytes(ringsBytes)}, more than half of this machine's ${formatBytes(memory)}`,
    );
  }
  let rate: number | undefined;
  if (values.rate !== undefined) {
    rate = Number(values.rate);
    if (!(rate > 0) || !Number.isFinite(rate)) {
      throw new UsageError(`--rate: expected a positive number, got "${values.rate}"`);
    }
  }
  const durationMs = durationOption("duration", values.duration) ?? 10_000;
  const warmupMs = values.warmup === "0s" || values.warmup === "0"
    ? 0
    : durationOption("warmup", values.warmup) ?? 2000;
  if (values["data-dir"] !== undefined) {
    const problem = folderProblem(values["data-dir"]);
    if (problem) throw new UsageError(`--data-dir: ${problem}`);
  }
  // Found out now, not after the run: the file is opened before it starts.
  let jsonFile: Deno.FsFile | undefined;
  if (values.json !== undefined) {
    try {
      jsonFile = await Deno.open(values.json, { write: true, create: true, truncate: true });
    } catch (e) {
      throw new UsageError(`--json ${values.json}: cannot write: ${(e as Error).message}`);
    }
  }
  let processor: { path: string; type: JobType } | undefined;
  if (values.processor !== undefined) {
    const path = resolve(values.processor);
    let type: JobType;
    try {
      type = await loadJobModule(path);
    } catch (e) {
      throw new UsageError(`--processor ${values.processor} (${path}): ${(e as Error).message}`);
    }
    if (type.role !== "processor") {
      throw new UsageError(`--processor ${values.processor}: a ${type.role}, not a processor`);
    }
    processor = { path, type };
  }
  const dataDir = values["data-dir"] ?? await Deno.makeTempDir({ prefix: "daq-bench-" });
  const tty = Deno.stderr.isTerminal();
  let drawn = 0;
  const enc = new TextEncoder();
  const write = (s: string) => Deno.stderr.writeSync(enc.encode(s));
  const report = await runBench({
    clients,
    payloadRows,
    payloadBytes,
    durationMs,
    warmupMs,
    stores,
    storeOptions,
    processor,
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
  if (jsonFile) {
    const bytes = new TextEncoder().encode(JSON.stringify(report, null, 2) + "\n");
    for (let off = 0; off < bytes.length;) off += await jsonFile.write(bytes.subarray(off));
    jsonFile.close();
  }
  const failed = report.stores.filter((s) => s.state !== "finished");
  if (failed.length) {
    console.error(`error: failed: ${failed.map((s) => `store-${s.name}`).join(", ")}`);
    return 2;
  }
  if (policy === "block" && !report.lossless) {
    console.error("error: messages were lost on a block (lossless) route");
    return 3;
  }
  return 0;
}
