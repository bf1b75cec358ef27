/// <reference lib="deno.worker" />
// Mutations of valid Arrow payloads into validateArrowPayload. Every case must end in an
// ArrowPayloadError or be accepted; what is accepted must decode, with apache-arrow and with
// the ring decoder, to one batch of the rows claimed whose buffers hold those rows.
import * as arrow from "apache-arrow";
import { ArrowPayloadError, fixedByteWidth, validateArrowPayload } from "../../src/arrow/mod.ts";
import { decodeBatch } from "../../src/transport/payload.ts";
import { mutate, prng } from "../_fuzz.ts";
import { batchFields, mixedPayloads, signalPayload } from "./_payloads.ts";

export interface FuzzReport {
  cases: number;
  accepted: number;
  rejected: number;
  failures: string[];
}

/** Throws if `data` (and its children) do not hold `data.length` values. */
function checkData(data: arrow.Data, what: string): void {
  const need = (ok: boolean, problem: string) => {
    if (!ok) throw new Error(`${what}: ${problem}`);
  };
  const n = data.length;
  if (data.nullCount > 0) need((data.nullBitmap?.byteLength ?? 0) >= Math.ceil(n / 8), "bitmap");
  const width = fixedByteWidth(data.type);
  if (width > 0) need((data.values as ArrayBufferView).byteLength >= n * width, "values");
  if (width === 0) need((data.values as Uint8Array).byteLength >= Math.ceil(n / 8), "bits");
  if (arrow.DataType.isUtf8(data.type) && n > 0) {
    need(data.valueOffsets.length >= n + 1, "offsets");
    need(Number(data.valueOffsets[n]) <= data.values.length, "data");
  }
  data.children.forEach((child, i) => checkData(child, `${what}.${i}`));
}

function checkAccepted(bytes: Uint8Array, rows: number): void {
  const table = arrow.tableFromIPC(bytes);
  if (table.batches.length !== 1) throw new Error(`${table.batches.length} batches`);
  if (table.numRows !== rows) {
    throw new Error(`apache-arrow reads ${table.numRows} rows, not ${rows}`);
  }
  const batch = table.batches[0];
  for (let c = 0; c < batch.numCols; c++) {
    const data = batch.data.children[c];
    if (data.length !== rows) throw new Error(`column ${c}: ${data.length} values`);
    checkData(data, `column ${c}`);
    for (const _ of batch.getChildAt(c)!) { /* every value readable */ }
  }
  const ours = decodeBatch(bytes);
  if (ours.numRows !== rows) throw new Error(`decodeBatch reads ${ours.numRows} rows`);
  for (let c = 0; c < ours.numCols; c++) {
    checkData(ours.data.children[c], `decodeBatch column ${c}`);
    for (const _ of ours.getChildAt(c)!) { /* every value readable */ }
  }
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
      checkAccepted(bytes, rows);
    } catch (error) {
      report.failures.push(`case ${report.cases}: accepted (${rows} rows) but ${error}`);
    }
    if (report.failures.length >= 10) break;
  }
  self.postMessage(report);
};
