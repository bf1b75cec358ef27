/**
 * The manifest of a run, `<run folder>/manifest.json`: written when the run is made, rewritten
 * as it goes (files, pauses, settings, counters so far) and completed at its stop, each time
 * atomically (temporary file, then rename). Times are given twice: ISO 8601 UTC and ns since
 * the epoch (a decimal string: ns do not fit a JSON number exactly).
 */
import type { AlarmEvent } from "../alarms/mod.ts";
import { ManifestError } from "./errors.ts";
import { writeFileAtomic } from "./_atomic.ts";

/** The name of a run's manifest file in its folder. */
export const MANIFEST_FILE = "manifest.json";

/** How a run ended: `running` until it does. */
export type RunStatus = "running" | "success" | "abort" | "fail";

/** A point in time: ISO 8601 UTC and ns since the epoch (decimal string). */
export interface Instant {
  utc: string;
  ns: string;
}

/** One file the run wrote. `path` is relative to the run folder when inside it. */
export interface ManifestFile {
  path: string;
  /** The job that reported it; undefined for a file found in the run folder unreported. */
  job?: string;
  bytes: number;
  /** Rows as the job reported them; undefined when it did not. */
  rows?: number;
  sha256: string;
}

/** A job's counters over the whole run (every Worker of it). */
export interface ManifestJob {
  type: string;
  state: string;
  messagesIn: number;
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
  rows: number;
  drops: number;
  gaps: number;
  duplicates: number;
  restarts: number;
  lostRecords: number;
  lastError?: string;
  /** The job's own figures at the end (e.g. `files`, `lost_records`). */
  figures: Record<string, number>;
}

/** A route's counters over the whole run. */
export interface ManifestRoute {
  key: string;
  from: string;
  to: string;
  messages: number;
  messagesRead: number;
  bytes: number;
  bytesRead: number;
  drops: number;
  gaps: number;
  duplicates: number;
  /** Messages written but never read (left in the ring at the stop). */
  unread: number;
}

/** A setting sent to a job for this run. */
export interface ManifestSetting {
  job: string;
  name: string;
  value: unknown;
  at: Instant;
  ok: boolean;
  error?: string;
}

/** Where a run stands in a scripted sequence. */
export interface ManifestSequenceStep {
  /** Step index, from 1. */
  step: number;
  steps: number;
  /** Repeat of this step, from 1. */
  repeat: number;
  repeats: number;
  /** Run number of the sequence's first run. */
  firstRun: number;
}

/** Everything recorded about one run. */
export interface RunManifest {
  format: "daq-run-manifest";
  formatVersion: 1;
  run: number;
  status: RunStatus;
  /** Why it ended so (or what failed). */
  reason: string;
  comment: string;
  /** When the folder was made (before settings). */
  created: Instant;
  /** When data began to be kept. */
  start?: Instant;
  stop?: Instant;
  /** Seconds from start to stop, pauses included. */
  durationS?: number;
  daqVersion: string;
  denoVersion: string;
  host: string;
  pid: number;
  supervisor: string;
  /** The config files and the resolved config the run ran under. */
  configFiles: string[];
  config: unknown;
  sequence?: ManifestSequenceStep;
  settings: ManifestSetting[];
  pauses: { start: Instant; stop?: Instant }[];
  /** Instrument identities reported by jobs (e.g. `*IDN?`), by job. */
  instruments: Record<string, string>;
  files: ManifestFile[];
  /** Every change of state of the run's alarms, in order (see src/alarms). */
  alarms: AlarmEvent[];
  jobs: Record<string, ManifestJob>;
  routes: ManifestRoute[];
  /**
   * What consumers did not store (records left in their rings, dropped at a forced stop, or
   * taken by a job terminated before it closed its files); empty when everything was stored.
   */
  unstored: {
    job: string;
    msgs: number;
    rows: number;
    bytes: number;
    droppedAtForce: number;
    terminated: boolean;
  }[];
  /** Last update of this file. */
  updated: Instant;
}

/** The instant `ns` (ns since the epoch). */
export function instantOf(ns: bigint): Instant {
  return { utc: new Date(Number(ns / 1_000_000n)).toISOString(), ns: ns.toString() };
}

/** Writes a manifest atomically into its run folder. */
export async function writeManifest(dir: string, manifest: RunManifest): Promise<void> {
  await writeFileAtomic(`${dir}/${MANIFEST_FILE}`, JSON.stringify(manifest, null, 2) + "\n");
}

/** Reads a run's manifest; throws {@link ManifestError} naming the file and what is wrong. */
export async function readManifest(dir: string): Promise<RunManifest> {
  const path = `${dir}/${MANIFEST_FILE}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ManifestError(path, `cannot read: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(path, `not JSON: ${(e as Error).message}`);
  }
  const m = value as Partial<RunManifest>;
  if (typeof m !== "object" || m === null || m.format !== "daq-run-manifest") {
    throw new ManifestError(path, 'not a daq run manifest (no format "daq-run-manifest")');
  }
  if (!Number.isSafeInteger(m.run) || !Array.isArray(m.files) || typeof m.status !== "string") {
    throw new ManifestError(path, "run, status or files missing or of the wrong type");
  }
  for (const [i, f] of m.files.entries()) {
    if (
      typeof f?.path !== "string" || typeof f.sha256 !== "string" || !Number.isFinite(f.bytes)
    ) {
      throw new ManifestError(path, `files[${i}]: path, bytes or sha256 missing`);
    }
  }
  return m as RunManifest;
}
