// Column names with commas or quotes used to break the CSV header (one name read as two, or a
// header Python's csv module cannot split back); headers are now quoted as RFC 4180 says.
import assert from "node:assert/strict";
import { FIRST_RUN, runDaq } from "../../_daq.ts";

Deno.test("store.csv: column names with commas and quotes are quoted in the header (RFC 4180), read back by Python's csv", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const names = ["a,b", 'say "hi"', "plain", " spaced "];
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      `[[jobs]]\ntype = "signal"\nname = "sim"\nbatch_rows = 10\nmax_batches = 3\n` +
        names.map((n) => `[[jobs.channels]]\nname = ${JSON.stringify(n)}\nshape = "sine"\n`)
          .join("") +
        `[[jobs]]\ntype = "store.csv"\nname = "csv"\ninputs = ["sim"]\ndate_in_name = false\n`,
    );
    const r = await runDaq(["run", `${dir}/lab.toml`, "--data-dir", `${dir}/data`]);
    assert.equal(r.code, 0, r.stderr);
    const read = await new Deno.Command("/usr/bin/python3", {
      args: [
        "-c",
        "import csv, json, sys\n" +
        "rows = [r for r in csv.reader(l for l in open(sys.argv[1], newline='') if not l.startswith('#'))]\n" +
        "print(json.dumps(rows))",
        `${dir}/data/${FIRST_RUN}/csv/csv_001.csv`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(read.success, new TextDecoder().decode(read.stderr));
    const rows: string[][] = JSON.parse(new TextDecoder().decode(read.stdout));
    assert.deepEqual(rows[0], ["timestamp_ns", ...names]);
    assert.equal(rows.length, 1 + 30);
    for (const row of rows.slice(1)) assert.equal(row.length, 1 + names.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
