/**
 * Device profiles: TOML files holding the keys a `scpi` job would otherwise repeat for each
 * instrument of a model (`init`, `readings`, `settings`, terminators, encoding, delays). A
 * job names one with `profile = "instruments/keysight-34465a.toml"`; the job's own keys
 * override the profile's, key by key (a job's `readings` replace the profile's whole list).
 */
import { parse as parseToml, TomlError } from "smol-toml";
import { ProfileError } from "./errors.ts";

/** The keys a profile may hold (the same keys, with the same meaning, as in the job). */
export const PROFILE_KEYS: readonly string[] = [
  "description",
  "manual",
  "init",
  "readings",
  "settings",
  "write_terminator",
  "read_terminator",
  "encoding",
  "query_delay",
  "timeout",
  "check_errors",
  "max_reply",
];

/** Keys that describe the profile itself and are not copied into the job. */
const ABOUT_KEYS = new Set(["description", "manual"]);

/**
 * Reads a profile's TOML text. Throws {@link ProfileError} naming the file, and the line or
 * the key, when it is not TOML or holds a key a profile cannot have. Values are checked
 * where the job's own keys are (the same rules, with this file named).
 *
 * @example
 * ```ts
 * import { parseProfile } from "./profile.ts";
 * import assert from "node:assert/strict";
 * const p = parseProfile('init = ["*CLS"]\n[[readings]]\nname = "v"\nquery = "READ?"\n', "dmm.toml");
 * assert.deepEqual(p.init, ["*CLS"]);
 * ```
 */
export function parseProfile(text: string, file: string): Record<string, unknown> {
  let table: Record<string, unknown>;
  try {
    table = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      throw new ProfileError(
        `${file}:${e.line}`,
        undefined,
        `not valid TOML: ${e.message.split("\n")[0]}`,
      );
    }
    throw e;
  }
  for (const key of Object.keys(table)) {
    if (!PROFILE_KEYS.includes(key)) {
      throw new ProfileError(
        file,
        key,
        `a profile cannot hold this key; it may hold ${PROFILE_KEYS.join(", ")}`,
      );
    }
  }
  return table;
}

/**
 * A job's keys over a profile's: every key the job sets wins; the profile fills the rest
 * (its `description` and `manual` stay out).
 */
export function mergeProfile(
  profile: Record<string, unknown>,
  job: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(profile)) if (!ABOUT_KEYS.has(key)) merged[key] = value;
  for (const [key, value] of Object.entries(job)) if (value !== undefined) merged[key] = value;
  return merged;
}

/**
 * Where a profile named `name` is looked for, in order: an absolute path as it is; else
 * beside the config file that names it, then in the profiles shipped with daq
 * (`shippedDir`, the `config/` folder that holds `instruments/`).
 */
export function profileCandidates(name: string, configDir: string, shippedDir: string): string[] {
  if (name.startsWith("/")) return [name];
  const join = (dir: string) => `${dir.replace(/\/+$/, "")}/${name}`;
  return [...new Set([join(configDir), join(shippedDir)])];
}
