/// <reference lib="deno.worker" />
// The fuzz loop of ring files into the ring readers, in a Worker so that a case that never
// ends fails the test (fuzz_test.ts) instead of hanging it.
import { openRingConsumer, openRingFile, RingFileError } from "../../src/dataplane/mod.ts";
import type { RingFileReader } from "../../src/dataplane/mod.ts";
import { prng } from "../_fuzz.ts";
import { type BaseRing, junkIn, makeBaseRing, mutateRing } from "./_ring_fuzz.ts";

/** What one fuzz run found. */
export interface RingFuzzReport {
  cases: number;
  /** Cases whose every reader ended without an error (maybe with counted losses). */
  read: number;
  /** Cases refused with a RingFileError. */
  refused: number;
  /** Records handed out, and records counted lost, over all cases. */
  records: number;
  lost: number;
  failures: string[];
}

/** Reads everything `reader` gives (at most `limit` records); returns a problem or undefined. */
function drain(reader: RingFileReader, rows: number, limit: number, report: RingFuzzReport) {
  for (let n = 0;; n++) {
    if (n > limit) return `more than ${limit} records from an 8 KiB ring`;
    const rec = reader.next();
    if (rec === null) break;
    report.records++;
    if (rec.type === 1) {
      const junk = junkIn(rec.batch, rows);
      if (junk && reader.intact(rec)) return `record ${rec.seq}: ${junk}`;
    }
  }
  void reader.done;
  report.lost += reader.lostRecords;
  return undefined;
}

self.onmessage = (e: MessageEvent<{ seed: number; maxCases: number; maxMs: number }>) => {
  const { seed, maxCases, maxMs } = e.data;
  const random = prng(seed);
  const dir = Deno.makeTempDirSync({ prefix: "daq-ring-fuzz-" });
  const report: RingFuzzReport = {
    cases: 0,
    read: 0,
    refused: 0,
    records: 0,
    lost: 0,
    failures: [],
  };
  try {
    const bases: BaseRing[] = [
      makeBaseRing(`${dir}/a.ring`, { policy: "overwrite", close: true, consumed: true }),
      makeBaseRing(`${dir}/b.ring`, { policy: "overwrite", close: false, consumed: false }),
      makeBaseRing(`${dir}/c.ring`, { policy: "block", close: true, consumed: true }),
    ];
    const path = `${dir}/case.ring`;
    const deadline = performance.now() + maxMs;
    while (report.cases < maxCases && performance.now() < deadline) {
      const base = bases[report.cases % bases.length];
      const bytes = mutateRing(base, random);
      Deno.writeFileSync(path, bytes);
      report.cases++;
      let refused = false;
      const readers: Array<() => RingFileReader> = [
        () => openRingFile(path, { startAt: "oldest" }),
        () => openRingFile(path, { startAt: "oldest", zeroCopy: true }),
        () => openRingConsumer(path),
        () => openRingFile(path, { startAt: "read_tail" }),
      ];
      for (const open of readers) {
        let reader: RingFileReader | undefined;
        try {
          reader = open();
          const problem = drain(reader, base.rows, 2000, report);
          if (problem) report.failures.push(`case ${report.cases}: ${problem}`);
        } catch (error) {
          if (error instanceof RingFileError) refused = true;
          else {
            report.failures.push(
              `case ${report.cases}: ${(error as Error).name}: ${(error as Error).message}`,
            );
          }
        } finally {
          reader?.close();
        }
      }
      if (refused) report.refused++;
      else report.read++;
      if (report.failures.length >= 5) break;
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
  self.postMessage(report);
};
