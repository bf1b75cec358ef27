/**
 * `daq bench`: drives the real pipeline (supervisor, Workers, rings, stores) with synthetic
 * load and measures what the stores received: MB/s, messages/s, latency, and whether every
 * message arrived exactly once.
 *
 * ```ts
 * import { runBench } from "./mod.ts";
 * const report = await runBench({
 *   clients: 1, payloadRows: 1000, durationMs: 2000, warmupMs: 500, stores: ["memory"],
 *   transport: "ring", dataDir: "data", policy: "block", ringBytes: 16 << 20,
 * });
 * console.log(report.stores[0].meanMBps, report.lossless);
 * ```
 *
 * @module
 */
export * from "./run.ts";
export * from "./report.ts";
