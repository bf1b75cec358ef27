/** Messages between a `store.hdf5` job and its flusher Worker (`_flusher.ts`). */
import type { Hdf5CloseResult, Hdf5Compression, Hdf5Histogram } from "../../../formats/hdf5/mod.ts";

/** The flusher's Worker module. */
export const FLUSHER_MODULE: URL = new URL("./_flusher.ts", import.meta.url);

/**
 * Folders the flusher's code is loaded from. A Worker that a confined job starts loads its
 * modules with the job's permissions, so the job needs read access to them: `src/` and
 * `node_modules/` of this program (not the program folder itself, which may hold `data/`).
 */
export const FLUSHER_CODE_DIRS: URL[] = [
  new URL("../../../", import.meta.url),
  new URL("../../../../node_modules/", import.meta.url),
];

/** Schema metadata key of a ring file that names the HDF5 source (the route key). */
export const SOURCE_METADATA_KEY = "daq.source";
/**
 * Schema metadata key of a ring file whose records a remote link injected: the id of the
 * supervisor they came from (HDF5 attribute `origin` of the source).
 */
export const ORIGIN_METADATA_KEY = "daq.origin";

/** How the flusher writes HDF5; sent once, first. */
export interface FlusherSettings {
  dir: string;
  /** Where HDF5 makes its temporary files (error stacks) instead of /tmp. */
  tempDir: string;
  prefix: string;
  dateInName: boolean;
  layout: "append" | "batches";
  chunkRows?: number;
  compression: Hdf5Compression;
  rotateBytes: number;
  rotateSeconds?: number;
  flushMs: number;
  /** Resolved config JSON, recorded in every file. */
  config: string;
  softwareVersion: string;
  runStartMs: number;
  /** Throw (crash the Worker) before a flush once this many rows were written; tests only. */
  crashAfterRows?: number;
}

/** Job to flusher. */
export type FlusherRequest =
  | { kind: "init"; settings: FlusherSettings }
  /** Follow this ring file (too) from its read_tail; `lostBefore`: records of its source lost
   * in earlier ring files. */
  | { kind: "open"; path: string; lostBefore: number }
  /** Write (or rewrite) this histogram of `source` (it does not go through a ring file). */
  | { kind: "histogram"; source: string; histogram: Hdf5Histogram }
  /** Flush every ring now (one is filling up). */
  | { kind: "flush" }
  /** This ring's writer is closed (or gone): write everything left in it, then let it go. */
  | { kind: "drain"; path: string }
  /** Write everything left in every ring and close the HDF5 file. */
  | { kind: "finish" };

/** Flusher to job. */
export type FlusherReport =
  | {
    kind: "progress";
    rows: number;
    flushes: number;
    files: number;
    path: string;
  }
  | { kind: "drained"; path: string; ringLost: number; source: string | undefined }
  | { kind: "finished"; results: Hdf5CloseResult[] }
  | { kind: "log"; level: "info" | "warn"; text: string }
  /** A failure that a restart does not cure (HDF5 file cannot be written, corrupt ring). */
  | { kind: "failed"; error: string };
