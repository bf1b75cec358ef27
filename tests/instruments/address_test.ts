import assert from "node:assert/strict";
import { AddressError, formatAddress, parseAddress } from "../../src/instruments/mod.ts";
import { mutateText, Rng } from "./_fuzz.ts";

const ALL = ["tcp", "udp", "serial"] as const;

Deno.test("addresses: tcp, udp, IPv6 and serial with baud and mode", () => {
  assert.deepEqual(parseAddress("tcp://192.168.1.20:5025", ALL), {
    scheme: "tcp",
    host: "192.168.1.20",
    port: 5025,
  });
  assert.deepEqual(parseAddress("udp://0.0.0.0:9000", ALL), {
    scheme: "udp",
    host: "0.0.0.0",
    port: 9000,
  });
  assert.deepEqual(parseAddress("tcp://[::1]:502", ALL), { scheme: "tcp", host: "::1", port: 502 });
  assert.deepEqual(parseAddress("tcp://plc-3.lab.example:502", ALL), {
    scheme: "tcp",
    host: "plc-3.lab.example",
    port: 502,
  });
  assert.deepEqual(parseAddress("serial:///dev/ttyUSB0?baud=115200", ALL), {
    scheme: "serial",
    path: "/dev/ttyUSB0",
    baud: 115200,
    dataBits: 8,
    parity: "none",
    stopBits: 1,
  });
  assert.deepEqual(parseAddress("serial:///dev/ttyS1?mode=7E2&baud=19200", ALL), {
    scheme: "serial",
    path: "/dev/ttyS1",
    baud: 19200,
    dataBits: 7,
    parity: "even",
    stopBits: 2,
  });
  assert.equal(parseAddress("serial:///dev/ttyACM0", ALL).scheme === "serial" && 9600, 9600);
});

Deno.test("addresses: malformed ones are refused naming what is wrong", () => {
  const cases: [string, RegExp][] = [
    ["192.168.1.20:5025", /expected tcp:\/\/host:port/],
    ["http://dmm:80", /scheme "http" is not supported/],
    ["tcp://dmm", /missing :port/],
    ["tcp://:5025", /missing host/],
    ["tcp://dmm:99999", /port 99999 is out of range 1-65535/],
    ["tcp://dmm:0", /port 0 is out of range/],
    ["tcp://dmm:50x", /port "50x" is not a number/],
    ["tcp://dmm:5025/extra", /nothing after it/],
    ["tcp://::1:502", /IPv6 host must be written in brackets/],
    ["tcp://bad_host!:1", /not a host name/],
    ["serial://dev/ttyUSB0", /absolute device path/],
    ["serial:///dev/ttyUSB0?baud=115201", /baud "115201" is not a serial line speed/],
    ["serial:///dev/ttyUSB0?mode=9N1", /mode "9N1" is not like 8N1/],
    ["serial:///dev/ttyUSB0?speed=9600", /unknown parameter "speed"/],
    ["serial:///dev/ttyUSB0?baud=9600&baud=9600", /"baud" given twice/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseAddress(text, ALL), (e: unknown) => {
      assert.ok(e instanceof AddressError, `${text}: ${e}`);
      assert.match(e.message, message, text);
      assert.ok(e.message.startsWith(`address ${JSON.stringify(text)}: `));
      return true;
    });
  }
  assert.throws(
    () => parseAddress("udp://0.0.0.0:9000", ["tcp", "serial"]),
    /expected tcp:\/\/host:port or serial/,
  );
});

Deno.test("addresses: formatAddress gives text that parses to the same address", () => {
  for (
    const text of ["tcp://[fe80::1]:5025", "udp://10.0.0.2:9000", "serial:///dev/ttyUSB0?mode=8O1"]
  ) {
    const a = parseAddress(text, ALL);
    assert.deepEqual(parseAddress(formatAddress(a), ALL), a);
  }
});

Deno.test("addresses fuzz: mutated addresses parse to a valid address or throw AddressError", () => {
  const rng = new Rng(11);
  const seeds = [
    "tcp://192.168.1.20:5025",
    "serial:///dev/ttyUSB0?baud=115200&mode=8N1",
    "udp://[::1]:9000",
  ];
  let errors = 0;
  for (let i = 0; i < 20_000; i++) {
    const text = mutateText(rng, rng.pick(seeds), 200);
    try {
      const a = parseAddress(text, ALL);
      if (a.scheme === "serial") assert.ok(a.path.startsWith("/") && a.baud > 0);
      else assert.ok(a.port >= 1 && a.port <= 65535 && a.host.length > 0);
      assert.deepEqual(parseAddress(formatAddress(a), ALL), a);
    } catch (e) {
      if (!(e instanceof AddressError)) throw new Error(`${JSON.stringify(text)}: ${e}`);
      errors++;
    }
  }
  assert.ok(errors > 1000, `only ${errors} malformed inputs`);
});
