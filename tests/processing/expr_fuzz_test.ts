/** Seeded, bounded fuzz of the expression parser: every input compiles or fails as ExprError. */
import assert from "node:assert/strict";
import { compileExpr, ExprError } from "../../src/processing/mod.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  "voltage",
  "current",
  "adc",
  "x",
  "pi",
  "abs",
  "sqrt",
  "exp",
  "log",
  "sin",
  "cos",
  "min",
  "max",
  "clamp",
  "(",
  ")",
  ",",
  "+",
  "-",
  "*",
  "/",
  "%",
  "**",
  "<",
  "<=",
  ">",
  ">=",
  "==",
  "!=",
  "&&",
  "||",
  "!",
  "?",
  ":",
  "1",
  "0.5",
  "1e308",
  "1e-5",
  ".5",
  "[",
  "]",
  ".",
  "'a'",
  '"',
  "`",
  "~",
  "^",
  "&",
  "|",
  ";",
  "this",
  "true",
  "null",
  "__proto__",
  "constructor",
  "toString",
  "\\",
  "\u0000",
  "\u{1F600}",
  " ",
  "\n",
  "=",
  "=>",
  "new",
  "{",
  "}",
];
const VALID = ["voltage * current", "(adc - 512) * 0.125", "clamp(sin(x), -1, max(x, 2))"];
const KNOWN = ["voltage", "current", "adc", "x"];

function check(text: string): void {
  try {
    const c = compileExpr("columns.f", text, KNOWN);
    const columns = new Map(KNOWN.map((k) => [k, Float64Array.of(1, -2, 0.5)]));
    const out = c.evaluate((n) => columns.get(n)!, 3);
    assert.equal(out.length, 3, text);
  } catch (e) {
    if (!(e instanceof ExprError)) {
      throw new Error(
        `${JSON.stringify(text)}: threw ${e instanceof Error ? e.name : typeof e}: ${e}`,
      );
    }
    assert.equal(e.key, "columns.f");
  }
}

Deno.test("expr fuzz: random token strings, random characters and mutations of valid ones", () => {
  const r = rng(20261201);
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)];
  for (let i = 0; i < 4000; i++) {
    const n = 1 + Math.floor(r() * 24);
    check(Array.from({ length: n }, () => pick(TOKENS)).join(r() < 0.5 ? "" : " "));
  }
  for (let i = 0; i < 2000; i++) {
    const n = Math.floor(r() * 40);
    check(String.fromCharCode(...Array.from({ length: n }, () => Math.floor(r() * 128))));
  }
  for (let i = 0; i < 3000; i++) {
    const chars = [...pick(VALID)];
    for (let m = 1 + Math.floor(r() * 4); m > 0; m--) {
      const at = Math.floor(r() * (chars.length + 1));
      const op = r();
      if (op < 0.33) chars.splice(at, 1);
      else if (op < 0.66) chars.splice(at, 0, pick(TOKENS));
      else chars[at] = String.fromCharCode(32 + Math.floor(r() * 95));
    }
    check(chars.join(""));
  }
});

Deno.test("expr fuzz: deep nesting and long inputs end in an ExprError, not a crash or a hang", () => {
  for (const depth of [100, 900, 1999]) {
    check("(".repeat(depth) + "x" + ")".repeat(depth));
    check("-".repeat(depth) + "x");
    check("!".repeat(depth) + "x");
    check("abs(".repeat(Math.floor(depth / 4)) + "x" + ")".repeat(Math.floor(depth / 4)));
    check("x+".repeat(depth / 2) + "x");
    check("x**".repeat(depth / 3) + "x");
    check("x?".repeat(depth / 2) + "x");
  }
  check("(".repeat(5000));
  check("x".repeat(1999));
});
