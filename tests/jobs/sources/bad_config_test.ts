// Configs of the instrument sources that cannot work: `daq check` exits 1 naming the key.
import assert from "node:assert/strict";
import { runDaq } from "../../_daq.ts";

const scpi = (lines: string) =>
  `[[jobs]]
type = "scpi"
name = "dmm"
${lines}
`;
const reading = `[[jobs.readings]]\nname = "v"\nquery = "MEAS?"\n`;
const udp = (fields: string, extra = "") =>
  `[[jobs]]
type = "udp"
name = "dig"
listen = "udp://0.0.0.0:9000"
${extra}
${fields}
`;
const field = (name: string, type: string, count?: number) =>
  `[[jobs.fields]]\nname = "${name}"\ntype = "${type}"\n${
    count === undefined ? "" : `count = ${count}\n`
  }`;

async function check(dir: string, text: string, files: Record<string, string> = {}) {
  await Deno.writeTextFile(`${dir}/lab.toml`, text);
  for (const [name, body] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${name}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(`${dir}/${name}`, body);
  }
  return await runDaq(["check", `${dir}/lab.toml`]);
}

Deno.test("instrument configs that cannot work: exit 1 naming the file, the key and the problem", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string, RegExp, Record<string, string>?][] = [
      [
        scpi(`address = "tcp://dmm:99999"\n${reading}`),
        /lab\.toml:4: jobs\[0\]\.address: address "tcp:\/\/dmm:99999": port 99999 is out of range 1-65535/,
      ],
      [
        scpi(`address = "192.168.1.20:5025"\n${reading}`),
        /jobs\[0\]\.address: .*expected tcp:\/\/host:port or serial:\/\/\/dev\/\.\.\./,
      ],
      [
        scpi(`address = "serial:///dev/ttyUSB0?baud=12345"\n${reading}`),
        /jobs\[0\]\.address: .*baud "12345" is not a serial line speed/,
      ],
      [
        scpi(
          `address = "tcp://dmm:5025"\n[[jobs.readings]]\nname = "v"\nquery = "MEAS?"\npattern = "(a)(b)"\n`,
        ),
        /jobs\[0\]\.readings\[0\]\.pattern: expected exactly one group/,
      ],
      [
        scpi(`address = "tcp://dmm:5025"\nprofile = "instruments/nope.toml"\n${reading}`),
        /jobs\[0\]\.profile: no profile file "instruments\/nope\.toml"/,
      ],
      [
        scpi(`address = "tcp://dmm:5025"\nprofile = "my.toml"\n`),
        /my\.toml:2: timeout: expected a duration/,
        { "my.toml": `init = ["*CLS"]\ntimeout = "fast"\n` },
      ],
      [
        scpi(`address = "tcp://dmm:5025"\nprofile = "my2.toml"\n`),
        /my2\.toml: port: a profile cannot hold this key/,
        { "my2.toml": `port = 5025\n` },
      ],
      [
        udp(field("seq", "uint32") + field("x", "uint24")),
        /jobs\[0\]\.fields\[1\]\.type: unknown field type "uint24"; known: int8/,
      ],
      [
        udp(field("adc", "int16", 0)),
        /jobs\[0\]\.fields\[0\]\.count: expected a whole number of at least 1, got 0/,
      ],
      [
        udp(field("adc", "float64", 9000)),
        /jobs\[0\]\.fields\[0\]\.count: the layout reaches 72000 bytes here, more than a UDP packet holds \(65507\)/,
      ],
      [
        udp(field("seq", "float32"), 'sequence = "seq"'),
        /jobs\[0\]\.sequence: field "seq" must be a single integer/,
      ],
      [
        udp(field("seq", "uint32")).replace("udp://0.0.0.0:9000", "udp://0.0.0.0"),
        /jobs\[0\]\.listen: .*missing :port/,
      ],
      [
        udp(field("seq", "uint32")).replace("udp://0.0.0.0:9000", "udp://localhost:9000"),
        /lab\.toml:4: jobs\[0\]\.listen: "localhost" is not an IPv4 or IPv6 address \(0\.0\.0\.0 or \[::\] for all/,
      ],
      [
        udp(field("seq", "uint32")).replace("udp://0.0.0.0:9000", "udp://[1::2::3]:9000"),
        /jobs\[0\]\.listen: "1::2::3" is not an IPv4 or IPv6 address/,
      ],
      [
        `[[jobs]]\ntype = "modbus"\nname = "plc"\naddress = "udp://plc:502"\n[[jobs.registers]]\nname = "t"\nkind = "holding"\naddress = 1\n`,
        /jobs\[0\]\.address: .*scheme "udp" is not supported here; expected tcp:\/\/host:port/,
      ],
      [
        `[[jobs]]\ntype = "modbus"\nname = "plc"\naddress = "tcp://plc:502"\n[[jobs.registers]]\nname = "t"\nkind = "coil"\naddress = 1\ntype = "float32"\n`,
        /jobs\[0\]\.registers\[0\]\.type: a coil is a bit: its type is bool/,
      ],
      [
        `[[jobs]]\ntype = "exec"\nname = "s"\ncommand = ["x"]\n[[jobs.columns]]\nname = "a"\ntype = "string"\n`,
        /jobs\[0\]\.columns\[0\]\.type: expected one of "float64", "int64"/,
      ],
    ];
    for (const [text, message, files] of cases) {
      const r = await check(dir, text, files);
      assert.equal(r.code, 1, `${text}\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message, text);
      assert.doesNotMatch(r.stderr, / {4}at /, "no stack trace");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the shipped device profiles load, and their keys fill the job's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [profile, columns] of [
        ["instruments/keysight-34465a.toml", ["voltage"]],
        ["instruments/keithley-2000.toml", ["voltage"]],
        ["instruments/rigol-dp832.toml", [
          "ch1_voltage",
          "ch1_current",
          "ch2_voltage",
          "ch2_current",
          "ch3_voltage",
          "ch3_current",
        ]],
      ] as const
    ) {
      const r = await check(
        dir,
        scpi(`address = "tcp://192.0.2.7:5025"\nprofile = "${profile}"\n`) +
          `[[jobs]]\ntype = "store.csv"\nname = "csv"\ninputs = ["dmm"]\n`,
      );
      assert.equal(r.code, 0, r.stderr);
      for (const c of columns) assert.match(r.stdout, new RegExp(c), `${profile}: ${r.stdout}`);
      assert.match(r.stdout, /192\.0\.2\.7:5025/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
