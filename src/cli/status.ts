/** The live status shown while `daq run` runs: a table redrawn in place, or plain lines. */
import type { AlarmState } from "../alarms/mod.ts";
import type { JobStats, StatsSnapshot } from "../supervisor/stats.ts";

/** Formats a rate in bytes per second as MB/s (10^6 bytes). */
export function formatMBps(bytesPerS: number): string {
  return (bytesPerS / 1e6).toFixed(bytesPerS >= 1e8 ? 0 : 2);
}

function formatRate(perS: number): string {
  if (perS >= 1e6) return `${(perS / 1e6).toFixed(2)}M`;
  if (perS >= 1e4) return `${(perS / 1e3).toFixed(1)}k`;
  return perS.toFixed(perS >= 100 ? 0 : 1);
}

function jobRates(j: JobStats): { msgs: number; bytes: number } {
  return j.msgsIn > 0 || j.msgsOut === 0
    ? { msgs: j.msgsInPerS, bytes: j.bytesInPerS }
    : { msgs: j.msgsOutPerS, bytes: j.bytesOutPerS };
}

const COLUMNS = [
  "job",
  "type",
  "state",
  "msgs/s",
  "MB/s",
  "ring",
  "drops",
  "gaps",
  "restarts",
  "p50 ms",
  "p99 ms",
];

/**
 * One line per `remote` job about its peers, from its figures:
 * `link peers: A (alive, 0.3 s ago, 1200 msgs), C (silent, 12.0 s ago, 0 msgs); gaps 0`, then
 * what was received and not taken, once there is any: `; malformed 3; own echoes 12`.
 */
export function peerLines(s: StatsSnapshot): string[] {
  const lines: string[] = [];
  for (const j of s.jobs) {
    if (j.type !== "remote" || j.extra.peers === undefined) continue;
    const peers = Object.keys(j.extra).flatMap((k) => {
      const m = /^peer\.(.+)\.alive$/.exec(k);
      return m ? [m[1]] : [];
    }).map((id) => {
      const figure = (name: string) => j.extra[`peer.${id}.${name}`] ?? 0;
      return `${id} (${figure("alive") ? "alive" : "silent"}, ${
        (figure("age_ms") / 1000).toFixed(1)
      } s ago, ${figure("msgs")} msgs)`;
    });
    const missed = j.extra.link_missed_at_start ?? 0;
    // What was received and not taken is shown once there is any.
    const skips = [
      ["malformed", j.extra.link_malformed],
      ["own echoes", j.extra.link_own_echoes],
      ["seq jumps", j.extra.link_seq_jumps],
    ].filter(([, n]) => n).map(([what, n]) => `; ${what} ${n}`).join("");
    lines.push(
      `${j.name} peers: ${peers.join(", ") || "none yet"}; gaps ${j.extra.link_gaps ?? 0}${
        missed ? `; missed before the first received ${missed}` : ""
      }${skips}`,
    );
  }
  return lines;
}

/** A job's state, with what it says it is doing while it runs: `running: polling`. */
function stateText(j: JobStats): string {
  return j.state === "running" && j.status ? `running: ${j.status}` : j.state;
}

/** One line per job with an instrument identity: `dmm identity: SIMCO,SIM-1000,SN0001,1.0`. */
export function identityLines(s: StatsSnapshot): string[] {
  return s.jobs.flatMap((j) =>
    j.identity === undefined ? [] : [`${j.name} identity: ${j.identity}`]
  );
}

/** The status table as lines: one per job, under a header. */
export function statusTable(s: StatsSnapshot): string[] {
  const rows = s.jobs.map((j) => {
    const r = jobRates(j);
    const consumer = j.msgsIn > 0 || j.ringFill > 0;
    return [
      j.name,
      j.type,
      stateText(j),
      formatRate(r.msgs),
      formatMBps(r.bytes),
      consumer ? `${(j.ringFill * 100).toFixed(0)}%` : "-",
      String(j.drops),
      String(j.gaps),
      String(j.restarts),
      consumer ? j.latencyP50Ms.toFixed(2) : "-",
      consumer ? j.latencyP99Ms.toFixed(2) : "-",
    ];
  });
  const widths = COLUMNS.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [
    `daq ${s.supervisor}  ${s.elapsedS.toFixed(1)} s`,
    line(COLUMNS),
    ...rows.map(line),
    ...peerLines(s),
    ...identityLines(s),
  ];
}

/** One plain line per job, for logs and pipes. */
export function statusLines(s: StatsSnapshot): string[] {
  const jobLines = s.jobs.map((j) => {
    const r = jobRates(j);
    return `[${s.elapsedS.toFixed(1)}s] ${j.name} ${stateText(j)} msgs/s=${
      formatRate(r.msgs)
    } MB/s=${formatMBps(r.bytes)} ring=${
      (j.ringFill * 100).toFixed(0)
    }% drops=${j.drops} gaps=${j.gaps} restarts=${j.restarts}`;
  });
  return [
    ...jobLines,
    ...[...peerLines(s), ...identityLines(s)].map((l) => `[${s.elapsedS.toFixed(1)}s] ${l}`),
  ];
}

/**
 * One line per alarm that is not ok (`ALARM "no data" triggered 5.2 s ago: jobs.dmm.msgs_per_s
 * = 0 (< 1)`), then one line counting the ok ones; nothing without alarms.
 */
export function alarmLines(states: readonly AlarmState[], nowMs: number = Date.now()): string[] {
  if (states.length === 0) return [];
  const lines = states.filter((a) => a.state !== "ok").map((a) => {
    const since = a.triggeredAt ? ((nowMs - Date.parse(a.triggeredAt)) / 1000).toFixed(1) : "?";
    const value = a.value === undefined ? "" : `, now ${a.value}`;
    return `${a.level.toUpperCase()} "${a.name}" ${a.state} ${since} s ago: ${a.condition}${value}`;
  });
  const ok = states.filter((a) => a.state === "ok");
  const waiting = ok.filter((a) => a.holdingSince).map((a) => `"${a.name}" holding`);
  lines.push(`alarms: ${ok.length} ok${waiting.length ? ` (${waiting.join(", ")})` : ""}`);
  return lines;
}

/** Writes log lines and a status block, redrawing the block in place on a terminal. */
export class StatusDisplay {
  #drawn = 0;
  readonly #tty: boolean;
  readonly #quiet: boolean;
  readonly #encoder = new TextEncoder();
  #lastPlain = 0;
  readonly #plainEveryMs: number;

  /** `tty`: redraw in place; `quiet`: no status at all, only warnings and errors. */
  constructor(options: { tty: boolean; quiet: boolean; plainEveryMs?: number }) {
    this.#tty = options.tty;
    this.#quiet = options.quiet;
    this.#plainEveryMs = options.plainEveryMs ?? 1000;
  }

  #write(text: string) {
    const bytes = this.#encoder.encode(text);
    let off = 0;
    while (off < bytes.length) off += Deno.stderr.writeSync(bytes.subarray(off));
  }

  #clear() {
    if (this.#tty && this.#drawn > 0) this.#write(`\x1b[${this.#drawn}F\x1b[J`);
    this.#drawn = 0;
  }

  /** Prints a log line (above the status block on a terminal). */
  log(level: "info" | "warn" | "error", text: string): void {
    if (this.#quiet && level === "info") return;
    const lines = this.#lastLines;
    this.#clear();
    this.#write(`${level === "info" ? "" : `${level}: `}${text}\n`);
    if (lines.length) this.#draw(lines);
  }

  #lastLines: string[] = [];

  #draw(lines: string[]) {
    this.#write(lines.join("\n") + "\n");
    this.#drawn = lines.length;
  }

  /**
   * Shows the status of `s` (and `extra` lines under it, e.g. alarms): redrawn on a terminal,
   * plain lines every second otherwise.
   */
  status(s: StatsSnapshot, extra: readonly string[] = []): void {
    if (this.#quiet) return;
    if (this.#tty) {
      this.#clear();
      this.#lastLines = [...statusTable(s), ...extra];
      this.#draw(this.#lastLines);
      return;
    }
    const now = performance.now();
    if (now - this.#lastPlain < this.#plainEveryMs) return;
    this.#lastPlain = now;
    const at = `[${s.elapsedS.toFixed(1)}s] `;
    this.#write([...statusLines(s), ...extra.map((l) => at + l)].join("\n") + "\n");
  }

  /** Leaves the last table on screen and stops redrawing over it. */
  release(): void {
    this.#drawn = 0;
    this.#lastLines = [];
  }
}
