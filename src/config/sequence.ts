/**
 * `[[sequence]]`: runs to make one after another (a scan). Each step has a comment (with
 * `{setting}` placeholders), an end (`duration` or `stop_after_rows`), settings sent to jobs
 * before each of its runs (`set = { psu = { voltage = 1.5 } }`) and a `repeat` count.
 */
import {
  fail,
  hasControlCharacter,
  type TableSpec,
  validateTable,
  type ValidationSite,
} from "./_schema.ts";
import type { SequenceStep, SettingValue } from "./types.ts";

/** Steps in one sequence at most. */
export const MAX_SEQUENCE_STEPS = 1000;
/** Repeats of one step at most. */
export const MAX_REPEAT = 10_000;

const STEP_FIELDS: TableSpec = {
  comment: {
    type: "string",
    doc: "the runs' comment; {name} is a setting's value, {step}, {repeat}",
  },
  duration: { type: "duration", doc: "how long each run of the step lasts" },
  stop_after_rows: {
    type: "number",
    integer: true,
    min: 1,
    doc: "or: stop each run once its sources produced this many rows",
  },
  repeat: { type: "number", integer: true, min: 1, max: MAX_REPEAT, default: 1 },
  set: { type: "string", doc: "settings sent before each run: { job = { setting = value } }" },
};

/** Placeholders every comment may use besides setting names. */
const BUILT_IN = ["step", "repeat", "run"];

/**
 * Validates `[[sequence]]` tables against the config's job names; throws a `ConfigError`
 * naming the step and key (`sequence[1].set.psu.voltage`).
 */
export function resolveSequence(
  raw: unknown[],
  at: ValidationSite,
  jobNames: readonly string[],
): SequenceStep[] {
  if (raw.length > MAX_SEQUENCE_STEPS) {
    fail(at, "sequence", `more than ${MAX_SEQUENCE_STEPS} steps`);
  }
  return raw.map((item, i) => {
    const key = `sequence[${i}]`;
    const stepAt: ValidationSite = {
      ...at,
      path: at.path ? `${at.path}.${key}` : key,
      shownPath: at.shownPath ? `${at.shownPath}.${key}` : key,
    };
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      fail(at, key, "expected a table");
    }
    const table = item as Record<string, unknown>;
    const { set, ...rest } = table;
    // `set` is a table of tables, checked by resolveSet; it stays in the spec to be listed.
    const v = validateTable(rest, STEP_FIELDS, stepAt);
    if (v.duration === undefined && v.stop_after_rows === undefined) {
      fail(stepAt, "duration", 'missing: each step needs "duration" or "stop_after_rows"');
    }
    if (v.duration !== undefined && v.stop_after_rows !== undefined) {
      fail(stepAt, "stop_after_rows", 'give "duration" or "stop_after_rows", not both');
    }
    const settings = resolveSet(set, stepAt, jobNames);
    const comment = (v.comment as string | undefined) ?? "";
    const names = new Set([
      ...BUILT_IN,
      ...Object.entries(settings).flatMap(([job, s]) =>
        Object.keys(s).flatMap((n) => [n, `${job}.${n}`])
      ),
    ]);
    for (const m of comment.matchAll(/\{([^{}]*)\}/g)) {
      if (!names.has(m[1])) {
        fail(
          stepAt,
          "comment",
          `unknown placeholder {${m[1]}}; known: ${[...names].map((n) => `{${n}}`).join(", ")}`,
        );
      }
    }
    return {
      comment,
      durationMs: v.duration as number | undefined,
      stopAfterRows: v.stop_after_rows as number | undefined,
      repeat: v.repeat as number,
      set: settings,
    };
  });
}

function resolveSet(
  set: unknown,
  at: ValidationSite,
  jobNames: readonly string[],
): Record<string, Record<string, SettingValue>> {
  if (set === undefined) return {};
  if (set === null || typeof set !== "object" || Array.isArray(set)) {
    fail(at, "set", "expected a table of jobs, e.g. { psu = { voltage = 1.5 } }");
  }
  const out: Record<string, Record<string, SettingValue>> = {};
  for (const [job, settings] of Object.entries(set as Record<string, unknown>)) {
    if (!jobNames.includes(job)) {
      fail(at, `set.${job}`, `no job "${job}"; jobs: ${jobNames.join(", ")}`);
    }
    if (settings === null || typeof settings !== "object" || Array.isArray(settings)) {
      fail(at, `set.${job}`, "expected a table of settings, e.g. { voltage = 1.5 }");
    }
    out[job] = {};
    for (const [name, value] of Object.entries(settings as Record<string, unknown>)) {
      if (!/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/.test(name)) {
        fail(at, `set.${job}.${name}`, "expected a setting name of letters, digits and _.:-");
      }
      out[job][name] = settingValueOf(value, at, `set.${job}.${name}`);
    }
  }
  return out;
}

/** Whether `value` can be a setting's: a finite number, a boolean or a short plain string. */
export function isSettingValue(value: unknown): value is SettingValue {
  return (typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean" ||
    (typeof value === "string" && value.length <= 256 && !hasControlCharacter(value));
}

/** A setting's value (see {@link isSettingValue}); else a `ConfigError` at `key`. */
function settingValueOf(value: unknown, at: ValidationSite, key: string): SettingValue {
  if (isSettingValue(value)) return value;
  return fail(
    at,
    key,
    `expected a finite number, a boolean or a string of at most 256 characters, got ${
      JSON.stringify(value)?.slice(0, 60)
    }`,
  );
}
