/**
 * Alarm conditions: `<subject> <operator> <number>`. The subject is a figure of the stats
 * (`jobs.<job>.<figure>`, e.g. `jobs.dmm.msgs_per_s`) or a column of a route
 * (`<route>.<column>`, e.g. `dmm.voltage`).
 */
import { AlarmConditionError } from "./errors.ts";

/** The comparisons a condition may make. */
export type AlarmOperator = "<" | "<=" | ">" | ">=" | "==" | "!=";

/** What a condition looks at. */
export type AlarmSubject =
  | { kind: "stat"; job: string; figure: string }
  | { kind: "column"; route: string; column: string };

/** A parsed condition. */
export interface AlarmCondition {
  /** The text it was parsed from. */
  text: string;
  subject: AlarmSubject;
  operator: AlarmOperator;
  threshold: number;
}

/** Names the condition may refer to, to split `a.b.c` where names hold dots. */
export interface KnownNames {
  jobs?: readonly string[];
  routes?: readonly string[];
}

const CONDITION = /^\s*([A-Za-z0-9_.*-]+)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The longest of `names` that `path` starts with, followed by a dot. */
function longestPrefix(path: string, names: readonly string[] | undefined): string | undefined {
  if (!names) {
    const dot = path.indexOf(".");
    return dot > 0 ? path.slice(0, dot) : undefined;
  }
  let best: string | undefined;
  for (const n of names) {
    if (path.startsWith(n + ".") && path.length > n.length + 1 && n.length > (best?.length ?? 0)) {
      best = n;
    }
  }
  return best;
}

/** Parses a condition; throws {@link AlarmConditionError} saying what is wrong. */
export function parseAlarmCondition(text: string, known: KnownNames = {}): AlarmCondition {
  if (typeof text !== "string" || text.length > 500) {
    throw new AlarmConditionError('expected a condition such as "jobs.dmm.msgs_per_s < 1"');
  }
  const m = CONDITION.exec(text);
  if (!m) {
    throw new AlarmConditionError(
      `expected <subject> <operator> <number>, such as "jobs.dmm.msgs_per_s < 1" or ` +
        `"dmm.voltage > 10.5"; got ${JSON.stringify(text)}`,
    );
  }
  const [, path, operator, number] = m;
  if (!NUMBER.test(number)) {
    throw new AlarmConditionError(`the threshold must be a number, got ${JSON.stringify(number)}`);
  }
  const threshold = Number(number);
  let subject: AlarmSubject;
  if (path.startsWith("jobs.")) {
    const rest = path.slice(5);
    const job = longestPrefix(rest, known.jobs);
    if (!job) {
      const list = known.jobs ? ` (jobs: ${known.jobs.join(", ")})` : "";
      throw new AlarmConditionError(`'${path}': no job named in jobs.<job>.<figure>${list}`);
    }
    subject = { kind: "stat", job, figure: rest.slice(job.length + 1) };
  } else {
    const route = longestPrefix(path, known.routes);
    if (!route) {
      const list = known.routes ? ` (route keys: ${known.routes.join(", ")})` : "";
      throw new AlarmConditionError(
        `'${path}': expected jobs.<job>.<figure> or <route>.<column>${list}`,
      );
    }
    subject = { kind: "column", route, column: path.slice(route.length + 1) };
  }
  return { text: text.trim(), subject, operator: operator as AlarmOperator, threshold };
}

/** Whether `value` meets the condition. */
export function conditionHolds(c: AlarmCondition, value: number): boolean {
  const t = c.threshold;
  switch (c.operator) {
    case "<":
      return value < t;
    case "<=":
      return value <= t;
    case ">":
      return value > t;
    case ">=":
      return value >= t;
    case "==":
      return value === t;
    case "!=":
      return value !== t;
  }
}

/**
 * Whether a triggered condition is clear: it no longer holds, by at least `hysteresis` (for
 * `<`, `<=`: value at or above threshold + hysteresis; for `>`, `>=`: at or below threshold -
 * hysteresis; `==`, `!=` clear as soon as they no longer hold).
 */
export function conditionCleared(c: AlarmCondition, value: number, hysteresis: number): boolean {
  if (conditionHolds(c, value)) return false;
  switch (c.operator) {
    case "<":
    case "<=":
      return value >= c.threshold + hysteresis;
    case ">":
    case ">=":
      return value <= c.threshold - hysteresis;
    default:
      return true;
  }
}
