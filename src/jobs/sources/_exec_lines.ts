/**
 * Running a program and reading its output lines as rows: stdout through a line framer and
 * a line parser, stderr lines logged, lines that do not parse counted and the first of each
 * kind logged. When the program exits, {@link ProgramExited} is thrown (the supervisor's
 * restart policy starts it again); a stop ends it (SIGTERM, then SIGKILL after a second).
 */
import { type LineColumn, type LineFormat, LineFramer, parseLine } from "../../instruments/mod.ts";

/** The program ended by itself. */
export class ProgramExited extends Error {
  override name = "ProgramExited";
}

/** Options of {@link runProgram}. */
export interface ProgramOptions {
  command: string[];
  format: LineFormat;
  columns: LineColumn[];
  batchRows: number;
  batchIntervalMs: number;
  /** Longest line kept, bytes (longer ones are counted and skipped). */
  maxLineBytes: number;
}

/** Where the rows and counts go. */
export interface ProgramReport {
  /** Sends rows: `timestamp_ns` (when each line was read) and one array per column. */
  batch(timestampNs: BigInt64Array, columns: (Float64Array | BigInt64Array)[]): Promise<void>;
  figure(name: string, value: number): void;
  log(text: string): void;
  warn(text: string): void;
}

/** Runs the program until it exits (throws {@link ProgramExited}) or `signal` aborts. */
export async function runProgram(
  o: ProgramOptions,
  report: ProgramReport,
  signal: AbortSignal,
): Promise<void> {
  const [program, ...args] = o.command;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .spawn();
  } catch (e) {
    throw new ProgramExited(`cannot start ${JSON.stringify(program)}: ${(e as Error).message}`);
  }
  const counts = {
    lines: 0,
    rows: 0,
    bad_lines: 0,
    header_lines: 0,
    long_lines: 0,
    stderr_lines: 0,
  };
  const publish = () => {
    for (const [k, v] of Object.entries(counts)) report.figure(k, v);
  };
  publish();
  const kinds = new Set<string>();
  const timestamps = new BigInt64Array(o.batchRows);
  const columns = o.columns.map((c) =>
    c.type === "int64" ? new BigInt64Array(o.batchRows) : new Float64Array(o.batchRows)
  );
  let rows = 0;
  let firstAt = 0;
  const flush = async () => {
    if (rows === 0) return;
    const n = rows;
    rows = 0;
    counts.rows += n;
    await report.batch(timestamps.subarray(0, n), columns.map((c) => c.subarray(0, n)));
    publish();
  };
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    try {
      child.kill("SIGTERM");
      killTimer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // gone
        }
      }, 1000);
    } catch {
      // already gone
    }
  };
  signal.addEventListener("abort", onAbort, { once: true });
  const stderr = (async () => {
    const framer = new LineFramer({ terminator: "\n", maxBytes: 4096 });
    const dec = new TextDecoder();
    for await (const chunk of child.stderr) {
      framer.push(chunk);
      for (let f = framer.next(); f; f = framer.next()) {
        counts.stderr_lines++;
        if (f.kind === "line") report.log(`${program}: ${dec.decode(f.bytes).trimEnd()}`);
      }
    }
  })();
  const framer = new LineFramer({ terminator: "\n", maxBytes: o.maxLineBytes });
  const dec = new TextDecoder();
  const reader = child.stdout.getReader();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  // One read in flight at a time: a batch timer that fires first must not lose its chunk.
  let pendingRead: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  try {
    for (;;) {
      pendingRead ??= reader.read();
      // A batch waits for more lines at most batch_interval.
      const wait = rows > 0 ? Math.max(0, firstAt + o.batchIntervalMs - performance.now()) : -1;
      let read: ReadableStreamReadResult<Uint8Array> | "flush";
      if (wait >= 0) {
        read = await Promise.race([
          pendingRead,
          new Promise<"flush">((r) => flushTimer = setTimeout(() => r("flush"), wait)),
        ]);
        clearTimeout(flushTimer);
        if (read === "flush") {
          await flush();
          continue;
        }
      } else {
        read = await pendingRead;
      }
      pendingRead = undefined;
      if (read.done) break;
      const nowNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
      framer.push(read.value);
      for (let f = framer.next(); f; f = framer.next()) {
        counts.lines++;
        if (f.kind === "overflow") {
          counts.long_lines++;
          if (!kinds.has("long")) {
            kinds.add("long");
            report.warn(
              `a line of ${f.bytes} bytes is longer than max_line (${o.maxLineBytes}): skipped (counted as long_lines)`,
            );
          }
          continue;
        }
        const line = dec.decode(f.bytes);
        const r = parseLine(line, o.format, o.columns);
        if (r.ok === "header") {
          counts.header_lines++;
          continue;
        }
        if (r.ok === false) {
          counts.bad_lines++;
          if (!kinds.has(r.kind) && kinds.size < 100) {
            kinds.add(r.kind);
            const shown = line.length > 200 ? `${line.slice(0, 200)}...` : line;
            report.warn(`line does not parse (${r.kind}): ${JSON.stringify(shown)}`);
          }
          continue;
        }
        if (rows === 0) firstAt = performance.now();
        timestamps[rows] = nowNs;
        for (let c = 0; c < columns.length; c++) {
          (columns[c] as Float64Array)[rows] = r.values[c] as number;
        }
        rows++;
        if (rows === o.batchRows) await flush();
      }
    }
    await flush();
  } finally {
    clearTimeout(flushTimer);
    reader.releaseLock();
  }
  const status = await child.status;
  clearTimeout(killTimer);
  signal.removeEventListener("abort", onAbort);
  await stderr;
  publish();
  if (signal.aborted) return;
  const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
  throw new ProgramExited(`${o.command.join(" ")} ${how} after ${counts.lines} lines`);
}
