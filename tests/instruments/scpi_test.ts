import assert from "node:assert/strict";
import {
  Backoff,
  checkSetting,
  commandProblem,
  connectingState,
  parseInstrumentError,
  PollSchedule,
  ReplyError,
  replyParser,
  settingCommand,
  SpecError,
} from "../../src/instruments/mod.ts";
import { mutateText, Rng } from "./_fuzz.ts";

Deno.test("scpi readings: the first number by default, a pattern's group, scale and offset", () => {
  const first = replyParser({ name: "v", query: "READ?" });
  assert.equal(first("+1.23456789E-01"), 0.123456789);
  assert.equal(first("-5"), -5);
  assert.equal(first(" .5 V"), 0.5);
  assert.equal(first("CH1,5.000,1.0000"), 1); // "CH1" holds the first number
  const current = replyParser({ name: "i", query: "APPL? CH1", pattern: "^CH1,[^,]+,(.+)$" });
  assert.equal(current("CH1,5.000,1.0000"), 1);
  const mv = replyParser({ name: "v", query: "X?", scale: 1000, offset: -1 });
  assert.equal(mv("0.002"), 1);
  assert.equal(first("+9.90000000E+37"), Infinity);
  assert.equal(first("-9.90000000E+37"), -Infinity);
  assert.ok(Number.isNaN(first("9.91E37")));
});

Deno.test("scpi readings: replies without a value are ReplyErrors of a stable kind", () => {
  const first = replyParser({ name: "v", query: "READ?" });
  const p = replyParser({ name: "v", query: "READ?", pattern: "V=(\\S+)" });
  const kind = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof ReplyError);
      return e.kind;
    }
    assert.fail("no error");
  };
  assert.equal(kind(() => first("OVLD")), "no number in reply");
  assert.equal(kind(() => first("ERR")), "no number in reply");
  assert.equal(kind(() => p("I=3")), "pattern did not match");
  assert.equal(kind(() => p("V=high")), "pattern group is not a number");
  assert.equal(kind(() => p("V=1.5.5")), "pattern group is not a number");
});

Deno.test("scpi readings: a pattern without exactly one group, or bad scale, is a SpecError", () => {
  assert.throws(
    () => replyParser({ name: "v", query: "Q?", pattern: "\\d+" }),
    (e: unknown) => e instanceof SpecError && e.key === "pattern" && /found 0/.test(e.message),
  );
  assert.throws(
    () => replyParser({ name: "v", query: "Q?", pattern: "(a)(b)" }),
    /found 2 \(write other groups as \(\?:/,
  );
  assert.throws(
    () => replyParser({ name: "v", query: "Q?", pattern: "(" }),
    /not a regular expression/,
  );
  assert.throws(() => replyParser({ name: "v", query: "Q?", scale: Infinity }), /scale/);
});

Deno.test("scpi: SYST:ERR? entries, commands and settings", () => {
  assert.deepEqual(parseInstrumentError('+0,"No error"'), { code: 0, message: "No error" });
  assert.deepEqual(parseInstrumentError('-113,"Undefined header"'), {
    code: -113,
    message: "Undefined header",
  });
  assert.deepEqual(parseInstrumentError('-222,"Data out of range; ""VOLT 99"""'), {
    code: -222,
    message: 'Data out of range; "VOLT 99"',
  });
  assert.deepEqual(parseInstrumentError("0"), { code: 0, message: "" });
  assert.throws(() => parseInstrumentError("No error"), ReplyError);
  assert.equal(commandProblem("*CLS"), undefined);
  assert.match(commandProblem("VOLT 1\nOUTP ON")!, /control character/);
  assert.match(commandProblem("  ")!, /empty/);
  const volt = { name: "voltage", command: "VOLT {value}", min: 0, max: 30 };
  checkSetting(volt);
  assert.equal(settingCommand(volt, 12.5), "VOLT 12.5");
  assert.throws(() => settingCommand(volt, 31), /setting "voltage": 31 is above max 30/);
  assert.throws(() => settingCommand(volt, NaN), /expected a finite number/);
  assert.throws(
    () => checkSetting({ name: "v", command: "VOLT" }),
    /expected \{value\} exactly once, found 0/,
  );
  assert.throws(() => checkSetting({ name: "v", command: "A {value};B {value}" }), /found 2/);
});

Deno.test("scpi fuzz: any reply gives a number or a ReplyError", () => {
  const rng = new Rng(7);
  const parsers = [
    replyParser({ name: "v", query: "Q?" }),
    replyParser({ name: "v", query: "Q?", pattern: "^CH1,[^,]+,(.+)$", scale: 2 }),
  ];
  const seeds = ["+1.23456789E-01", "CH1,5.000,1.0000", '-113,"Undefined header"', "9.91E37"];
  for (let i = 0; i < 20_000; i++) {
    const reply = mutateText(rng, rng.pick(seeds), 300);
    for (const parse of parsers) {
      try {
        const x = parse(reply);
        assert.equal(typeof x, "number");
      } catch (e) {
        if (!(e instanceof ReplyError)) throw new Error(`${JSON.stringify(reply)}: ${e}`);
        assert.ok(e.reply.length <= 203);
      }
    }
    try {
      const err = parseInstrumentError(reply);
      assert.ok(Number.isSafeInteger(err.code));
    } catch (e) {
      if (!(e instanceof ReplyError)) throw e;
    }
  }
});

Deno.test("poll schedule: slots at start + k * interval; a late poll skips slots and counts them", () => {
  const s = new PollSchedule(0, 100);
  assert.equal(s.next(0).dueMs, 0);
  assert.deepEqual(s.next(30), { slot: 1, dueMs: 100, missed: 0 });
  assert.deepEqual(s.next(199.9), { slot: 2, dueMs: 200, missed: 0 });
  // Slot 2 ran 150 ms long: 350 is still within slot 3, which is taken at once.
  assert.deepEqual(s.next(350), { slot: 3, dueMs: 300, missed: 0 });
  assert.deepEqual(s.next(1010), { slot: 10, dueMs: 1000, missed: 6 });
  assert.equal(s.missed, 6);
  // No drift: after many polls the due times stay on the grid.
  let last = s.next(1020);
  for (let i = 0; i < 1000; i++) last = s.next(last.dueMs + 3);
  assert.equal(last.dueMs, 1100 + 1000 * 100);
});

Deno.test("backoff doubles to its maximum and is shown as connecting (attempt n, next in s)", () => {
  const b = new Backoff(500, 8000);
  assert.deepEqual([b.fail(), b.fail(), b.fail(), b.fail(), b.fail(), b.fail()], [
    500,
    1000,
    2000,
    4000,
    8000,
    8000,
  ]);
  assert.equal(b.attempt, 6);
  b.reset();
  assert.equal(b.fail(), 500);
  assert.equal(connectingState(3, 4000), "connecting (attempt 3, next in 4 s)");
  assert.equal(connectingState(7, 30_000), "connecting (attempt 7, next in 30 s)");
});
