/**
 * SCPI without I/O: reading values out of replies, instrument error replies, commands built
 * from settings, and checks on what goes to the instrument.
 */
import { ReplyError, SpecError } from "./errors.ts";

/** A reading as configured: the query, how to find the number in the reply, and its scaling. */
export interface ReadingSpec {
  name: string;
  query: string;
  unit?: string;
  /** Regular expression with exactly one group around the number; default: the first number. */
  pattern?: string;
  scale?: number;
  offset?: number;
}

/** Turns one reply into a value; throws {@link ReplyError} when it holds none. */
export type ReplyParser = (reply: string) => number;

const FIRST_NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/;
const NUMBER = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

/**
 * SCPI's special values (SCPI-99 vol. 1, 7.2.1.4-5): 9.9E37 is +infinity (an overload),
 * -9.9E37 -infinity, 9.91E37 not-a-number. They are stored as such, not as huge numbers.
 */
export function scpiValue(x: number): number {
  if (x === 9.9e37) return Infinity;
  if (x === -9.9e37) return -Infinity;
  if (x === 9.91e37 || x === -9.91e37) return NaN;
  return x;
}

/**
 * Compiles a reading's pattern, scale and offset into a {@link ReplyParser}. Throws
 * {@link SpecError} (key `pattern`, `scale` or `offset`) when they cannot be used.
 *
 * @example
 * ```ts
 * import { replyParser } from "./scpi.ts";
 * import assert from "node:assert/strict";
 * assert.equal(replyParser({ name: "v", query: "MEAS?" })("+1.25E+00"), 1.25);
 * const ma = replyParser({ name: "i", query: "I?", pattern: "I=(\\S+)A", scale: 1000 });
 * assert.equal(ma("CH1 I=0.002A"), 2);
 * ```
 */
export function replyParser(spec: ReadingSpec): ReplyParser {
  const scale = spec.scale ?? 1;
  const offset = spec.offset ?? 0;
  if (!Number.isFinite(scale)) throw new SpecError("scale", `expected a finite number`);
  if (!Number.isFinite(offset)) throw new SpecError("offset", `expected a finite number`);
  let pattern: RegExp | undefined;
  if (spec.pattern !== undefined) {
    try {
      pattern = new RegExp(spec.pattern);
    } catch (e) {
      throw new SpecError("pattern", `not a regular expression: ${(e as Error).message}`);
    }
    const groups = new RegExp(`${spec.pattern}|`).exec("")!.length - 1;
    if (groups !== 1) {
      throw new SpecError(
        "pattern",
        `expected exactly one group (...) around the number, found ${groups}` +
          (groups > 1 ? " (write other groups as (?:...))" : ""),
      );
    }
  }
  return (reply: string): number => {
    let text: string;
    if (pattern) {
      const m = pattern.exec(reply);
      if (!m) throw new ReplyError("pattern did not match", reply);
      text = m[1] ?? "";
      const n = NUMBER.exec(text);
      if (!n) throw new ReplyError("pattern group is not a number", reply);
      text = n[1];
    } else {
      const m = FIRST_NUMBER.exec(reply);
      if (!m) throw new ReplyError("no number in reply", reply);
      text = m[0];
    }
    const x = scpiValue(Number(text));
    return x * scale + offset;
  };
}

/** One entry of the instrument's error queue, as `SYST:ERR?` answers it. */
export interface InstrumentError {
  /** 0 means the queue is empty; negative codes are SCPI's, positive ones the vendor's. */
  code: number;
  message: string;
}

/**
 * Reads a `SYST:ERR?` reply such as `-113,"Undefined header"` or `+0,"No error"`. Throws
 * {@link ReplyError} when the reply is not of that form.
 */
export function parseInstrumentError(reply: string): InstrumentError {
  const m = /^\s*([-+]?\d+)\s*(?:,\s*(?:"((?:[^"]|"")*)"|(.*?)))?\s*$/.exec(reply);
  if (!m) throw new ReplyError('not an error queue entry (code,"message")', reply);
  const code = Number(m[1]);
  if (!Number.isSafeInteger(code)) throw new ReplyError("error code out of range", reply);
  const message = m[2] !== undefined ? m[2].replaceAll('""', '"') : (m[3] ?? "");
  return { code, message };
}

/**
 * Checks a command or query from a config or profile: printable, without line breaks (which
 * would split it into two commands) and not empty. Returns the problem or undefined.
 */
export function commandProblem(command: string): string | undefined {
  if (command.trim() === "") return "empty command";
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(command)) {
    return "contains a control character (line breaks are added by write_terminator)";
  }
  return undefined;
}

/** A settable output: `command` holds `{value}` once, e.g. `VOLT {value}`. */
export interface SettingSpec {
  name: string;
  command: string;
  /** Lowest and highest value accepted, when given. */
  min?: number;
  max?: number;
}

/**
 * Checks a setting's command template; throws {@link SpecError} (key `command`, `min` or
 * `max`) when it cannot be used.
 */
export function checkSetting(spec: SettingSpec): void {
  const problem = commandProblem(spec.command);
  if (problem) throw new SpecError("command", problem);
  const uses = spec.command.split("{value}").length - 1;
  if (uses !== 1) throw new SpecError("command", `expected {value} exactly once, found ${uses}`);
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
    throw new SpecError("min", `min ${spec.min} is above max ${spec.max}`);
  }
}

/**
 * The command that sets `spec` to `value`. Throws {@link RangeError} naming the setting when
 * the value is not a finite number or is outside min..max.
 *
 * @example
 * ```ts
 * import { settingCommand } from "./scpi.ts";
 * import assert from "node:assert/strict";
 * assert.equal(settingCommand({ name: "v", command: "VOLT {value}" }, 2.5), "VOLT 2.5");
 * ```
 */
export function settingCommand(spec: SettingSpec, value: number): string {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`setting "${spec.name}": expected a finite number, got ${value}`);
  }
  if (spec.min !== undefined && value < spec.min) {
    throw new RangeError(`setting "${spec.name}": ${value} is below min ${spec.min}`);
  }
  if (spec.max !== undefined && value > spec.max) {
    throw new RangeError(`setting "${spec.name}": ${value} is above max ${spec.max}`);
  }
  return spec.command.replace("{value}", String(value));
}
