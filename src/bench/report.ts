/** Text forms of bench results: the live line and the final summary. */
import type { BenchLive, BenchReport } from "./run.ts";

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

function ms(v: number): string {
  return v >= 10 ? v.toFixed(1) : v.toFixed(3);
}

/** One line per store of live figures. */
export function benchLiveLines(l: BenchLive): string[] {
  return l.stores.map((s) =>
    `[${l.elapsedS.toFixed(0).padStart(3)}s ${l.phase.padEnd(7)}] ${s.name}: ${
      s.mbPerS.toFixed(1)
    } MB/s ${rate(s.msgsPerS)} msgs/s ring ${
      (s.ringFill * 100).toFixed(0)
    }% drops ${s.drops} gaps ${s.gaps} latency p50 ${ms(s.p50Ms)} p99 ${ms(s.p99Ms)} max ${
      ms(s.maxMs)
    } ms cpu ${l.cpuPercent.toFixed(0)}%`
  );
}

/** The final summary of a bench, ending with the verdict line. */
export function benchSummary(r: BenchReport): string {
  const o = r.options;
  const payload = o.payloadBytes !== undefined
    ? `${o.payloadBytes} B raw payloads`
    : `${o.payloadRows} rows/msg`;
  const out = [
    `daq bench: ${o.clients} client(s), ${payload}, transport ${o.transport}, policy ${o.policy}, ` +
    `ring ${(o.ringBytes / 1048576).toFixed(o.ringBytes < 1048576 ? 2 : 0)} MiB, ` +
    `${r.measuredS.toFixed(1)} s measured after ${(o.warmupMs / 1000).toFixed(1)} s warm-up (${
      r.totalS.toFixed(1)
    } s in all)`,
    ...(o.processor ? [`through processor ${o.processor.path} (into every store)`] : []),
    `sent: ${r.sent.messages} msgs, ${(r.sent.bytes / 1e6).toFixed(1)} MB; ${
      rate(r.sent.msgsPerSPerClient)
    } msgs/s per client measured`,
  ];
  if (o.rate !== undefined) {
    out.push(
      r.rateSustained
        ? `rate: ${o.rate} msgs/s per client sustained`
        : `rate NOT sustained: asked ${o.rate} msgs/s per client, achieved ${
          r.sent.msgsPerSPerClient.toFixed(0)
        }`,
    );
  }
  for (const s of r.stores) {
    out.push(
      `store ${s.name} (${s.type})${
        s.readsData
          ? ""
          : " — payloads not read: transport figures only, not counted as received data"
      }:`,
      `  received    ${s.messages} msgs, ${(s.bytes / 1e6).toFixed(1)} MB, ${s.rows} rows`,
      `  throughput  mean ${s.meanMBps.toFixed(1)} MB/s (${rate(s.meanMsgsPerS)} msgs/s), peak ${
        s.peakMBps.toFixed(1)
      } MB/s (${rate(s.peakMsgsPerS)} msgs/s)`,
      `  latency     p50 ${ms(s.latencyMs.p50)} ms, p90 ${ms(s.latencyMs.p90)}, p99 ${
        ms(s.latencyMs.p99)
      }, p99.9 ${ms(s.latencyMs.p999)}, max ${ms(s.latencyMs.max)} ms`,
      `  loss        drops ${s.drops}, gaps ${s.gaps}, duplicates ${s.duplicates}${
        s.lossReasons.length ? ` (${s.lossReasons.join("; ")})` : ""
      }`,
    );
  }
  out.push(
    `cpu: ${r.cpuPercent.toFixed(0)}% of one core (${r.machine.cores} cores: ${r.machine.cpu})`,
    `lossless: ${r.lossless ? "yes" : "no"}`,
  );
  return out.join("\n");
}
