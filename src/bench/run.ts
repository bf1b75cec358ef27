import os from "node:os";
import process from "node:process";
import { parseConfigFiles } from "../config/load.ts";
import {
  type JobType,
  type OverflowPolicy,
  ringBytesFor,
  type TransportKind,
} from "../config/types.ts";
import { BUILTIN_JOB_TYPES } from "../jobs/catalogue.ts";
import { createHistogram, histogramQuantile, mergeHistogram } from "../transport/latency.ts";
import { startSupervisor } from "../supervisor/supervisor.ts";
import type { StatsSnapshot } from "../supervisor/stats.ts";

/** The stores `daq bench --store` knows, by the name given on the command line. */
export const BENCH_STORES: Record<string, { type: string; fields: string; readsData: boolean }> = {
  memory: { type: "store.memory", fields: "keep = 0", readsData: true },
  null: { type: "store.null", fields: "", readsData: false },
  csv: { type: "store.csv", fields: "date_in_name = false", readsData: true },
  hdf5: { type: "store.hdf5", fields: "", readsData: true },
  root: { type: "store.root", fields: "", readsData: true },
  arrow: { type: "store.arrow", fields: "", readsData: true },
  parquet: { type: "store.parquet", fields: "", readsData: true },
};

/** Store names usable here: those whose job type exists in this build. */
export function availableBenchStores(): string[] {
  return Object.entries(BENCH_STORES).filter(([, s]) => s.type in BUILTIN_JOB_TYPES).map(([n]) =>
    n
  );
}

/**
 * A ring that holds a few messages: small enough to stay in the CPU caches (a 4 MiB ring
 * moved 100000-row messages 25% faster than a 64 MiB one here), large enough to take
 * 2.5 messages (a record may use half the ring); messages past 26 MiB get the smallest ring
 * that takes one.
 */
export function defaultBenchRingBytes(messageBytes: number): number {
  const few = Math.min(64 << 20, Math.max(1 << 20, 2 ** Math.ceil(Math.log2(messageBytes * 2.5))));
  return Math.max(few, ringBytesFor(messageBytes));
}

/** Bytes of one bench message: `payloadBytes` raw, or an Arrow batch of `payloadRows` rows. */
export function benchMessageBytes(payloadRows: number, payloadBytes?: number): number {
  return BUILTIN_JOB_TYPES.bench.messageBytes!({
    payload_rows: payloadRows,
    payload_bytes: payloadBytes,
    payload: "arrow",
  })!;
}

/** What to run. */
export interface BenchOptions {
  clients: number;
  payloadRows: number;
  payloadBytes?: number;
  durationMs: number;
  warmupMs: number;
  stores: string[];
  /** TOML `key = value` lines added to every store's job (e.g. `compression = "lz4"`). */
  storeOptions?: string[];
  /** A processor between the clients and the stores: a job module's path and its type. */
  processor?: { path: string; type: JobType };
  transport: TransportKind;
  /** Messages per second per client; undefined: as fast as possible. */
  rate?: number;
  dataDir: string;
  policy: OverflowPolicy;
  ringBytes: number;
  /** Called about once a second with live figures. */
  onLive?(live: BenchLive): void;
  onLog?(level: "info" | "warn" | "error", text: string): void;
}

/** Live figures, about once a second. */
export interface BenchLive {
  elapsedS: number;
  phase: "warmup" | "measure" | "drain";
  stores: {
    name: string;
    mbPerS: number;
    msgsPerS: number;
    ringFill: number;
    drops: number;
    gaps: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
  }[];
  cpuPercent: number;
}

/** Figures of one store over a whole bench. */
export interface BenchStoreResult {
  name: string;
  type: string;
  /** How the store's job ended: `finished`, or `failed` when it crashed for good. */
  state: string;
  /** Whether the store reads every payload byte (a null store does not: its bytes are transport only). */
  readsData: boolean;
  messages: number;
  bytes: number;
  rows: number;
  meanMBps: number;
  peakMBps: number;
  meanMsgsPerS: number;
  peakMsgsPerS: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  drops: number;
  gaps: number;
  duplicates: number;
  /** Every sequence number of every client arrived exactly once. */
  lossless: boolean;
  /** Why not, when not. */
  lossReasons: string[];
}

/** Everything a bench measured. */
export interface BenchReport {
  options: Omit<BenchOptions, "onLive" | "onLog">;
  startedAt: string;
  measuredS: number;
  totalS: number;
  sent: { messages: number; bytes: number; msgsPerSPerClient: number };
  rateSustained: boolean | null;
  stores: BenchStoreResult[];
  lossless: boolean;
  cpuPercent: number;
  machine: {
    cpu: string;
    cores: number;
    memoryBytes: number;
    deno: string;
    v8: string;
    os: string;
  };
  method: string[];
}

/** Runs the real pipeline (supervisor, Workers, rings, stores) under synthetic load. */
export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const toml = benchConfig(o);
  const config = parseConfigFiles([{ file: "<bench>", text: toml }], {
    jobTypes: o.processor
      ? { ...BUILTIN_JOB_TYPES, [o.processor.path]: o.processor.type }
      : BUILTIN_JOB_TYPES,
    dataDir: o.dataDir,
  });
  const storeNames = o.stores.map((s) => `store-${s}`);
  const snaps: { t: number; s: StatsSnapshot }[] = [];
  let phase: BenchLive["phase"] = "warmup";
  let lastLive = 0;
  let cpuPrev = process.cpuUsage();
  let cpuPrevT = performance.now();
  let cpuPercent = 0;
  const cpu0 = process.cpuUsage();
  const startedAt = new Date().toISOString();
  const t0 = performance.now();

  const sup = startSupervisor(config, {
    onLog: (level, job, text) => o.onLog?.(level, job ? `[${job}] ${text}` : text),
    onStats: (s) => {
      const t = performance.now();
      snaps.push({ t, s });
      if (t - lastLive >= 1000 && o.onLive) {
        const cpu = process.cpuUsage(cpuPrev);
        cpuPercent = ((cpu.user + cpu.system) / 1000 / (t - cpuPrevT)) * 100;
        cpuPrev = process.cpuUsage();
        cpuPrevT = t;
        lastLive = t;
        o.onLive({
          elapsedS: (t - t0) / 1000,
          phase,
          cpuPercent,
          stores: s.jobs.filter((j) => storeNames.includes(j.name)).map((j) => ({
            name: j.name,
            mbPerS: j.bytesInPerS / 1e6,
            msgsPerS: j.msgsInPerS,
            ringFill: j.ringFill,
            drops: j.drops,
            gaps: j.gaps,
            p50Ms: j.latencyP50Ms,
            p99Ms: j.latencyP99Ms,
            maxMs: j.latencyMaxMs,
          })),
        });
      }
    },
  });

  await new Promise((r) => setTimeout(r, o.warmupMs));
  const warm = { t: performance.now(), s: sup.snapshot(), h: sup.latencyHistograms() };
  phase = "measure";
  await new Promise((r) => setTimeout(r, o.durationMs));
  const end = { t: performance.now(), s: sup.snapshot(), h: sup.latencyHistograms() };
  phase = "drain";
  const result = await sup.stop("bench duration reached");
  const totalS = (performance.now() - t0) / 1000;
  const cpuAll = process.cpuUsage(cpu0);
  const measuredS = (end.t - warm.t) / 1000;
  const final = result.final;

  const job = (s: StatsSnapshot, name: string) => s.jobs.find((j) => j.name === name)!;
  // Ring counters are live; Worker stats lag by up to one stats interval, so prefer rings.
  const sentBy = (s: StatsSnapshot, client: string) =>
    s.routes.find((r) => r.from === client)?.written ?? job(s, client).msgsOut;
  const received = (s: StatsSnapshot, store: string) => {
    const rs = s.routes.filter((r) => r.to === store);
    if (rs.length === 0) return { msgs: job(s, store).msgsIn, bytes: job(s, store).bytesIn };
    return {
      msgs: rs.reduce((a, r) => a + r.read, 0),
      bytes: rs.reduce((a, r) => a + r.readBytes, 0),
    };
  };
  const clients = final.jobs.filter((j) => j.type === "bench");
  const sentMsgs = clients.reduce((a, j) => a + j.msgsOut, 0);
  const sentMeasured = clients.reduce(
    (a, j) => a + sentBy(end.s, j.name) - sentBy(warm.s, j.name),
    0,
  );
  const msgsPerSPerClient = sentMeasured / measuredS / o.clients;

  const stores: BenchStoreResult[] = o.stores.map((storeName, i) => {
    const name = storeNames[i];
    const f = job(final, name);
    const w = received(warm.s, name);
    const e = received(end.s, name);
    const h = createHistogram();
    mergeHistogram(h, end.h[name]);
    mergeHistogram(h, warm.h[name], -1);
    let peakMBps = 0;
    let peakMsgs = 0;
    const window = snaps.filter((x) => x.t >= warm.t && x.t <= end.t);
    for (let a = 0, b = 0; b < window.length; b++) {
      while (window[b].t - window[a].t > 1000) a++;
      const dt = (window[b].t - window[a].t) / 1000;
      if (dt < 0.9) continue;
      const ra = received(window[a].s, name);
      const rb = received(window[b].s, name);
      peakMBps = Math.max(peakMBps, (rb.bytes - ra.bytes) / dt / 1e6);
      peakMsgs = Math.max(peakMsgs, (rb.msgs - ra.msgs) / dt);
    }
    // With a processor, the routes into it count as this store's too.
    const routes = final.routes.filter((r) => r.to === name || r.to === PROCESSOR_JOB);
    const reasons: string[] = [];
    const drops = routes.reduce((a, r) => a + r.droppedNewest + r.droppedOldest, 0);
    const duplicates = routes.reduce((a, r) => a + r.duplicates, 0) +
      (f.extra.port_duplicates ?? 0);
    const gaps = f.gaps + (o.processor ? job(final, PROCESSOR_JOB).gaps : 0);
    if (drops) reasons.push(`${drops} dropped by the ${o.policy} policy`);
    if (gaps) reasons.push(`${gaps} missing by sequence number`);
    if (duplicates) reasons.push(`${duplicates} duplicates`);
    if (f.msgsIn !== sentMsgs) reasons.push(`received ${f.msgsIn} of ${sentMsgs} sent`);
    if (f.state !== "finished") reasons.push(`store ended ${f.state}`);
    for (const r of routes) {
      if (r.read !== r.written) {
        reasons.push(`route ${r.from} -> ${r.to}: read ${r.read} of ${r.written}`);
      }
    }
    return {
      name: storeName,
      type: BENCH_STORES[storeName].type,
      state: f.state,
      readsData: BENCH_STORES[storeName].readsData,
      messages: f.msgsIn,
      bytes: f.bytesIn,
      rows: f.rows,
      meanMBps: (e.bytes - w.bytes) / measuredS / 1e6,
      peakMBps,
      meanMsgsPerS: (e.msgs - w.msgs) / measuredS,
      peakMsgsPerS: peakMsgs,
      latencyMs: {
        p50: histogramQuantile(h, 0.5),
        p90: histogramQuantile(h, 0.9),
        p99: histogramQuantile(h, 0.99),
        p999: histogramQuantile(h, 0.999),
        max: Math.max(...window.map((x) => job(x.s, name).latencyMaxMs), 0),
      },
      drops,
      gaps,
      duplicates,
      lossless: reasons.length === 0,
      lossReasons: reasons,
    };
  });

  const { onLive: _l, onLog: _g, ...options } = o;
  return {
    options,
    startedAt,
    measuredS,
    totalS,
    sent: {
      messages: sentMsgs,
      bytes: clients.reduce((a, j) => a + j.bytesOut, 0),
      msgsPerSPerClient,
    },
    rateSustained: o.rate === undefined ? null : msgsPerSPerClient >= o.rate * 0.95,
    stores,
    lossless: stores.every((s) => s.lossless) && result.exitCode === 0,
    cpuPercent: ((cpuAll.user + cpuAll.system) / 1000 / (totalS * 1000)) * 100,
    machine: machineFacts(),
    method: [
      "MB/s and msgs/s: payload bytes and messages that each store released from its rings after reading them (store.null " +
      "releases unread), from the rings' own counters (postmessage: counted in the store's Worker), over the measured " +
      "window (after --warmup, until --duration ended); 1 MB = 10^6 bytes.",
      "peak: the best 1-second window inside the measured window, from stats taken every 100 ms.",
      "latency: source send time (performance.timeOrigin + performance.now() in the source Worker) to receipt in the store Worker, " +
      "histogram with 4.5% wide buckets over the measured window; max from 100 ms stats intervals.",
      "lossless: every route's ring counts sequence numbers; yes only if each store received every message every client sent " +
      "(after a clean drain), with no drop, gap or duplicate.",
      "CPU: process user+system time over wall time, 100% = one core.",
    ],
  };
}

/** The name of the `--processor` job. */
const PROCESSOR_JOB = "processor";

function benchConfig(o: BenchOptions): string {
  const lines = [
    `[supervisor]`,
    `id = "bench"`,
    `stats_interval = "100ms"`,
    `restart_limit = 0`,
    `stop_timeout = "60s"`,
    ``,
  ];
  for (let c = 1; c <= o.clients; c++) {
    lines.push(
      `[[jobs]]`,
      `type = "bench"`,
      `name = "client-${c}"`,
      `payload_rows = ${o.payloadRows}`,
    );
    if (o.payloadBytes !== undefined) lines.push(`payload_bytes = ${o.payloadBytes}`);
    if (o.rate !== undefined) lines.push(`rate = ${o.rate}`);
    lines.push(``);
  }
  if (o.processor) {
    lines.push(
      `[[jobs]]`,
      `type = ${JSON.stringify(o.processor.path)}`,
      `name = "${PROCESSOR_JOB}"`,
      `inputs = ["client-*"]`,
      `policy = "${o.policy}"`,
      `ring_size = ${o.ringBytes}`,
      `transport = "${o.transport}"`,
      ``,
    );
  }
  for (const s of o.stores) {
    const spec = BENCH_STORES[s];
    lines.push(
      `[[jobs]]`,
      `type = "${spec.type}"`,
      `name = "store-${s}"`,
      `inputs = ["${o.processor ? PROCESSOR_JOB : "client-*"}"]`,
      `policy = "${o.policy}"`,
      `ring_size = ${o.ringBytes}`,
      `transport = "${o.transport}"`,
      spec.fields,
      ...(o.storeOptions ?? []),
      ``,
    );
  }
  return lines.join("\n");
}

function machineFacts(): BenchReport["machine"] {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memoryBytes: Deno.systemMemoryInfo().total,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    os: `${Deno.build.os} ${Deno.build.arch}`,
  };
}
