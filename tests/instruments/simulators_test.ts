// The simulators against the protocol library over real sockets, a pseudo-terminal and a
// real process: what the job tests rely on is checked here first.
import assert from "node:assert/strict";
import {
  decodeReadResponse,
  encodeReadRequest,
  LineFramer,
  ModbusFramer,
  PacketDecoder,
  parseInstrumentError,
  parseLine,
  planReads,
  readSequence,
  type RegisterSpec,
  registerValue,
  replyParser,
  sequenceBits,
  SequenceTracker,
} from "../../src/instruments/mod.ts";
import { PYTHON, runSimUdp, SIM_UDP_LAYOUT, simPath, startSimulator } from "./_sim.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A query/answer helper over any byte stream. */
function scpiClient(
  read: (b: Uint8Array) => Promise<number | null>,
  write: (b: Uint8Array) => Promise<number>,
) {
  const framer = new LineFramer({ terminator: "\n", maxBytes: 1024 });
  const buf = new Uint8Array(4096);
  return {
    send: (cmd: string) => write(enc.encode(cmd + "\n")),
    async query(cmd: string, timeoutMs = 2000): Promise<string | null> {
      await write(enc.encode(cmd + "\n"));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const f = framer.next();
        if (f?.kind === "line") return dec.decode(f.bytes);
        const left = deadline - Date.now();
        if (left <= 0) return null;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const n = await Promise.race([
          read(buf),
          new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left)),
        ]);
        clearTimeout(timer);
        if (n === "timeout") return null;
        if (n === null) throw new Error("closed");
        framer.push(buf.subarray(0, n));
      }
    },
  };
}

Deno.test("sim_scpi over TCP: identity, deterministic values, errors, one drop and one stall", async () => {
  const sim = startSimulator("sim_scpi.py", [
    "--tcp",
    "0",
    "--drop-at",
    "3",
    "--stall-at",
    "5",
    "--stall-seconds",
    "1",
  ]);
  try {
    const { port } = await sim.next("listening") as { port: number };
    const voltage = replyParser({ name: "v", query: "MEAS:VOLT:DC?" });
    let conn = await Deno.connect({ hostname: "127.0.0.1", port });
    let c = scpiClient((b) => conn.read(b), (b) => conn.write(b));
    assert.equal(await c.query("*IDN?"), "SIMCO,SIM-1000,SN0001,1.0");
    assert.equal(voltage((await c.query("MEAS:VOLT:DC?"))!), 1);
    assert.equal(voltage((await c.query("MEAS:VOLT:DC?"))!), 1.5);
    await c.send("BOGUS");
    assert.deepEqual(parseInstrumentError((await c.query("SYST:ERR?"))!), {
      code: -113,
      message: "Undefined header",
    });
    assert.deepEqual(parseInstrumentError((await c.query("SYST:ERR?"))!), {
      code: 0,
      message: "No error",
    });
    await assert.rejects(c.query("MEAS:VOLT:DC?"), /closed/); // the 3rd: dropped
    conn.close();
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    c = scpiClient((b) => conn.read(b), (b) => conn.write(b));
    assert.equal(voltage((await c.query("MEAS:VOLT:DC?"))!), 2); // the 4th, answered as the 3rd value
    assert.equal(await c.query("MEAS:VOLT:DC?", 300), null); // the 5th: stalled
    conn.close();
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    c = scpiClient((b) => conn.read(b), (b) => conn.write(b));
    assert.equal(voltage((await c.query("MEAS:VOLT:DC?", 3000))!), 2.5);
    const current = replyParser({ name: "i", query: "MEAS:CURR:DC?" });
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await c.query("MEAS:CURR:DC?"));
    assert.deepEqual(replies, ["+1.50000000E-03", "+1.50000000E-03", "+1.50000000E-03", "OVLD"]);
    assert.equal(current(replies[0]!), 0.0015);
    conn.close();
    assert.equal(sim.all("drop").length, 1);
    assert.equal(sim.all("stall").length, 1);
  } finally {
    await sim.stop();
  }
});

Deno.test("sim_scpi behind a pseudo-terminal answers like the TCP one", async () => {
  const sim = startSimulator("sim_scpi.py", ["--pty"]);
  try {
    const { path } = await sim.next("pty") as { path: string };
    const stty = await new Deno.Command("stty", { args: ["-F", path, "raw", "-echo", "115200"] })
      .output();
    assert.equal(stty.code, 0, dec.decode(stty.stderr));
    const file = await Deno.open(path, { read: true, write: true });
    try {
      const c = scpiClient((b) => file.read(b), (b) => file.write(b));
      assert.equal(await c.query("*IDN?"), "SIMCO,SIM-1000,SN0001,1.0");
      assert.equal(await c.query("MEAS:VOLT:DC?"), "+1.00000000E+00");
      await c.send("VOLT 2.5");
      assert.equal(await c.query("VOLT?"), "+2.50000000E+00");
    } finally {
      file.close();
    }
  } finally {
    await sim.stop();
  }
});

Deno.test("sim_udp: planted gaps, swaps, duplicates and malformed packets are counted as planted", async () => {
  const layout = SIM_UDP_LAYOUT;
  const file = await Deno.makeTempFile({ suffix: ".packets" });
  try {
    const planted = await runSimUdp(["--packets", "3000", "--plant", "--seed", "4", "--out", file]);
    const bytes = await Deno.readFile(file);
    const decoder = new PacketDecoder(layout, 10_000);
    const tracker = new SequenceTracker(sequenceBits(layout.sequence!));
    let malformed = 0, packets = 0;
    for (let at = 0; at < bytes.length;) {
      const length = new DataView(bytes.buffer, at, 4).getUint32(0, true);
      const packet = bytes.subarray(at + 4, at + 4 + length);
      at += 4 + length;
      packets++;
      if (!decoder.decode(packet)) malformed++;
      else tracker.see(readSequence(layout, packet, 0));
    }
    assert.equal(packets, planted.sent);
    assert.equal(malformed, planted.malformed);
    const { gaps, reordered, duplicates } = tracker.counts();
    assert.deepEqual({ gaps, reordered, duplicates }, {
      gaps: planted.gaps,
      reordered: planted.reordered,
      duplicates: planted.duplicates,
    });
    assert.ok(
      planted.gaps > 0 && planted.reordered > 0 && planted.duplicates > 0 && planted.malformed > 0,
    );
    const [seq, t, adc] = decoder.columns().map((c) => c.values);
    for (let r = 0; r < decoder.rows; r++) {
      const s = (seq as Uint32Array)[r];
      assert.equal((t as BigUint64Array)[r], 10n ** 15n + 1000n * BigInt(s));
      assert.equal((adc as Int16Array)[r * 256 + 255], ((s * 31 + 255 * 7) % 65536) - 32768);
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("sim_modbus: grouped reads, both word orders, exceptions by name", async () => {
  const sim = startSimulator("sim_modbus.py", ["--port", "0", "--unit", "7"]);
  try {
    const { port } = await sim.next("listening") as { port: number };
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const framer = new ModbusFramer();
    const buf = new Uint8Array(512);
    let tid = 0;
    const read = async (plan: Parameters<typeof encodeReadRequest>[2]) => {
      const id = ++tid;
      await conn.write(encodeReadRequest(id, 7, plan));
      for (;;) {
        const adu = framer.next();
        if (adu) {
          const r = decodeReadResponse(adu, 7, plan);
          assert.equal(r.transactionId, id);
          return r;
        }
        const n = await conn.read(buf);
        if (n === null) throw new Error("closed");
        framer.push(buf.subarray(0, n));
      }
    };
    const reg = (
      name: string,
      kind: RegisterSpec["kind"],
      address: number,
      type: RegisterSpec["type"],
      wordOrder: "big" | "little" = "big",
    ): RegisterSpec => ({ name, kind, address, type, wordOrder });
    const registers = [
      reg("pi", "holding", 100, "float32"),
      reg("minus2", "holding", 102, "int16"),
      reg("big", "holding", 104, "uint32"),
      reg("little", "holding", 106, "uint32", "little"),
      reg("reads", "input", 0, "uint16"),
      reg("neg", "input", 1, "int32"),
      reg("c0", "coil", 0, "bool"),
      reg("c1", "coil", 1, "bool"),
      reg("d2", "discrete", 2, "bool"),
    ];
    const plans = planReads(registers);
    assert.equal(plans.length, 5); // coils, discrete, holding 100-102 and 104-107, input 0-2
    const values: Record<string, number> = {};
    for (const plan of plans) {
      const r = await read(plan);
      assert.equal(r.kind, "data");
      if (r.kind !== "data") continue;
      for (const item of plan.items) {
        const spec = registers[item.register];
        values[spec.name] = registerValue(r, item.offset, spec.type, spec.wordOrder);
      }
    }
    assert.ok(Math.abs(values.pi - 3.14159274) < 1e-6);
    assert.deepEqual({ ...values, pi: 0 }, {
      pi: 0,
      minus2: -2,
      big: 0x00010002,
      little: 0x00010002,
      reads: 1,
      neg: -100000,
      c0: 1,
      c1: 0,
      d2: 0,
    });
    assert.deepEqual(sim.all("request").find((e) => e.function === 3), {
      event: "request",
      function: 3,
      address: 100,
      count: 3,
    });
    const ex = await read({ functionCode: 3, address: 2000, count: 2 });
    assert.deepEqual(ex, {
      kind: "exception",
      transactionId: tid,
      code: 2,
      name: "ILLEGAL DATA ADDRESS",
    });
    conn.close();
  } finally {
    await sim.stop();
  }
});

Deno.test("sensor.py lines parse into the rows it printed; bad lines are problems", async () => {
  for (const format of ["csv", "json", "whitespace"] as const) {
    const out = await new Deno.Command(PYTHON, {
      args: [simPath("sensor.py"), "--format", format, "--lines", "20", "--bad-every", "5"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(dec.decode(out.stderr), "sensor ready\n");
    const cols = [{ name: "temp", type: "float64" as const }, {
      name: "count",
      type: "int64" as const,
    }];
    const results = dec.decode(out.stdout).trimEnd().split("\n").map((l) =>
      parseLine(l, format, cols)
    );
    const rows = results.filter((r) => r.ok === true).map((r) => r.ok === true ? r.values : []);
    assert.deepEqual(
      rows.map((v) => v[1]),
      [0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18].map(BigInt),
    );
    assert.deepEqual(rows.map((v) => v[0]), rows.map((v) => 20 + 0.25 * Number(v[1])));
    assert.equal(results.filter((r) => r.ok === false).length, 4);
    assert.equal(results.filter((r) => r.ok === "header").length, format === "csv" ? 1 : 0);
  }
});
