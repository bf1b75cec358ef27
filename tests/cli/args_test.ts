import assert from "node:assert/strict";
import { parseCommandArgs, UsageError } from "../../src/cli/_args.ts";

const OPTIONS = {
  "allow-key": { type: "string", multiple: true },
  xsub: { type: "string" },
  xpub: { type: "string" },
  quiet: { type: "boolean", short: "q" },
} as const;

Deno.test("parseCommandArgs: a value starting with - (a CURVE key may) belongs to its option", () => {
  const { values } = parseCommandArgs("proxy", [
    ...["--allow-key", "-k3y.with-dash", "--allow-key", "plain"],
    ...["--xsub", "-", "-q"],
  ], OPTIONS);
  assert.deepEqual(values["allow-key"], ["-k3y.with-dash", "plain"]);
  assert.equal(values.xsub, "-");
  assert.equal(values.quiet, true);
});

Deno.test("parseCommandArgs: a missing value is still an error when an option follows", () => {
  for (const args of [["--xsub", "--xpub", "tcp://x:1"], ["--xsub", "-q"], ["--xsub"]]) {
    assert.throws(() => parseCommandArgs("proxy", args, OPTIONS), (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.match(
        e.message,
        /^daq proxy: Option '--xsub( <value>)?' argument (missing|is ambiguous)/,
      );
      return true;
    });
  }
});
