/// <reference lib="deno.worker" />
// Mutations of valid wire messages into the link's intake (decoder, echo and sequence
// tracking, payload checks). Every case must end in delivered payloads or a counted skip
// (malformed, own echo, duplicate, heartbeat), never an exception or a silent drop; what is
// delivered must decode: Arrow to a batch of the rows claimed, msgpack with msgpackr.
import { pack } from "msgpackr";
import { createIntake } from "../../src/remote/_intake.ts";
import {
  decodeMessage as decodeWire,
  encodeHeartbeat,
  encodeMessage,
  encodePackedMessage,
  type WireHeader,
} from "../../src/remote/wire.ts";
import { decodeMessage as decodeMsgpack } from "../../src/transport/payload.ts";
import { mutate, prng } from "../_fuzz.ts";
import { assertDecodes, mixedPayloads, signalPayload } from "../arrow/_payloads.ts";
import { schemaMessageLength } from "../../src/arrow/ipc.ts";

export interface FuzzReport {
  cases: number;
  delivered: number;
  skipped: number;
  failures: string[];
}

self.onmessage = (e: MessageEvent<{ seed: number; maxCases: number; maxMs: number }>) => {
  const { seed, maxCases, maxMs } = e.data;
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const arrows = [signalPayload(1), signalPayload(50), ...mixedPayloads()];
  // Copies: msgpackr packs into a buffer it reuses.
  const values = [{ i: 1, v: 0.5 }, [1, "two", { three: 3 }], "x", null].map((v) =>
    Uint8Array.from(pack(v))
  );
  const intake = createIntake({
    origin: "B",
    maxMessageBytes: 1 << 20,
    maxSeqJump: 1_000_000,
    heartbeatIntervalMs: 1000,
    onProblem: (kind, text) => lastProblem = `${kind}: ${text}`,
  });
  let lastProblem = "";
  let seq = 1;
  const header = (type: WireHeader["type"], count: number): WireHeader => ({
    v: 1,
    origin: pick(["A", "A", "C", "B"]),
    session: pick([1, 1, 2]),
    seq: random() < 0.9 ? (seq += count) : Math.floor(random() * 2 ** 40) + 1,
    type,
    route_keys: ["sim"],
    timestamp_ns: 1_700_000_000_000_000_000n,
    count,
  });
  /** A valid wire message of a random type. */
  const valid = (): Uint8Array[] => {
    const n = 1 + Math.floor(random() * 4);
    switch (Math.floor(random() * 7)) {
      case 0:
        return encodeMessage("sim", header("arrow", 1), [pick(arrows)]);
      case 1: {
        const payloads = Array.from({ length: n + 1 }, () => pick(arrows));
        return encodeMessage("sim", header("packed_arrow", payloads.length), payloads);
      }
      case 2: { // one schema, sent once
        const first = signalPayload(3);
        const at = schemaMessageLength(first);
        const bodies = Array.from({ length: n }, (_, i) => signalPayload(1 + i, i).subarray(at));
        const frame = new Uint8Array(bodies.reduce((s, b) => s + b.length, 0));
        bodies.reduce((o, b) => (frame.set(b, o), o + b.length), 0);
        return encodePackedMessage(
          "sim",
          { ...header("packed_arrow", n), sizes: bodies.map((b) => b.length) },
          frame,
          first.subarray(0, at),
        );
      }
      case 3:
        return encodeMessage("sim", header("msgpack", 1), [pick(values)]);
      case 4: {
        const payloads = Array.from({ length: n + 1 }, () => pick(values));
        return encodeMessage("sim", header(pick(["batch", "packed_msgpack"]), n + 1), payloads);
      }
      case 5:
        return encodeMessage("_hb", { ...header("heartbeat", 1), route_keys: [] }, [
          encodeHeartbeat({
            interval_ms: 100,
            messages_out: 5,
            bytes_out: 10,
            drops: 0,
            started_ms: 1,
          }),
        ]);
      default:
        return encodeMessage(
          "sim",
          header("arrow", n),
          Array.from({ length: n }, () => pick(arrows)),
        );
    }
  };
  /** One mutation of a frame, or of the frame list. */
  const mutated = (frames: Uint8Array[]): Uint8Array[] => {
    const out = frames.slice();
    const i = Math.floor(random() * out.length);
    switch (Math.floor(random() * 6)) {
      case 0:
        out.splice(i, 1);
        return out;
      case 1:
        out.splice(i, 0, out[Math.floor(random() * out.length)]);
        return out;
      case 2:
        [out[0], out[i]] = [out[i], out[0]];
        return out;
      default:
        out[i] = mutate(out[i], random, [], pick(frames));
        return out;
    }
  };
  const report: FuzzReport = { cases: 0, delivered: 0, skipped: 0, failures: [] };
  const counted = () => {
    const s = intake.stats();
    return s.malformed + s.ownEchoes + s.duplicates + s.heartbeatsIn;
  };
  const deadline = performance.now() + maxMs;
  while (report.cases < maxCases && performance.now() < deadline) {
    let frames = valid();
    const mutations = Math.floor(random() * 3);
    for (let k = 0; k < mutations; k++) frames = mutated(frames);
    report.cases++;
    const before = counted();
    const duplicatesBefore = intake.stats().duplicates;
    let taken;
    try {
      taken = intake.take(frames, 1000 * report.cases);
    } catch (error) {
      report.failures.push(`case ${report.cases}: escaped ${(error as Error).stack}`);
      continue;
    }
    if (taken.length === 0 && counted() === before) {
      let what = "";
      try {
        what = JSON.stringify(
          decodeWire(frames).header,
          (_, v) => typeof v === "bigint" ? String(v) : v,
        );
      } catch (error) {
        what = String(error);
      }
      report.failures.push(`case ${report.cases}: dropped without being counted: ${what}`);
    }
    if (mutations === 0 && intake.stats().duplicates === duplicatesBefore) {
      const { header } = decodeWire(frames);
      if (header.origin !== "B" && header.type !== "heartbeat" && taken.length !== header.count) {
        report.failures.push(
          `case ${report.cases}: a valid message of ${header.count} payloads gave ${taken.length}: ${lastProblem}`,
        );
      }
    }
    report.delivered += taken.length;
    if (taken.length === 0) report.skipped++;
    for (const m of taken) {
      try {
        if (m.type === "arrow") assertDecodes(m.payload, m.rows);
        else decodeMsgpack(m.payload);
      } catch (error) {
        report.failures.push(`case ${report.cases}: delivered ${m.type} payload, but ${error}`);
      }
    }
    if (report.failures.length >= 10) break;
  }
  self.postMessage(report);
};
