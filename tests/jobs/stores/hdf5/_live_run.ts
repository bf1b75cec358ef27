// Helpers for the store.hdf5 tests: configs with a deterministic source, and the independent
// readers (Debian's h5py and h5dump) that check what lands in the files.
import assert from "node:assert/strict";
import { type ChannelSpec, signalValue } from "../../../../src/jobs/sources/signal.ts";
import { type DaqResult, runDaq, runLabArgs, signalJob, spawnDaq } from "../../../_daq.ts";
import { MAGIC } from "../../../../src/dataplane/_layout.ts";

/** Debian's Python, which has h5py and numpy (another `python3` may come first on PATH). */
export const PYTHON = "/usr/bin/python3";

export const CHANNELS: ChannelSpec[] = [
  { name: "sine", shape: "sine", freq_hz: 50, amplitude: 2, offset: 0.5, unit: "V" },
  { name: "noise", shape: "noise", freq_hz: 1, amplitude: 0.1, offset: 0, unit: "mV" },
  { name: "square", shape: "square", freq_hz: 20, amplitude: 1, offset: 0, unit: "A" },
];
export const RATE_HZ = 100000;
export const SEED = 7;

/** A second deterministic source, for stores with two input keys. */
export const SECOND = {
  name: "sim2",
  seed: 11,
  channels: [
    { name: "ramp", shape: "square", freq_hz: 5, amplitude: 3, offset: 1, unit: "mA" },
    { name: "hiss", shape: "noise", freq_hz: 1, amplitude: 0.5, offset: -1, unit: "uV" },
  ] as ChannelSpec[],
};

/** A fresh supervisor id, so that ring files in /dev/shm never collide between tests. */
export function freshId(): string {
  return `h5t${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Runs `fn` with a fresh temp dir and supervisor id, then removes the dir and the default ring
 * file (or folder of them) of the store.hdf5 job "h5".
 */
export async function withRun(fn: (dir: string, id: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const id = freshId();
  try {
    await fn(dir, id);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(`/dev/shm/daq-${id}-h5.ring`).catch(() => {});
    await Deno.remove(`/dev/shm/daq-${id}-h5.rings`, { recursive: true }).catch(() => {});
  }
}

/** Writes `toml` to DIR/lab.toml and runs it to the end: `daq` {@link runLabArgs} `extra`. */
export async function runConfig(
  dir: string,
  toml: string,
  extra: string[] = [],
): Promise<DaqResult> {
  await Deno.writeTextFile(`${dir}/lab.toml`, toml);
  return await runDaq([...runLabArgs(dir), ...extra]);
}

/**
 * A config: `signal` jobs "sim" (as in hdf5Config) and "sim2" ({@link SECOND}), both
 * `maxBatches` batches of 500 rows at RATE_HZ, into one store.hdf5 job "h5"; with `single`,
 * "sim" alone; `inputs` of the store (default the two names).
 */
export function twoSourceConfig(
  opts: { id: string; maxBatches: number; store?: string; single?: boolean; inputs?: string[] },
): string {
  const source = (name: string, seed: number, channels: ChannelSpec[]) =>
    signalJob({
      name,
      seed,
      rateHz: RATE_HZ,
      batchRows: 500,
      maxBatches: opts.maxBatches,
      channels,
    });
  return `
[supervisor]
id = "${opts.id}"
stats_interval = "50ms"
restart_backoff = "100ms"
restart_limit = 1
${source("sim", SEED, CHANNELS)}
${opts.single ? "" : source(SECOND.name, SECOND.seed, SECOND.channels)}
[[jobs]]
type = "store.hdf5"
name = "h5"
inputs = ${JSON.stringify(opts.inputs ?? (opts.single ? ["sim"] : ["sim", SECOND.name]))}
date_in_name = false
flush_interval = "200ms"
${opts.store ?? ""}
`;
}

/** A config: `signal` job "sim" (with `source` lines added) into a store.hdf5 job "h5". */
export function hdf5Config(
  opts: { id: string; source?: string; store?: string; extraJobs?: string },
): string {
  return `
[supervisor]
id = "${opts.id}"
stats_interval = "50ms"
restart_backoff = "100ms"
restart_limit = 1

${
    signalJob({
      seed: SEED,
      rateHz: RATE_HZ,
      batchRows: 500,
      extra: opts.source,
      channels: CHANNELS,
    })
  }

[[jobs]]
type = "store.hdf5"
name = "h5"
inputs = ["sim"]
date_in_name = false
${opts.store?.includes("flush_interval") ? "" : 'flush_interval = "200ms"'}
${opts.store ?? ""}
${opts.extraJobs ?? ""}
`;
}

/** What h5py sees in one file: root attributes, per-dataset values and attributes. */
export interface H5File {
  attrs: Record<string, string | number>;
  groupAttrs: Record<string, Record<string, string | number>>;
  /** Dataset path -> values (int64 as decimal strings, floats as numbers). */
  data: Record<string, (number | string)[]>;
  dataAttrs: Record<string, Record<string, string | number>>;
}

const DUMP = `
import json, sys, h5py, numpy as np
def a(v):
    if isinstance(v, bytes): return v.decode()
    if isinstance(v, np.generic): v = v.item()
    if isinstance(v, np.ndarray): return [a(x) for x in v.tolist()]
    return v
out = {"attrs": {}, "groupAttrs": {}, "data": {}, "dataAttrs": {}}
with h5py.File(sys.argv[1], "r") as f:
    out["attrs"] = {k: a(v) for k, v in f.attrs.items()}
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            arr = obj[()]
            out["data"][name] = [str(x) for x in arr.tolist()] if arr.dtype.kind in "iu" else arr.tolist()
            out["dataAttrs"][name] = {k: a(v) for k, v in obj.attrs.items()}
        else:
            out["groupAttrs"][name] = {k: a(v) for k, v in obj.attrs.items()}
    f.visititems(visit)
print(json.dumps(out))
`;

/** Reads a whole HDF5 file with h5py. */
export async function readH5(path: string): Promise<H5File> {
  const out = await new Deno.Command(PYTHON, { args: ["-c", DUMP, path] }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `h5py could not read ${path}: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(text);
}

/** Runs h5dump on `path` and returns its output (asserts it succeeded). */
export async function h5dump(path: string, args: string[] = ["-H"]): Promise<string> {
  const out = await new Deno.Command("h5dump", { args: [...args, path] }).output();
  assert.ok(out.success, `h5dump failed on ${path}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/** The .h5 files in `dir`, sorted by name. */
export function h5Files(dir: string): string[] {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return entries.map((e) => e.name).filter((n) => n.endsWith(".h5")).sort()
    .map((n) => `${dir}/${n}`);
}

/** Source columns of a file in either layout, batches concatenated in order. */
export function columnsOf(file: H5File, source = "sim"): Record<string, (number | string)[]> {
  if (file.attrs.layout === "append") {
    const out: Record<string, (number | string)[]> = {};
    for (const [path, values] of Object.entries(file.data)) {
      const [group, name] = path.split("/");
      if (group === source && !name.startsWith("_")) out[name] = values;
    }
    return out;
  }
  const groups = Object.keys(file.groupAttrs).filter((g) =>
    /^measurements\/batch_\d+$/.test(g) && file.groupAttrs[g].source === source
  ).sort();
  const out: Record<string, (number | string)[]> = {};
  for (const g of groups) {
    for (const [path, values] of Object.entries(file.data)) {
      if (!path.startsWith(`${g}/`)) continue;
      const name = path.slice(g.length + 1);
      (out[name] ??= []).push(...values);
    }
  }
  return out;
}

/**
 * Asserts that `columns` hold exactly what the source generated for samples `first ..`:
 * timestamps 1/rate apart, each channel recomputed with `signalValue`.
 */
export function assertSignalValues(
  columns: Record<string, (number | string)[]>,
  first = 0,
  rateHz = RATE_HZ,
  source: { channels: ChannelSpec[]; seed: number } = { channels: CHANNELS, seed: SEED },
): number {
  const ts = columns.timestamp_ns;
  assert.ok(ts && ts.length > 0, "timestamp_ns column present and not empty");
  const t0 = BigInt(ts[0]);
  for (let i = 0; i < ts.length; i++) {
    assert.equal(BigInt(ts[i]) - t0, BigInt(i * 1e9 / rateHz), `timestamp of row ${i}`);
  }
  assert.deepEqual(
    Object.keys(columns).sort(),
    ["timestamp_ns", ...source.channels.map((c) => c.name)].sort(),
    "columns",
  );
  for (const ch of source.channels) {
    const values = columns[ch.name];
    assert.equal(values.length, ts.length, `${ch.name}: as many rows as timestamps`);
    for (let i = 0; i < values.length; i++) {
      assert.equal(values[i], signalValue(ch, first + i, rateHz, source.seed), `${ch.name}[${i}]`);
    }
  }
  return ts.length;
}

/** The last snapshot in which job `name` reported its own figures (done jobs report none). */
export function lastFigures(
  stats: import("../../../../src/supervisor/stats.ts").StatsSnapshot[],
  name: string,
): Record<string, number> {
  for (let i = stats.length - 1; i >= 0; i--) {
    const job = stats[i].jobs.find((j) => j.name === name);
    if (job && Object.keys(job.extra).length > 0) return job.extra;
  }
  return {};
}

/** Polls `check` every 50 ms until it returns true or `ms` pass. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** A `daq run` of hdf5Config in the background, with its ring file path. */
export interface LiveRun {
  child: Deno.ChildProcess;
  ring: string;
  /** Sends SIGINT and returns the exit code and stderr. */
  stop(): Promise<{ code: number; stderr: string }>;
}

/**
 * Starts `daq run` of a signal source (`rateHz`, 500-row batches) into store.hdf5 and waits
 * until its ring file exists.
 */
export async function startLiveRun(dir: string, id: string, rateHz: number): Promise<LiveRun> {
  await Deno.writeTextFile(
    `${dir}/lab.toml`,
    hdf5Config({ id, source: `rate_hz = ${rateHz}` }).replace(`rate_hz = ${RATE_HZ}\n`, ""),
  );
  const child = spawnDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`, "--quiet"]);
  const ring = `/dev/shm/daq-${id}-h5.ring`;
  const run: LiveRun = {
    child,
    ring,
    async stop() {
      try {
        child.kill("SIGINT");
      } catch { /* already ended */ }
      const out = await child.output();
      return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
    },
  };
  try {
    // The file exists a moment before the writer has put its header in: wait for the magic.
    const initialized = async () => {
      const head = new Uint8Array(8);
      const n = await Deno.open(ring).then(
        (f) => f.read(head).finally(() => f.close()),
        () => null,
      );
      return n === 8 && new DataView(head.buffer).getBigUint64(0, true) === MAGIC;
    };
    await waitFor(initialized, 15000, ring);
  } catch (e) {
    const { stderr } = await run.stop();
    throw new Error(`${(e as Error).message}; daq run said: ${stderr}`);
  }
  return run;
}
