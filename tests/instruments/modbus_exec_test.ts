// The Modbus session against the simulated server, and the program runner against sensor.py.
import assert from "node:assert/strict";
import { parseAddress } from "../../src/instruments/mod.ts";
import { runModbusSession, type ScaledRegister } from "../../src/jobs/sources/_modbus_session.ts";
import { ProgramExited, runProgram } from "../../src/jobs/sources/_exec_lines.ts";
import { PYTHON, simPath, startSimulator } from "./_sim.ts";

const sleeper = (signal: AbortSignal) => (ms: number) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

Deno.test("modbus session: values of each kind and word order, scaled; exceptions counted by name", async () => {
  const sim = startSimulator("sim_modbus.py", ["--port", "0", "--unit", "3"]);
  const stop = new AbortController();
  try {
    const { port } = await sim.next("listening") as { port: number };
    const reg = (
      name: string,
      kind: ScaledRegister["kind"],
      address: number,
      type: ScaledRegister["type"],
      extra: Partial<ScaledRegister> = {},
    ): ScaledRegister => ({
      name,
      kind,
      address,
      type,
      wordOrder: "big",
      scale: 1,
      offset: 0,
      ...extra,
    });
    const registers = [
      reg("pi", "holding", 100, "float32"),
      reg("minus2", "holding", 102, "int16", { scale: 10, offset: 1 }),
      reg("big", "holding", 104, "uint32"),
      reg("little", "holding", 106, "uint32", { wordOrder: "little" }),
      reg("reads", "input", 0, "uint16"),
      reg("neg", "input", 1, "int32"),
      reg("c0", "coil", 0, "bool"),
      reg("missing", "holding", 2000, "uint16"),
    ];
    const rows: number[][] = [];
    const figures: Record<string, number> = {};
    const warnings: string[] = [];
    const running = runModbusSession({
      address: parseAddress(`tcp://127.0.0.1:${port}`, ["tcp"]),
      unitId: 3,
      registers,
      pollIntervalMs: 30,
      timeoutMs: 500,
      reconnectMs: 100,
      reconnectMaxMs: 400,
    }, {
      row: (_t, v) => {
        rows.push([...v]);
        return Promise.resolve();
      },
      figure: (n, v) => figures[n] = v,
      state: () => {},
      warn: (t) => warnings.push(t),
      sleep: sleeper(stop.signal),
    }, stop.signal);
    while (rows.length < 5) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await running;
    rows.forEach((v, k) => {
      assert.ok(Math.abs(v[0] - 3.14159274) < 1e-6);
      assert.deepEqual(v.slice(1, 7), [-19, 0x00010002, 0x00010002, k + 1, -100000, 1]);
      assert.ok(Number.isNaN(v[7]));
    });
    assert.equal(figures.requests_per_poll, 5);
    assert.ok(figures.exceptions >= 5);
    assert.equal(figures["exception.ILLEGAL_DATA_ADDRESS"], figures.exceptions);
    assert.deepEqual(warnings, [
      "exception ILLEGAL DATA ADDRESS (code 2) reading 1 holding from 2000",
    ]);
    assert.deepEqual(sim.all("request").slice(0, 5).map((e) => [e.function, e.address, e.count]), [
      [1, 0, 1],
      [3, 100, 3],
      [3, 104, 4],
      [3, 2000, 1],
      [4, 0, 3],
    ]);
  } finally {
    stop.abort();
    await sim.stop();
  }
});

Deno.test("program runner: rows as printed, bad lines counted once per kind, stderr logged, exit thrown", async () => {
  for (const format of ["csv", "json", "whitespace"] as const) {
    const rows: [bigint, number, bigint][] = [];
    const figures: Record<string, number> = {};
    const logs: string[] = [];
    const warnings: string[] = [];
    const stop = new AbortController();
    const run = runProgram({
      command: [
        PYTHON,
        simPath("sensor.py"),
        "--format",
        format,
        "--lines",
        "50",
        "--bad-every",
        "7",
        "--interval",
        "0.003",
      ],
      format,
      columns: [{ name: "temp", type: "float64" }, { name: "count", type: "int64" }],
      batchRows: 16,
      // Shorter than the program's pace: batch timers fire between lines (a read must not be lost).
      batchIntervalMs: 2,
      maxLineBytes: 1024,
    }, {
      batch(t, [temp, count]) {
        for (let i = 0; i < t.length; i++) {
          rows.push([t[i], temp[i] as number, (count as BigInt64Array)[i]]);
        }
        return Promise.resolve();
      },
      figure: (n, v) => figures[n] = v,
      log: (t) => logs.push(t),
      warn: (t) => warnings.push(t),
    }, stop.signal);
    await assert.rejects(
      run,
      (e: unknown) =>
        e instanceof ProgramExited && /exited with code 0 after \d+ lines/.test(e.message),
    );
    const expected = Array.from({ length: 50 }, (_, k) => k).filter((k) => k % 7 !== 6);
    assert.deepEqual(rows.map((r) => Number(r[2])), expected, format);
    assert.deepEqual(rows.map((r) => r[1]), expected.map((k) => 20 + 0.25 * k));
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i][0] >= rows[i - 1][0]);
    assert.equal(figures.bad_lines, 7);
    assert.equal(figures.header_lines, format === "csv" ? 1 : 0);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.ok(logs.some((l) => l.endsWith("sensor ready")), logs.join("\n"));
  }
});

Deno.test("program runner: a stop ends a program that never exits, within a second", async () => {
  const stop = new AbortController();
  let rows = 0;
  const run = runProgram({
    command: [PYTHON, simPath("sensor.py"), "--lines", "100000", "--interval", "0.01"],
    format: "csv",
    columns: [{ name: "temp", type: "float64" }, { name: "count", type: "int64" }],
    batchRows: 4,
    batchIntervalMs: 20,
    maxLineBytes: 1024,
  }, {
    batch: (t) => {
      rows += t.length;
      return Promise.resolve();
    },
    figure: () => {},
    log: () => {},
    warn: () => {},
  }, stop.signal);
  while (rows < 10) await new Promise((r) => setTimeout(r, 20));
  const t = performance.now();
  stop.abort();
  await run;
  assert.ok(performance.now() - t < 1000);
});
