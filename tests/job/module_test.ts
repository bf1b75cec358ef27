// Job modules that cannot be used are config errors at `daq check` time: exit 1 and one line
// naming the config file, the job and the module, never a stack trace. Table-driven.
import assert from "node:assert/strict";
import { runDaq } from "../_daq.ts";

const GOOD_FIELDS = `fields: { rate: { type: "number", positive: true, default: 1 } }`;
const job = (body: string) =>
  `import { defineJob } from "daq/job";\nexport default defineJob({ role: "source", summary: "t", ${body} });\n`;

const CASES: { name: string; module?: string; toml?: string; problem: RegExp }[] = [
  {
    name: "missing file",
    problem: /module \.\/jobs\/thermo\.ts \(.*\/jobs\/thermo\.ts\): no such file$/m,
  },
  {
    name: "syntax error",
    module: `export default {\n  role: "source",, summary\n`,
    problem:
      /module \.\/jobs\/thermo\.ts \(.*\): cannot be loaded: SyntaxError: Unexpected token .* \(at .*\/jobs\/thermo\.ts:2:\d+\)$/m,
  },
  {
    name: "type error",
    module: job(
      `${GOOD_FIELDS},\n  async run(ctx) {\n    const label: string = ctx.fields.rate;\n    ctx.log(label);\n  },`,
    ),
    problem:
      /module \.\/jobs\/thermo\.ts \(.*\): does not type-check: TS2322 \[ERROR\]: Type 'number' is not assignable to type 'string'\. \(at .*\/jobs\/thermo\.ts:4:\d+\)$/m,
  },
  {
    name: "throw at import",
    module: `throw new Error("driver library not found");\n`,
    problem: /cannot be loaded: Error: driver library not found$/m,
  },
  {
    name: "no job exported",
    module: `export const rate = 5;\n`,
    problem:
      /exports no job: its default export must be a defineJob\(\{\.\.\.\}\) declaration \(it exports rate\)/,
  },
  {
    name: "default export is not a job",
    module: `export default { role: "source", summary: "t", fields: {} };\n`,
    problem: /its default export is not a job: run: expected a function run\(ctx\)/,
  },
  {
    name: "unknown field type",
    module:
      `export default { role: "source", summary: "t", fields: { rate: { type: "float" } }, async run() {} };\n`,
    problem: /invalid field spec: rate: type "float" is not one of string, number/,
  },
  {
    name: "misspelt field spec key",
    module:
      `export default { role: "source", summary: "t", fields: { rate: { type: "number", defualt: 1 } }, async run() {} };\n`,
    problem:
      /invalid field spec: rate: unknown key "defualt" \(did you mean "default"\?\) for a number field/,
  },
  {
    name: "default refused by its own spec",
    module:
      `export default { role: "source", summary: "t", fields: { rate: { type: "number", positive: true, default: -1 } }, async run() {} };\n`,
    problem: /invalid field spec: rate\.default: expected a positive number, got -1/,
  },
  {
    name: "field value fails its spec",
    module: job(`${GOOD_FIELDS}, async run() {}`),
    toml: `rate = -5`,
    problem: /lab\.toml:\d+: jobs\[0\]\.rate: expected a positive number, got -5$/m,
  },
  {
    name: "declares more than daq has",
    // daq runs with read, write, net, env, run, ffi and sys, but imports from no web host.
    module: job(
      `fields: {}, permissions: () => ({ import: ["example.com"] }), async run() {}`,
    ),
    problem:
      /job "thermo" declares import access to "example.com", which daq itself does not have \(run daq with --allow-import\)/,
  },
];

for (const c of CASES) {
  Deno.test(`job module: ${c.name} is a config error naming the file, the job and the module`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${dir}/jobs`);
      if (c.module !== undefined) await Deno.writeTextFile(`${dir}/jobs/thermo.ts`, c.module);
      await Deno.writeTextFile(
        `${dir}/lab.toml`,
        `[[jobs]]\ntype = "./jobs/thermo.ts"\nname = "thermo"\n${c.toml ?? ""}\n` +
          `[[jobs]]\ntype = "store.memory"\nname = "mem"\ninputs = ["thermo"]\n`,
      );
      const r = await runDaq(["check", `${dir}/lab.toml`]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, c.problem);
      assert.match(r.stderr, new RegExp(`${dir}/lab\\.toml:\\d+: jobs\\[0\\]\\.`));
      if (c.toml === undefined) {
        assert.match(r.stderr, /jobs\[0\]\.type: job "thermo": |job "thermo" declares/);
      }
      assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
