// The SCPI session against the simulated instrument over TCP and a pseudo-terminal.
import assert from "node:assert/strict";
import { parseAddress } from "../../src/instruments/mod.ts";
import {
  type ScpiOptions,
  type ScpiReport,
  ScpiSession,
} from "../../src/jobs/sources/_scpi_session.ts";
import { startSimulator } from "./_sim.ts";

function options(address: string, extra: Partial<ScpiOptions> = {}): ScpiOptions {
  return {
    address: parseAddress(address, ["tcp", "serial"]),
    pollIntervalMs: 50,
    timeoutMs: 500,
    init: ["*CLS", "CONF:VOLT:DC 10"],
    checkErrors: true,
    readings: [{ name: "voltage", query: "MEAS:VOLT:DC?" }],
    settings: [{ name: "volt", command: "VOLT {value}", min: 0, max: 30 }],
    writeTerminator: "\n",
    readTerminator: "\n",
    encoding: "ascii",
    queryDelayMs: 0,
    maxReplyBytes: 1024,
    reconnectMs: 100,
    reconnectMaxMs: 400,
    ...extra,
  };
}

function recorder(stop: AbortSignal) {
  const rows: { t: bigint; values: number[] }[] = [];
  const figures: Record<string, number> = {};
  const states: string[] = [];
  const warnings: string[] = [];
  const identities: string[] = [];
  const report: ScpiReport = {
    row(t, values) {
      rows.push({ t, values: [...values] });
      return Promise.resolve();
    },
    figure: (name, value) => figures[name] = value,
    state: (text) => states.at(-1) !== text && states.push(text),
    identity: (idn) => identities.push(idn),
    log: () => {},
    warn: (text) => warnings.push(text),
    sleep: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        stop.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      }),
  };
  return { rows, figures, states, warnings, identities, report };
}

async function until(what: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("scpi session over TCP: values in order, a drop and a stall survived, init after each connect, stop at once", async () => {
  const sim = startSimulator("sim_scpi.py", [
    "--tcp",
    "0",
    "--drop-at",
    "5",
    "--stall-at",
    "10",
    "--stall-seconds",
    "1.2",
  ]);
  const stop = new AbortController();
  try {
    const { port } = await sim.next("listening") as { port: number };
    const r = recorder(stop.signal);
    const session = new ScpiSession(options(`tcp://127.0.0.1:${port}`), r.report, stop.signal);
    const running = session.run();
    await until(() => r.rows.length >= 20);
    // Stop while the instrument is stalled again: it must not hold the stop.
    const stoppedAt = performance.now();
    stop.abort();
    await running;
    assert.ok(performance.now() - stoppedAt < 1000, "stopped within a second");
    const values = r.rows.map((row) => row.values[0]);
    assert.deepEqual(
      values,
      values.map((_, k) => 1 + 0.5 * k),
      "every answered value once, in order",
    );
    for (let i = 1; i < r.rows.length; i++) assert.ok(r.rows[i].t > r.rows[i - 1].t);
    assert.ok(r.figures.timeouts >= 1, `timeouts ${r.figures.timeouts}`);
    assert.ok(r.figures.reconnects >= 2, `reconnects ${r.figures.reconnects}`);
    assert.equal(r.figures.polls, r.rows.length);
    assert.equal(r.figures.instrument_errors, 0);
    assert.deepEqual([...new Set(r.identities)], ["SIMCO,SIM-1000,SN0001,1.0"]);
    assert.ok(
      r.states.some((s) => /^connecting \(attempt \d+, next in [\d.]+ s\)$/.test(s)),
      r.states.join(" | "),
    );
    // Each connection starts with the init commands, the error check and *IDN? (as far as it
    // got: one made while the instrument was still stalled ends after SYST:ERR? timed out).
    const expected = ["*CLS", "CONF:VOLT:DC 10", "SYST:ERR?", "*IDN?"];
    const connections: string[][] = [];
    for (const e of sim.events) {
      if (e.event === "connect") connections.push([]);
      else if (e.event === "command") connections.at(-1)!.push(String(e.text));
    }
    assert.ok(connections.length >= 3, `${connections.length} connects`);
    for (const commands of connections) {
      const n = Math.min(4, commands.length);
      assert.deepEqual(commands.slice(0, n), expected.slice(0, n));
      if (commands.includes("MEAS:VOLT:DC?")) assert.ok(commands.indexOf("MEAS:VOLT:DC?") >= 4);
    }
  } finally {
    stop.abort();
    await sim.stop();
  }
});

Deno.test("scpi session: unparseable replies are counted, logged once per kind, and stored as NaN", async () => {
  const sim = startSimulator("sim_scpi.py", ["--tcp", "0"]);
  const stop = new AbortController();
  try {
    const { port } = await sim.next("listening") as { port: number };
    const r = recorder(stop.signal);
    const o = options(`tcp://127.0.0.1:${port}`, {
      pollIntervalMs: 20,
      readings: [{ name: "voltage", query: "MEAS:VOLT:DC?" }, {
        name: "current",
        query: "MEAS:CURR:DC?",
        scale: 1000,
      }],
    });
    const session = new ScpiSession(o, r.report, stop.signal);
    const running = session.run();
    await until(() => r.rows.length >= 12);
    stop.abort();
    await running;
    const current = r.rows.map((row) => row.values[1]);
    current.forEach((v, k) => (k % 4 === 3 ? assert.ok(Number.isNaN(v)) : assert.equal(v, 1.5)));
    assert.equal(r.figures.parse_failures, Math.floor(r.rows.length / 4));
    const logged = r.warnings.filter((w) => w.includes("current"));
    assert.deepEqual(logged, ['reading "current" (MEAS:CURR:DC?): no number in reply: "OVLD"']);
  } finally {
    stop.abort();
    await sim.stop();
  }
});

Deno.test("scpi session: settings between polls, range-checked, errors reported; unreachable instrument backs off", async () => {
  const sim = startSimulator("sim_scpi.py", ["--tcp", "0"]);
  const stop = new AbortController();
  try {
    const { port } = await sim.next("listening") as { port: number };
    const r = recorder(stop.signal);
    const session = new ScpiSession(
      options(`tcp://127.0.0.1:${port}`, {
        settings: [{ name: "volt", command: "VOLT {value}", min: 0, max: 30 }, {
          name: "bad",
          command: "VOLTAGE:NOPE {value}",
        }],
      }),
      r.report,
      stop.signal,
    );
    const running = session.run();
    await until(() => r.rows.length >= 2);
    assert.deepEqual(await session.set("volt", 12.5), {
      setting: "volt",
      value: 12.5,
      command: "VOLT 12.5",
      errors: [],
    });
    assert.deepEqual((await session.set("bad", 1)).errors, ['-113,"Undefined header"']);
    await assert.rejects(session.set("volt", 31), /31 is above max 30/);
    await assert.rejects(session.set("nope", 1), /no setting "nope" \(settings: volt, bad\)/);
    assert.ok(sim.all("command").some((c) => c.text === "VOLT 12.5"));
    assert.equal(r.figures.settings_applied, 2);
    assert.equal(r.figures.instrument_errors, 1);
    stop.abort();
    await running;
  } finally {
    stop.abort();
    await sim.stop();
  }
  // Nobody listening: connect failures counted, state shows the backoff, stop still at once.
  const nobody = new AbortController();
  const r = recorder(nobody.signal);
  const port = (() => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const p = (l.addr as Deno.NetAddr).port;
    l.close();
    return p;
  })();
  const running = new ScpiSession(options(`tcp://127.0.0.1:${port}`), r.report, nobody.signal)
    .run();
  await until(() => (r.figures.connect_failures ?? 0) >= 3);
  const t = performance.now();
  nobody.abort();
  await running;
  assert.ok(performance.now() - t < 1000);
  assert.ok(r.states.includes("connecting (attempt 3, next in 0.4 s)"), r.states.join(" | "));
});

Deno.test("scpi session over a serial line (pseudo-terminal): the same values", async () => {
  const sim = startSimulator("sim_scpi.py", ["--pty"]);
  const stop = new AbortController();
  try {
    const { path } = await sim.next("pty") as { path: string };
    const r = recorder(stop.signal);
    const session = new ScpiSession(options(`serial://${path}?baud=115200`), r.report, stop.signal);
    const running = session.run();
    await until(() => r.rows.length >= 5);
    const t = performance.now();
    stop.abort();
    await running;
    assert.ok(performance.now() - t < 1000);
    assert.deepEqual(r.rows.map((row) => row.values[0]), r.rows.map((_, k) => 1 + 0.5 * k));
    assert.deepEqual(r.identities, ["SIMCO,SIM-1000,SN0001,1.0"]);
  } finally {
    stop.abort();
    await sim.stop();
  }
});

Deno.test("scpi session: a setting sent before the instrument is connected waits for it", async () => {
  const sim = startSimulator("sim_scpi.py", ["--tcp", "0"]);
  const stop = new AbortController();
  try {
    const { port } = await sim.next("listening") as { port: number };
    const r = recorder(stop.signal);
    const session = new ScpiSession(options(`tcp://127.0.0.1:${port}`), r.report, stop.signal);
    const applied = session.set("volt", 3);
    const running = session.run();
    assert.equal((await applied).command, "VOLT 3");
    const commands = sim.all("command").map((c) => c.text);
    assert.ok(commands.indexOf("VOLT 3") > commands.indexOf("*IDN?"), "after init and *IDN?");
    stop.abort();
    await running;
  } finally {
    stop.abort();
    await sim.stop();
  }
});
