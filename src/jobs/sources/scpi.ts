/**
 * `scpi`: a polled instrument (multimeter, power supply, ...) speaking SCPI over TCP or a
 * serial line. One row per poll: `timestamp_ns` (when the poll's first query was sent) and
 * one float64 column per reading. `profile` takes `init`, `readings`, `settings`,
 * terminators, encoding and delays from a device profile file; the job's own keys win.
 *
 * Settable outputs (`[[jobs.settings]]`) are set between polls when a setting comes
 * (`supervisor.applySetting(job, name, value)`: the HTTP API, run sequences, tests); one that
 * makes the instrument report an error is refused with that error.
 */
import {
  checkSetting,
  commandProblem,
  type InstrumentAddress,
  parseAddress,
  parseProfile,
  profileCandidates,
  ProfileError,
  replyParser,
  SpecError,
} from "../../instruments/mod.ts";
import { defineJob } from "../../job/mod.ts";
import { SCPI_ENCODINGS, ScpiSession } from "./_scpi_session.ts";
import { PolledRows } from "./_polled_rows.ts";

const TERMINATORS = { lf: "\n", crlf: "\r\n", cr: "\r" } as const;
const TERMINATOR_NAMES = ["lf", "crlf", "cr"] as const;

/** The folder of the shipped profiles' paths (`instruments/...` lives in it). */
const SHIPPED_PROFILES = new URL("../../../config/", import.meta.url).pathname;

/** Reads the device profile a job names (beside its config file, else a shipped one). */
function readProfile(name: string, configFile: string) {
  const dir = configFile.includes("/") ? configFile.slice(0, configFile.lastIndexOf("/")) : ".";
  const candidates = profileCandidates(name, dir, SHIPPED_PROFILES);
  for (const file of candidates) {
    let text: string;
    try {
      if (!Deno.statSync(file).isFile) continue;
      text = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    try {
      const { description: _d, manual: _m, ...table } = parseProfile(text, file);
      return { file, text, table };
    } catch (e) {
      if (e instanceof ProfileError) return { key: "profile", problem: e.message };
      throw e;
    }
  }
  return {
    key: "profile",
    problem: `no profile file "${name}" (looked for ${candidates.join(", ")})`,
  };
}

const address = (text: string): InstrumentAddress => parseAddress(text, ["tcp", "serial"]);

export default defineJob({
  role: "source",
  summary: "SCPI instrument over TCP or serial: polled readings, settable outputs",
  fields: {
    address: {
      type: "string",
      required: true,
      doc: "tcp://host:port or serial:///dev/ttyUSB0?baud=115200&mode=8N1",
    },
    profile: { type: "string", doc: "device profile file (init, readings, settings, terminators)" },
    poll_interval: {
      type: "duration",
      default: "1s",
      doc: "time between polls (poll k at start + k * interval)",
    },
    timeout: { type: "duration", default: "1s", doc: "longest wait for one reply" },
    init: { type: "strings", default: [], doc: "commands sent after every (re)connect" },
    check_errors: {
      type: "boolean",
      default: true,
      doc: "SYST:ERR? after init, settings and replies that do not parse",
    },
    write_terminator: {
      type: "string",
      choices: TERMINATOR_NAMES,
      default: "lf",
      doc: "appended to every command: lf, crlf or cr",
    },
    read_terminator: {
      type: "string",
      choices: TERMINATOR_NAMES,
      default: "lf",
      doc: "ends every reply: lf, crlf or cr",
    },
    encoding: { type: "string", choices: SCPI_ENCODINGS, default: "ascii" },
    query_delay: {
      type: "duration",
      default: "0ms",
      allowZero: true,
      doc: "pause after each command",
    },
    max_reply: { type: "size", default: "64KiB", doc: "longest reply kept" },
    reconnect_backoff: {
      type: "duration",
      default: "500ms",
      doc: "first wait before reconnecting (doubles)",
    },
    reconnect_backoff_max: { type: "duration", default: "30s" },
    readings: {
      type: "tables",
      required: true,
      fields: {
        name: { type: "string", required: true },
        query: { type: "string", required: true },
        unit: { type: "string" },
        pattern: { type: "string", doc: "regular expression with one group around the number" },
        scale: { type: "number", default: 1 },
        offset: { type: "number", default: 0 },
      },
    },
    settings: {
      type: "tables",
      default: [],
      fields: {
        name: { type: "string", required: true },
        command: { type: "string", required: true, doc: "with {value} once, e.g. VOLT {value}" },
        min: { type: "number" },
        max: { type: "number" },
        unit: { type: "string" },
      },
    },
  },
  include(raw, configFile) {
    return typeof raw.profile === "string" ? readProfile(raw.profile, configFile) : undefined;
  },
  check(f) {
    try {
      address(f.address);
    } catch (e) {
      return { key: "address", problem: (e as Error).message };
    }
    for (const [i, command] of f.init.entries()) {
      const problem = commandProblem(command);
      if (problem) return { key: `init[${i}]`, problem };
    }
    const names = new Set(["timestamp_ns"]);
    for (const [i, r] of f.readings.entries()) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(r.name)) {
        return {
          key: `readings[${i}].name`,
          problem: `expected letters, digits and _, got "${r.name}"`,
        };
      }
      if (names.has(r.name)) {
        return {
          key: `readings[${i}].name`,
          problem: `"${r.name}" is used twice (or is timestamp_ns)`,
        };
      }
      names.add(r.name);
      const problem = commandProblem(r.query);
      if (problem) return { key: `readings[${i}].query`, problem };
      try {
        replyParser(r);
      } catch (e) {
        if (e instanceof SpecError) return { key: `readings[${i}].${e.key}`, problem: e.problem };
        throw e;
      }
    }
    if (f.readings.length === 0) {
      return { key: "readings", problem: "declare at least one reading" };
    }
    const settings = new Set<string>();
    for (const [i, s] of f.settings.entries()) {
      if (settings.has(s.name)) {
        return { key: `settings[${i}].name`, problem: `"${s.name}" is used twice` };
      }
      settings.add(s.name);
      try {
        checkSetting(s);
      } catch (e) {
        if (e instanceof SpecError) return { key: `settings[${i}].${e.key}`, problem: e.problem };
        throw e;
      }
    }
    return undefined;
  },
  permissions(job) {
    const a = address(job.fields.address);
    // Deno asks for --allow-all to open a character device: the line is opened through libc.
    if (a.scheme === "serial") return { ffi: true };
    const host = a.host.includes(":") ? `[${a.host}]` : a.host;
    return { net: [`${host}:${a.port}`] };
  },
  columns: (f) => ({
    timestamp_ns: { type: "int64", unit: "ns" },
    ...Object.fromEntries(
      f.readings.map((r) => [r.name, { type: "float64" as const, unit: r.unit }]),
    ),
  }),
  async run(ctx) {
    const f = ctx.fields;
    const rows = new PolledRows(f.readings);
    const session = new ScpiSession({
      address: address(f.address),
      pollIntervalMs: f.poll_interval,
      timeoutMs: f.timeout,
      init: f.init,
      checkErrors: f.check_errors,
      readings: f.readings,
      settings: f.settings,
      writeTerminator: TERMINATORS[f.write_terminator],
      readTerminator: TERMINATORS[f.read_terminator],
      encoding: f.encoding,
      queryDelayMs: f.query_delay,
      maxReplyBytes: f.max_reply,
      reconnectMs: f.reconnect_backoff,
      reconnectMaxMs: f.reconnect_backoff_max,
    }, {
      row: (timestampNs, values) => ctx.sendBatch(rows.row(timestampNs, values), { rows: 1 }),
      figure: (name, value) => ctx.setFigure(name, value),
      state: (text) => ctx.setStatus(text),
      identity(idn) {
        rows.setIdentity(idn);
        ctx.setIdentity(idn);
      },
      log: (text) => ctx.log(text),
      warn: (text) => ctx.warn(text),
      sleep: (ms) => ctx.sleep(ms),
    }, ctx.signal);
    ctx.onSetting(async (name, value) => {
      if (typeof value !== "number") throw new TypeError(`setting "${name}": expected a number`);
      const result = await session.set(name, value);
      if (result.errors.length) {
        throw new Error(`${result.command}: the instrument reported ${result.errors.join("; ")}`);
      }
    });
    await session.run();
  },
});
