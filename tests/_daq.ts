// Runs the `daq` command line as a real subprocess, with the permissions `deno task daq` gives.
import type { ChannelSpec } from "../src/jobs/sources/signal.ts";
export const DAQ_ARGS = [
  "run",
  "--no-prompt",
  "--unstable-worker-options",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
  "--allow-net",
  "--allow-run",
  // As the ./daq launcher: the import map (daq/job for job modules anywhere on disk).
  "--config",
  new URL("../deno.json", import.meta.url).pathname,
  new URL("../main.ts", import.meta.url).pathname,
];

export interface DaqResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `daq ARGS` to the end. */
export async function runDaq(args: string[], options: { cwd?: string } = {}): Promise<DaqResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...DAQ_ARGS, ...args],
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Starts `daq ARGS` and returns the child, with piped output. */
export function spawnDaq(args: string[], options: { cwd?: string } = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [...DAQ_ARGS, ...args],
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** The folder of the first run in a data dir: what a single `daq run` writes under. */
export const FIRST_RUN = "run000001";

/** `run DIR/lab.toml --data-dir DIR/data --stats-json DIR/stats.ndjson`: the usual test run. */
export function runLabArgs(dir: string): string[] {
  return [
    "run",
    `${dir}/lab.toml`,
    "--data-dir",
    `${dir}/data`,
    "--stats-json",
    `${dir}/stats.ndjson`,
  ];
}

/** Reads the NDJSON stats file written by `--stats-json`. */
export async function readStats(
  path: string,
): Promise<import("../src/supervisor/stats.ts").StatsSnapshot[]> {
  const text = await Deno.readTextFile(path);
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

/**
 * A `signal` job as TOML: `name` (default "sim"), `seed`, `rate_hz`, `batch_rows` and
 * `max_batches` when given, then `extra` lines, then one channel table per channel.
 */
export function signalJob(o: {
  name?: string;
  seed: number;
  rateHz?: number;
  batchRows?: number;
  maxBatches?: number;
  extra?: string;
  channels: readonly ChannelSpec[];
}): string {
  const lines = [
    "[[jobs]]",
    'type = "signal"',
    `name = "${o.name ?? "sim"}"`,
    `seed = ${o.seed}`,
    ...(o.rateHz === undefined ? [] : [`rate_hz = ${o.rateHz}`]),
    ...(o.batchRows === undefined ? [] : [`batch_rows = ${o.batchRows}`]),
    ...(o.maxBatches === undefined ? [] : [`max_batches = ${o.maxBatches}`]),
    o.extra ?? "",
    channelTables(o.channels),
  ];
  return `\n${lines.join("\n")}\n`;
}

/** The `[[jobs.channels]]` tables of a `signal` job, one per channel. */
export function channelTables(channels: readonly ChannelSpec[]): string {
  return channels.map((c) =>
    `[[jobs.channels]]\n${
      Object.entries(c).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join("\n")
    }`
  ).join("\n");
}
