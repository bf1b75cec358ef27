import assert from "node:assert/strict";
import { join } from "node:path";
import { fileTimeStamp, nextFileName } from "../../src/formats/file_name.ts";

const DATE = new Date("2025-03-04T05:06:07.890Z");

Deno.test("fileTimeStamp is YYYYMMDD-HHMMSS in UTC", () => {
  assert.equal(fileTimeStamp(DATE), "20250304-050607");
  assert.equal(fileTimeStamp(new Date(0)), "19700101-000000");
});

Deno.test("nextFileName counts up from 001 and never names an existing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "daq_file_name_" });
  try {
    const name = (date: Date | null = DATE) => nextFileName(dir, "run", { ext: ".h5", date });
    assert.equal(name(), join(dir, "run_20250304-050607_001.h5"));
    await Deno.writeTextFile(name(), "");
    assert.equal(name(), join(dir, "run_20250304-050607_002.h5"));
    // A gap below the highest counter is not reused: names keep the order files were made in.
    await Deno.writeTextFile(join(dir, "run_20250304-050607_007.h5"), "");
    assert.equal(name(), join(dir, "run_20250304-050607_008.h5"));
    // Leftovers such as a .partial file hold their counter too.
    await Deno.writeTextFile(join(dir, "run_20250304-050607_008.h5.partial"), "");
    assert.equal(name(), join(dir, "run_20250304-050607_009.h5"));
    // Other prefixes, extensions and seconds do not count.
    await Deno.writeTextFile(join(dir, "run2_20250304-050607_050.h5"), "");
    await Deno.writeTextFile(join(dir, "run_20250304-050607_060.csv"), "");
    assert.equal(name(new Date("2025-03-04T05:06:08Z")), join(dir, "run_20250304-050608_001.h5"));
    assert.equal(name(), join(dir, "run_20250304-050607_009.h5"));
    assert.equal(
      nextFileName(dir, "run", { ext: ".csv", date: DATE }),
      join(dir, "run_20250304-050607_061.csv"),
    );
    // Without a date.
    assert.equal(name(null), join(dir, "run_001.h5"));
    await Deno.writeTextFile(join(dir, "run_001.h5"), "");
    assert.equal(name(null), join(dir, "run_002.h5"));
    assert.equal(
      nextFileName(dir, "run", { ext: ".h5", date: null, counterDigits: 5 }),
      join(dir, "run_00002.h5"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nextFileName in a folder that does not exist yet starts at 001", () => {
  assert.equal(
    nextFileName("/nonexistent/daq", "x", { ext: ".h5", date: DATE }),
    "/nonexistent/daq/x_20250304-050607_001.h5",
  );
});
