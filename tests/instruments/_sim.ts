// Starts the Python simulators of tests/instruments/ and follows their JSON-line events.
import { compileLayout, type PacketLayout } from "../../src/instruments/mod.ts";

/** A running simulator. */
export interface Simulator {
  process: Deno.ChildProcess;
  /** Every event so far. */
  events: Record<string, unknown>[];
  /** Waits for the next event named `event` not yet taken (by this call). */
  next(event: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Events named `event` so far. */
  all(event: string): Record<string, unknown>[];
  /** Kills it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

export const PYTHON = "/usr/bin/python3";

/** The packets sim_udp.py sends (little-endian): seq uint32, t_ns uint64, adc int16 x 256. */
export const SIM_UDP_LAYOUT: PacketLayout = compileLayout({
  byteOrder: "little",
  sequence: "seq",
  fields: [
    { name: "seq", type: "uint32" },
    { name: "t_ns", type: "uint64" },
    { name: "adc", type: "int16", count: 256 },
  ],
});

/**
 * Runs `python3 tests/instruments/sim_udp.py ARGS` to its end and returns what it printed it
 * sent: `sent` packets, and with `--plant` the `gaps`, `reordered`, `duplicates` and
 * `malformed` it planted.
 */
export async function runSimUdp(args: string[]): Promise<Record<string, number>> {
  const out = await new Deno.Command(PYTHON, {
    args: [simPath("sim_udp.py"), ...args],
    stdout: "piped",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** The path of a simulator script in this folder. */
export function simPath(name: string): string {
  return new URL(name, import.meta.url).pathname;
}

/** Starts `python3 tests/instruments/<script> ARGS`. */
export function startSimulator(script: string, args: string[]): Simulator {
  const process = new Deno.Command(PYTHON, {
    args: ["-u", simPath(script), ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const events: Record<string, unknown>[] = [];
  const taken = new Map<string, number>();
  let wake: (() => void) | undefined;
  let ended = false;
  const reading = (async () => {
    let buffered = "";
    for await (const chunk of process.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
      wake?.();
    }
    ended = true;
    wake?.();
  })();
  const all = (event: string) => events.filter((e) => e.event === event);
  return {
    process,
    events,
    all,
    async next(event, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = taken.get(event) ?? 0;
        const found = all(event)[index];
        if (found) {
          taken.set(event, index + 1);
          return found;
        }
        if (ended) throw new Error(`${script} ended before "${event}"`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${script}: no "${event}" within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    async stop() {
      try {
        process.kill("SIGTERM");
      } catch {
        // already gone
      }
      await process.status;
      await reading;
    },
  };
}
