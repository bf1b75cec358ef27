// The [[alarms]] tables: validated, conditions parsed against the jobs and route keys, and the
// column watchers that alarms over a route's columns need.
import {
  type AlarmAction,
  AlarmConditionError,
  type AlarmSpec,
  columnWatchJob,
  parseAlarmCondition,
} from "../alarms/mod.ts";
import { fail, type TableSpec, validateTable, type ValidationSite } from "./_schema.ts";

const ACTIONS: readonly AlarmAction[] = ["log", "webhook", "stop_run"];

const ALARM_FIELDS: TableSpec = {
  name: { type: "string", required: true, doc: "shown in the status, logs and the API" },
  when: {
    type: "string",
    required: true,
    doc:
      'a condition over stats ("jobs.dmm.msgs_per_s < 1") or a route\'s column ("dmm.voltage > 10.5")',
  },
  for: { type: "duration", allowZero: true, default: "0s", doc: "how long it must hold" },
  level: { type: "string", choices: ["warning", "alarm"], default: "alarm" },
  hysteresis: { type: "number", min: 0, default: 0, doc: "how far back before it clears" },
  action: { type: "strings", default: ["log"], doc: "log, webhook, stop_run" },
  webhook: { type: "string", doc: "where the webhook action POSTs (http or https)" },
};

/** One [[alarms]] table as read, with where it was. */
export interface RawAlarm {
  table: Record<string, unknown>;
  site: ValidationSite;
  /** Its index in its file, for the key path `alarms[i]`. */
  index: number;
}

/** A column watcher job the alarms need: its raw table and where to report problems. */
export interface WatcherTable {
  table: Record<string, unknown>;
  site: ValidationSite;
}

/**
 * Validates the alarms (conditions against `jobs` and `routeKeys`); returns them and the
 * watcher jobs (type `alarm.watch`, one per route whose columns alarms look at).
 */
export function resolveAlarms(
  raws: readonly RawAlarm[],
  jobNames: readonly string[],
  routeKeys: readonly string[],
): { alarms: AlarmSpec[]; watchers: WatcherTable[] } {
  const alarms: AlarmSpec[] = [];
  const columns = new Map<string, { columns: Set<string>; site: ValidationSite }>();
  const watcherNames = [...new Set(routeKeys)].map(columnWatchJob);
  for (const raw of raws) {
    const at = { ...raw.site, path: `alarms[${raw.index}]`, shownPath: `alarms[${raw.index}]` };
    const a = validateTable(raw.table, ALARM_FIELDS, at);
    const name = a.name as string;
    if (alarms.some((x) => x.name === name)) fail(at, "name", `alarm "${name}" is defined twice`);
    let condition;
    try {
      condition = parseAlarmCondition(a.when as string, {
        jobs: [...jobNames, ...watcherNames],
        routes: routeKeys,
      });
    } catch (e) {
      if (e instanceof AlarmConditionError) fail(at, "when", e.message);
      throw e;
    }
    if (condition.subject.kind === "stat" && !jobNames.includes(condition.subject.job)) {
      fail(at, "when", `no job "${condition.subject.job}" (jobs: ${jobNames.join(", ")})`);
    }
    const actions = a.action as string[];
    actions.forEach((x, i) => {
      if (!ACTIONS.includes(x as AlarmAction)) {
        fail(at, `action[${i}]`, `expected one of ${ACTIONS.join(", ")}, got "${x}"`);
      }
    });
    const webhook = a.webhook as string | undefined;
    if (actions.includes("webhook") && webhook === undefined) {
      fail(at, "webhook", 'missing: the URL that action "webhook" POSTs to');
    }
    if (webhook !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(webhook);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
        fail(at, "webhook", `expected an http:// or https:// URL, got ${JSON.stringify(webhook)}`);
      }
    }
    if (condition.subject.kind === "column") {
      const c = columns.get(condition.subject.route) ?? { columns: new Set(), site: at };
      c.columns.add(condition.subject.column);
      columns.set(condition.subject.route, c);
    }
    alarms.push({
      name,
      when: a.when as string,
      forMs: a.for as number,
      level: a.level as "warning" | "alarm",
      hysteresis: a.hysteresis as number,
      actions: actions as AlarmAction[],
      ...(webhook === undefined ? {} : { webhook }),
    });
  }
  const watchers = [...columns].map(([route, c]) => ({
    site: c.site,
    table: {
      type: "alarm.watch",
      name: columnWatchJob(route),
      inputs: [route],
      columns: [...c.columns],
    },
  }));
  return { alarms, watchers };
}
