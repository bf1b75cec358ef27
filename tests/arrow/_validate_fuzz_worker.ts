/// <reference lib="deno.worker" />
// Mutations of valid Arrow payloads into validateArrowPayload. Every case must end in an
// ArrowPayloadError or be accepted; what is accepted must decode, with apache-arrow and with
// the ring decoder, to one batch of the rows claimed whose buffers hold those rows.
import { ArrowPayloadError, validateArrowPayload } from "../../src/arrow/mod.ts";
import { mutate, prng } from "../_fuzz.ts";
import { assertDecodes, batchFields, mixedPayloads, signalPayload } from "./_payloads.ts";

export interface FuzzReport {
  cases: number;
  accepted: number;
  rejected: number;
  failures: string[];
}

self.onmessage = (e: MessageEvent<{ seed: number; maxCases: number; maxMs: number }>) => {
  const { seed, maxCases, maxMs } = e.data;
  const random = prng(seed);
  const seeds = [signalPayload(1), signalPayload(100), signalPayload(0), ...mixedPayloads()];
  const fields = seeds.map((bytes) => {
    try {
      const f = batchFields(bytes);
      return [
        4,
        f.metaLength,
        f.bodyLength,
        f.rowCount,
        ...f.nodes,
        ...f.nodes.map((n) => n + 8),
        ...f.buffers,
        ...f.buffers.map((b) => b + 8),
      ];
    } catch {
      return [];
    }
  });
  const report: FuzzReport = { cases: 0, accepted: 0, rejected: 0, failures: [] };
  const deadline = performance.now() + maxMs;
  while (report.cases < maxCases && performance.now() < deadline) {
    const i = Math.floor(random() * seeds.length);
    let bytes = seeds[i];
    for (let k = 0, n = 1 + Math.floor(random() * 3); k < n; k++) {
      bytes = mutate(bytes, random, fields[i], seeds[Math.floor(random() * seeds.length)]);
    }
    report.cases++;
    let rows: number;
    try {
      rows = validateArrowPayload(bytes).rows;
    } catch (error) {
      if (error instanceof ArrowPayloadError) report.rejected++;
      else report.failures.push(`case ${report.cases}: escaped ${error}`);
      continue;
    }
    report.accepted++;
    try {
      assertDecodes(bytes, rows);
    } catch (error) {
      report.failures.push(`case ${report.cases}: accepted (${rows} rows) but ${error}`);
    }
    if (report.failures.length >= 10) break;
  }
  self.postMessage(report);
};
