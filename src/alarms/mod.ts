/**
 * Alarms: conditions over the stats or over a route's columns, a state machine per alarm
 * (`ok`, `triggered`, `acknowledged`, with `for` and hysteresis), and webhook delivery.
 *
 * `daq run` feeds an {@link AlarmEngine} every stats tick through {@link conditionValue} and
 * acts on its events (log, webhook, stop the run); `daq serve` shows {@link AlarmEngine.states}
 * and calls {@link AlarmEngine.acknowledge}.
 *
 * ```ts
 * import { AlarmEngine } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const alarms = new AlarmEngine([
 *   { name: "no data", when: "jobs.dmm.msgs_per_s < 1", forMs: 5000, level: "alarm" },
 * ]);
 * const rate = (r: number) => () => r;
 * alarms.update(rate(0), 0);
 * assert.equal(alarms.states()[0].state, "ok"); // holding, not yet for 5 s
 * const [event] = alarms.update(rate(0), 5000);
 * assert.equal(event.to, "triggered");
 * alarms.acknowledge("no data", "operator");
 * assert.equal(alarms.update(rate(10), 6000)[0].to, "ok");
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export {
  type AlarmCondition,
  type AlarmOperator,
  type AlarmSubject,
  conditionCleared,
  conditionHolds,
  type KnownNames,
  parseAlarmCondition,
} from "./condition.ts";
export {
  type AlarmAction,
  AlarmEngine,
  type AlarmEvent,
  type AlarmLevel,
  type AlarmSpec,
  type AlarmState,
  type AlarmStateName,
} from "./engine.ts";
export { columnFigure, columnWatchJob, conditionValue, JOB_FIGURES } from "./values.ts";
export { type WebhookCounts, type WebhookOptions, WebhookSender } from "./webhook.ts";
export { AlarmMonitor, type AlarmMonitorOptions, type AlarmWebhookPayload } from "./monitor.ts";
