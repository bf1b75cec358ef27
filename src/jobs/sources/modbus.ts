/**
 * `modbus`: a PLC or sensor on Modbus TCP. One row per poll: `timestamp_ns` (when the poll's
 * first request went out) and one float64 column per register (`value * scale + offset`);
 * adjacent registers of a kind are read in one request; exception responses are counted
 * (`exceptions`, and `exception.<NAME>`) and logged by name, their registers stored as NaN.
 */
import { parseAddress, planReads, type RegisterSpec, SpecError } from "../../instruments/mod.ts";
import { defineJob } from "../../job/mod.ts";
import { runModbusSession, type ScaledRegister } from "./_modbus_session.ts";

function registersOf(
  list: {
    name: string;
    kind: string;
    address: number;
    type?: string;
    word_order: string;
    scale: number;
    offset: number;
  }[],
): ScaledRegister[] {
  return list.map((r) => ({
    name: r.name,
    kind: r.kind as RegisterSpec["kind"],
    address: r.address,
    type:
      (r.type ?? (r.kind === "coil" || r.kind === "discrete" ? "bool" : "uint16")) as RegisterSpec[
        "type"
      ],
    wordOrder: r.word_order as "big" | "little",
    scale: r.scale,
    offset: r.offset,
  }));
}

export default defineJob({
  role: "source",
  summary: "Modbus TCP registers, coils and inputs polled into rows",
  fields: {
    address: { type: "string", required: true, doc: "tcp://host:502" },
    unit_id: { type: "number", integer: true, min: 0, max: 255, default: 1 },
    poll_interval: { type: "duration", default: "1s" },
    timeout: { type: "duration", default: "1s", doc: "longest wait for one response" },
    reconnect_backoff: { type: "duration", default: "500ms" },
    reconnect_backoff_max: { type: "duration", default: "30s" },
    registers: {
      type: "tables",
      required: true,
      fields: {
        name: { type: "string", required: true },
        kind: { type: "string", choices: ["holding", "input", "coil", "discrete"], required: true },
        address: {
          type: "number",
          integer: true,
          min: 0,
          max: 65535,
          required: true,
          doc: "0-based, as on the wire",
        },
        type: {
          type: "string",
          choices: ["uint16", "int16", "uint32", "int32", "float32", "bool"],
          doc: "default uint16 (bool for coils and discrete inputs)",
        },
        word_order: {
          type: "string",
          choices: ["big", "little"],
          default: "big",
          doc: "32-bit types: big = high word first",
        },
        scale: { type: "number", default: 1 },
        offset: { type: "number", default: 0 },
        unit: { type: "string" },
      },
    },
  },
  check(f) {
    try {
      parseAddress(f.address, ["tcp"]);
    } catch (e) {
      return { key: "address", problem: (e as Error).message };
    }
    if (f.registers.length === 0) {
      return { key: "registers", problem: "declare at least one register" };
    }
    const names = new Set(["timestamp_ns"]);
    for (const [i, r] of f.registers.entries()) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(r.name)) {
        return {
          key: `registers[${i}].name`,
          problem: `expected letters, digits and _, got "${r.name}"`,
        };
      }
      if (names.has(r.name)) {
        return {
          key: `registers[${i}].name`,
          problem: `"${r.name}" is used twice (or is timestamp_ns)`,
        };
      }
      names.add(r.name);
    }
    try {
      planReads(registersOf(f.registers));
    } catch (e) {
      if (e instanceof SpecError) return { key: e.key, problem: e.problem };
      throw e;
    }
    return undefined;
  },
  permissions(job) {
    const a = parseAddress(job.fields.address, ["tcp"]);
    if (a.scheme !== "tcp") return {};
    return { net: [`${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`] };
  },
  columns: (f) => ({
    timestamp_ns: { type: "int64", unit: "ns" },
    ...Object.fromEntries(
      f.registers.map((r) => [r.name, { type: "float64" as const, unit: r.unit }]),
    ),
  }),
  async run(ctx) {
    const f = ctx.fields;
    const registers = registersOf(f.registers);
    const names = registers.map((r) => r.name);
    await runModbusSession({
      address: parseAddress(f.address, ["tcp"]),
      unitId: f.unit_id,
      registers,
      pollIntervalMs: f.poll_interval,
      timeoutMs: f.timeout,
      reconnectMs: f.reconnect_backoff,
      reconnectMaxMs: f.reconnect_backoff_max,
    }, {
      row(timestampNs, values) {
        const row: Record<string, number | bigint> = { timestamp_ns: timestampNs };
        names.forEach((name, i) => row[name] = values[i]);
        return ctx.sendRow(row);
      },
      figure: (name, value) => ctx.setFigure(name, value),
      state: (text) => ctx.setStatus(text),
      warn: (text) => ctx.warn(text),
      sleep: (ms) => ctx.sleep(ms),
    }, ctx.signal);
  },
});
