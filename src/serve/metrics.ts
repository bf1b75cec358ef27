/**
 * `GET /metrics`: the Prometheus text exposition (format 0.0.4) of a service. Names start with
 * `daq_`, counters end in `_total` and count over every run this service made (they only
 * grow), units are base units (bytes, seconds, ratios). Labels: `job` (job figures), `route`,
 * `from`, `to` (route figures), `store` (store figures such as lost records), `state`.
 */
import { VERSION } from "../version.ts";
import { type DaqService, SERVE_STATES } from "./service.ts";

/** Content type of the exposition. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function sample(name: string, labels: Labels, value: number): string {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",");
  const text = Number.isFinite(value)
    ? String(value)
    : value > 0
    ? "+Inf"
    : value < 0
    ? "-Inf"
    : "NaN";
  return `${name}${l ? `{${l}}` : ""} ${text}`;
}

/** A metric family: HELP, TYPE and its samples. */
class Family {
  readonly samples: string[] = [];
  constructor(readonly name: string, readonly type: "counter" | "gauge", readonly help: string) {}
  add(labels: Labels, value: number): void {
    this.samples.push(sample(this.name, labels, value));
  }
  text(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n${
      this.samples.join("\n")
    }\n`;
  }
}

/** Figure names turned into metric-name-safe label values are kept as they are (labels). */
const STORE_LOST = "lost_records";

/** The exposition of `service` right now. */
export function metricsText(service: DaqService): string {
  const status = service.status();
  const totals = service.totals();
  const stats = status.stats;
  const fam = (name: string, type: "counter" | "gauge", help: string) =>
    new Family(`daq_${name}`, type, help);

  const build = fam("build_info", "gauge", "Version of daq and of Deno it runs on.");
  build.add({ version: VERSION, deno: Deno.version.deno, supervisor: status.supervisor }, 1);
  const state = fam(
    "state",
    "gauge",
    "State of daq serve: 1 for the current state, 0 for the others.",
  );
  for (const s of SERVE_STATES) state.add({ state: s }, status.state === s ? 1 : 0);
  const runNumber = fam(
    "run_number",
    "gauge",
    "Number of the current run, else of the last one (0: none yet).",
  );
  runNumber.add({}, status.run?.number ?? status.lastRun ?? 0);
  const runTime = fam(
    "run_duration_seconds",
    "gauge",
    "Time since the current run started (0 when idle).",
  );
  runTime.add({}, status.run?.runTimeS ?? 0);
  const runs = fam("runs_started_total", "counter", "Runs started by this daq serve.");
  runs.add({}, totals.runsStarted);

  const jobCounters = [
    ["job_messages_in_total", "Messages a job received.", "msgsIn"],
    ["job_messages_out_total", "Messages a job sent.", "msgsOut"],
    ["job_received_bytes_total", "Payload bytes a job received.", "bytesIn"],
    ["job_sent_bytes_total", "Payload bytes a job sent.", "bytesOut"],
    ["job_rows_total", "Table rows a job received or produced.", "rows"],
    ["job_restarts_total", "Restarts of a job.", "restarts"],
    ["job_dropped_messages_total", "Messages dropped on a job's rings by policy.", "drops"],
    ["job_gap_messages_total", "Messages missing by sequence number on a job's inputs.", "gaps"],
  ] as const;
  const names = new Set<string>([...totals.jobs.keys(), ...(stats?.jobs.map((j) => j.name) ?? [])]);
  const families: Family[] = [build, state, runNumber, runTime, runs];
  for (const [name, help, key] of jobCounters) {
    const f = fam(name, "counter", help);
    for (const job of names) {
      const now = stats?.jobs.find((j) => j.name === job);
      f.add({ job }, (totals.jobs.get(job)?.[key] ?? 0) + (now?.[key] ?? 0));
    }
    families.push(f);
  }
  const up = fam("job_up", "gauge", "1 while a job of the current run is running.");
  const fill = fam("job_ring_fill_ratio", "gauge", "Fill of a job's fullest input ring, 0 to 1.");
  const p99 = fam(
    "job_latency_p99_seconds",
    "gauge",
    "Send-to-receipt latency p99 over the last interval.",
  );
  const figure = fam(
    "job_figure",
    "gauge",
    "A job's own figure, by name (see the README's stats).",
  );
  const lost = fam("store_lost_records", "gauge", "Records a store lost in the current run.");
  for (const j of stats?.jobs ?? []) {
    up.add({ job: j.name }, j.state === "running" ? 1 : 0);
    fill.add({ job: j.name }, j.ringFill);
    p99.add({ job: j.name }, j.latencyP99Ms / 1000);
    for (const [k, v] of Object.entries(j.extra)) figure.add({ job: j.name, figure: k }, v);
    if (j.extra[STORE_LOST] !== undefined) lost.add({ store: j.name }, j.extra[STORE_LOST]);
  }
  families.push(up, fill, p99, figure, lost);

  const routeCounters = [
    ["route_messages_total", "Messages written into a route's ring.", "messages", "written"],
    ["route_bytes_total", "Payload bytes written into a route's ring.", "bytes", "writtenBytes"],
    ["route_dropped_messages_total", "Messages a route dropped by policy.", "drops", undefined],
    ["route_gap_messages_total", "Messages missing by sequence number on a route.", "gaps", "gaps"],
    [
      "route_duplicate_messages_total",
      "Messages seen twice on a route.",
      "duplicates",
      "duplicates",
    ],
  ] as const;
  const routeIds = new Set<string>([
    ...totals.routes.keys(),
    ...(stats?.routes.map((r) => `${r.key} ${r.from} ${r.to}`) ?? []),
  ]);
  for (const [name, help, totalKey, statKey] of routeCounters) {
    const f = fam(name, "counter", help);
    for (const id of routeIds) {
      const t = totals.routes.get(id);
      const now = stats?.routes.find((r) => `${r.key} ${r.from} ${r.to}` === id);
      const [key, from, to] = t ? [t.key, t.from, t.to] : [now!.key, now!.from, now!.to];
      const current = now ? statKey ? now[statKey] : now.droppedNewest + now.droppedOldest : 0;
      f.add({ route: key, from, to }, (t?.[totalKey] ?? 0) + current);
    }
    families.push(f);
  }
  const routeFill = fam("route_ring_fill_ratio", "gauge", "Fill of a route's ring, 0 to 1.");
  for (const r of stats?.routes ?? []) {
    routeFill.add({ route: r.key, from: r.from, to: r.to }, r.fill);
  }
  families.push(routeFill);
  return families.filter((f) => f.samples.length > 0).map((f) => f.text()).join("");
}
