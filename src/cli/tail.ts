/** `daq tail`: follows a ring file of a live acquisition from its own cursor. */
import {
  ENOENT,
  openRingFile,
  RING_FILE_ARROW_BATCH,
  RingFileError,
  type RingFileReader,
  type RingFileRecord,
} from "../dataplane/mod.ts";
import { parseCommandArgs, UsageError } from "./_args.ts";

/** Usage text of `daq tail`. */
export const TAIL_USAGE =
  `Usage: daq tail RING [--rates] [--from latest|oldest|read_tail] [--count N]

Follows the ring file RING (e.g. /dev/shm/daq-<supervisor>-<job>.ring of a store.hdf5 job)
from its own cursor: it never moves read_tail, so the store's flusher is not disturbed.
Prints one line per record (sequence number, rows, first value of each column), or with
--rates one line per second (records/s, MB/s, records lost by this reader and by the ring).
Ends when the writer closes the ring, after --count records, or on Ctrl-C (exit 0).

Options:
  --rates        one line per second instead of one per record
  --from WHERE   latest (default: only new records), oldest (everything still in the ring)
                 or read_tail (from where the flusher is)
  --count N      stop after N records
  -h, --help     this help`;

function firstValues(rec: RingFileRecord): string {
  if (rec.type !== RING_FILE_ARROW_BATCH) return `${rec.payload.length} raw bytes`;
  const batch = rec.batch;
  const parts = [`rows=${batch.numRows}`];
  for (const field of batch.schema.fields) {
    const value = batch.numRows > 0 ? batch.getChild(field.name)?.get(0) : undefined;
    parts.push(`${field.name}=${value === undefined ? "-" : String(value)}`);
  }
  return parts.join(" ");
}

/** Runs `daq tail`; resolves to the exit code. */
export async function tailCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("tail", args, {
    help: { type: "boolean", short: "h" },
    rates: { type: "boolean" },
    from: { type: "string" },
    count: { type: "string" },
  });
  if (values.help) {
    console.log(TAIL_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("daq tail takes exactly one RING path");
  const from = values.from ?? "latest";
  if (from !== "latest" && from !== "oldest" && from !== "read_tail") {
    throw new UsageError(`--from: expected latest, oldest or read_tail, got "${from}"`);
  }
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (count !== Infinity && !(Number.isInteger(count) && count > 0)) {
    throw new UsageError(`--count: expected a positive integer, got "${values.count}"`);
  }
  let reader: RingFileReader;
  try {
    reader = openRingFile(positionals[0], { startAt: from });
  } catch (e) {
    const message = (e as Error).message;
    const hint = e instanceof RingFileError && e.errno === ENOENT ? " (no such file)" : "";
    console.error(`error: daq tail: ${message}${hint}`);
    return 1;
  }
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  const interrupted = new Promise((r) => stop.signal.addEventListener("abort", r, { once: true }));
  Deno.addSignalListener("SIGINT", onInterrupt);
  const encoder = new TextEncoder();
  const print = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));
  const fields = reader.schema.fields.map((f) => `${f.name}: ${f.type}`).join(", ");
  const source = reader.schema.metadata.get("daq.source");
  console.error(`following ${reader.path}${source ? ` (source "${source}")` : ""}: ${fields}`);

  let seen = 0;
  let window = { records: 0, bytes: 0, at: performance.now() };
  const rates = () => {
    const now = performance.now();
    const s = (now - window.at) / 1000;
    const status = reader.status();
    print(
      `${(window.records / s).toFixed(1)} records/s  ${
        (window.bytes / s / 1e6).toFixed(2)
      } MB/s  ` +
        `lost ${reader.lostRecords} (ring: ${status.lostRecords})  ` +
        `fill ${((status.writeHead - status.readTail) / status.capacityBytes * 100).toFixed(0)}%`,
    );
    window = { records: 0, bytes: 0, at: now };
  };
  /** A ring that became unreadable (truncated, corrupt) while the rates timer looked at it. */
  let failure: RingFileError | undefined;
  const timer = values.rates
    ? setInterval(() => {
      try {
        rates();
      } catch (e) {
        if (!(e instanceof RingFileError)) throw e;
        failure = e;
        stop.abort();
      }
    }, 1000)
    : undefined;
  try {
    while (!stop.signal.aborted && seen < count) {
      const rec = reader.next();
      if (rec === null) {
        if (reader.done) break;
        const waited = reader.waitForData(200);
        waited.catch(() => {}); // a failure after Ctrl-C won the race has nobody to report to
        await Promise.race([waited, interrupted]);
        continue;
      }
      seen++;
      window.records++;
      window.bytes += rec.payload.length;
      if (!values.rates) {
        const lost = rec.lostBefore ? ` (${rec.lostBefore} lost before)` : "";
        print(`seq=${rec.seq} ${firstValues(rec)}${lost}`);
      }
    }
    if (failure) throw failure;
    if (reader.done) console.error("the writer closed the ring");
    if (values.rates) rates();
  } catch (e) {
    if (!(e instanceof RingFileError)) throw e;
    console.error(`error: daq tail: ${e.message}`);
    return 1;
  } finally {
    clearInterval(timer);
    Deno.removeSignalListener("SIGINT", onInterrupt);
    reader.close();
  }
  return 0;
}
