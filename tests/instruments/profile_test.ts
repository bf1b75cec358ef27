import assert from "node:assert/strict";
import {
  checkSetting,
  commandProblem,
  mergeProfile,
  parseProfile,
  profileCandidates,
  ProfileError,
  type ReadingSpec,
  replyParser,
  type SettingSpec,
} from "../../src/instruments/mod.ts";
import { mutateText, Rng } from "./_fuzz.ts";

const SHIPPED = new URL("../../config/instruments/", import.meta.url).pathname;

Deno.test("profiles: every shipped profile parses, with usable readings, settings and commands", async () => {
  const names: string[] = [];
  for await (const entry of Deno.readDir(SHIPPED)) {
    if (entry.name.endsWith(".toml")) names.push(entry.name);
  }
  assert.ok(names.length >= 3, names.join());
  for (const name of names) {
    const p = parseProfile(await Deno.readTextFile(SHIPPED + name), name);
    assert.equal(typeof p.manual, "string", `${name}: names its manual`);
    const readings = p.readings as ReadingSpec[];
    assert.ok(readings.length >= 1, name);
    for (const r of readings) {
      replyParser(r);
      assert.equal(commandProblem(r.query), undefined, `${name}: ${r.query}`);
    }
    for (const c of p.init as string[]) assert.equal(commandProblem(c), undefined, `${name}: ${c}`);
    for (const s of (p.settings ?? []) as SettingSpec[]) checkSetting(s);
  }
});

Deno.test("profiles: the job's keys win; a bad file names the file and the line or key", () => {
  const p = parseProfile('init = ["*CLS"]\ntimeout = "2s"\ndescription = "x"\n', "p.toml");
  assert.deepEqual(mergeProfile(p, { timeout: "500ms", name: "dmm", init: undefined }), {
    init: ["*CLS"],
    timeout: "500ms",
    name: "dmm",
  });
  assert.throws(
    () => parseProfile('init = ["*CLS"]\nport = 5025\n', "dmm.toml"),
    (e: unknown) =>
      e instanceof ProfileError && e.key === "port" &&
      /^dmm\.toml: port: a profile cannot hold this key/.test(e.message),
  );
  assert.throws(
    () => parseProfile('init = ["*CLS"\n', "dmm.toml"),
    /^ProfileError|dmm\.toml:2: not valid TOML/,
  );
  assert.deepEqual(profileCandidates("instruments/a.toml", "/lab/cfg/", "/opt/daq/config"), [
    "/lab/cfg/instruments/a.toml",
    "/opt/daq/config/instruments/a.toml",
  ]);
  assert.deepEqual(profileCandidates("/abs/a.toml", "/lab", "/opt"), ["/abs/a.toml"]);
});

Deno.test("profiles fuzz: mutated profile files parse or throw ProfileError", async () => {
  const rng = new Rng(34465);
  const seed = await Deno.readTextFile(SHIPPED + "rigol-dp832.toml");
  for (let i = 0; i < 3000; i++) {
    const text = mutateText(rng, seed, 4000);
    try {
      const p = parseProfile(text, "fuzz.toml");
      assert.equal(typeof p, "object");
    } catch (e) {
      if (!(e instanceof ProfileError)) throw new Error(`${e}`);
    }
  }
});
