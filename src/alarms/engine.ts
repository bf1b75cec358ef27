/**
 * The alarm state machine. Each alarm is `ok` until its condition has held for `forMs`, then
 * `triggered` (or `acknowledged` once someone acknowledges it) until the condition is clear
 * by its hysteresis, then `ok` again. A missing value (job not reporting yet, column not seen)
 * changes nothing. Every change is an {@link AlarmEvent}.
 */
import {
  type AlarmCondition,
  conditionCleared,
  conditionHolds,
  type KnownNames,
  parseAlarmCondition,
} from "./condition.ts";
import { AlarmActionError } from "./errors.ts";

/** How serious an alarm is. */
export type AlarmLevel = "warning" | "alarm";

/** What happens when an alarm triggers. */
export type AlarmAction = "log" | "webhook" | "stop_run";

/** The states an alarm is in. */
export type AlarmStateName = "ok" | "triggered" | "acknowledged";

/** One alarm, as configured. */
export interface AlarmSpec {
  name: string;
  /** The condition text, e.g. `jobs.dmm.msgs_per_s < 1`. */
  when: string;
  /** How long the condition must hold before the alarm triggers, ms. Default 0. */
  forMs?: number;
  /** Default `alarm`. */
  level?: AlarmLevel;
  /** Margin by which the condition must be clear before the alarm is (see conditionCleared). */
  hysteresis?: number;
  /** Default `["log"]`. */
  actions?: readonly AlarmAction[];
  /** Where `webhook` POSTs. */
  webhook?: string;
}

/** An alarm now. */
export interface AlarmState {
  name: string;
  level: AlarmLevel;
  state: AlarmStateName;
  condition: string;
  /** The last value seen, when any. */
  value?: number;
  /** Since when the condition holds (while ok and waiting for `for`, or triggered), ISO 8601. */
  holdingSince?: string;
  /** When it last triggered, was acknowledged, cleared (ISO 8601). */
  triggeredAt?: string;
  acknowledgedAt?: string;
  clearedAt?: string;
  /** Times it triggered. */
  triggers: number;
}

/** A change of state. */
export interface AlarmEvent {
  alarm: string;
  level: AlarmLevel;
  from: AlarmStateName;
  to: AlarmStateName;
  /** ISO 8601. */
  at: string;
  condition: string;
  value?: number;
  /** A line for logs: `alarm "no data" triggered: jobs.dmm.msgs_per_s = 0 (< 1 for 5 s)`. */
  message: string;
  /** Who acknowledged it, for acknowledgements. */
  by?: string;
}

interface Alarm {
  spec: Required<Omit<AlarmSpec, "webhook">> & { webhook?: string };
  condition: AlarmCondition;
  state: AlarmState;
  holdingSinceMs?: number;
}

const HISTORY = 1000;

/** Keeps the state of every alarm and moves it on as values come in. */
export class AlarmEngine {
  readonly #alarms: Alarm[];
  readonly #history: AlarmEvent[] = [];
  readonly #listeners: ((e: AlarmEvent) => void)[] = [];

  /** Parses every condition (throws AlarmConditionError); all alarms start `ok`. */
  constructor(specs: readonly AlarmSpec[], known: KnownNames = {}) {
    this.#alarms = specs.map((s) => ({
      spec: {
        name: s.name,
        when: s.when,
        forMs: s.forMs ?? 0,
        level: s.level ?? "alarm",
        hysteresis: s.hysteresis ?? 0,
        actions: s.actions ?? ["log"],
        webhook: s.webhook,
      },
      condition: parseAlarmCondition(s.when, known),
      state: {
        name: s.name,
        level: s.level ?? "alarm",
        state: "ok",
        condition: s.when,
        triggers: 0,
      },
    }));
  }

  /** The parsed conditions, by alarm name. */
  conditions(): Map<string, AlarmCondition> {
    return new Map(this.#alarms.map((a) => [a.spec.name, a.condition]));
  }

  /** The alarms as configured. */
  specs(): AlarmSpec[] {
    return this.#alarms.map((a) => ({ ...a.spec }));
  }

  /** Calls `listener` with every event from now on. */
  onEvent(listener: (e: AlarmEvent) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Moves every alarm on: `value(condition)` gives its subject's value now (undefined when
   * unknown). Returns the events, in alarm order.
   */
  update(
    value: (c: AlarmCondition) => number | undefined,
    nowMs: number = Date.now(),
  ): AlarmEvent[] {
    const events: AlarmEvent[] = [];
    for (const a of this.#alarms) {
      const v = value(a.condition);
      if (v === undefined || Number.isNaN(v)) continue;
      a.state.value = v;
      const holds = conditionHolds(a.condition, v);
      if (a.state.state === "ok") {
        if (!holds) {
          a.holdingSinceMs = undefined;
          a.state.holdingSince = undefined;
          continue;
        }
        a.holdingSinceMs ??= nowMs;
        a.state.holdingSince ??= new Date(nowMs).toISOString();
        if (nowMs - a.holdingSinceMs >= a.spec.forMs) {
          a.state.triggers++;
          a.state.triggeredAt = new Date(nowMs).toISOString();
          events.push(this.#change(a, "triggered", nowMs));
        }
      } else if (conditionCleared(a.condition, v, a.spec.hysteresis)) {
        a.holdingSinceMs = undefined;
        a.state.holdingSince = undefined;
        a.state.clearedAt = new Date(nowMs).toISOString();
        events.push(this.#change(a, "ok", nowMs));
      }
    }
    return events;
  }

  /** Acknowledges a triggered alarm; throws {@link AlarmActionError} when there is none. */
  acknowledge(name: string, by?: string, nowMs: number = Date.now()): AlarmEvent {
    const a = this.#alarms.find((x) => x.spec.name === name);
    if (!a) {
      throw new AlarmActionError(
        `no alarm named "${name}" (alarms: ${this.#alarms.map((x) => x.spec.name).join(", ")})`,
      );
    }
    if (a.state.state !== "triggered") {
      throw new AlarmActionError(`alarm "${name}" is ${a.state.state}, not triggered`);
    }
    a.state.acknowledgedAt = new Date(nowMs).toISOString();
    return this.#change(a, "acknowledged", nowMs, by);
  }

  /** Every alarm now. */
  states(): AlarmState[] {
    return this.#alarms.map((a) => ({ ...a.state }));
  }

  /** The last events (at most 1000), oldest first. */
  history(): AlarmEvent[] {
    return [...this.#history];
  }

  #change(a: Alarm, to: AlarmStateName, nowMs: number, by?: string): AlarmEvent {
    const from = a.state.state;
    a.state.state = to;
    const c = a.condition;
    const value = a.state.value;
    const shown = value === undefined ? "" : ` = ${value}`;
    const forText = a.spec.forMs > 0 ? ` for ${a.spec.forMs / 1000} s` : "";
    const message = to === "triggered"
      ? `${a.spec.level} "${a.spec.name}" triggered: ${
        subjectText(c)
      }${shown} (${c.operator} ${c.threshold}${forText})`
      : to === "acknowledged"
      ? `${a.spec.level} "${a.spec.name}" acknowledged${by ? ` by ${by}` : ""}`
      : `${a.spec.level} "${a.spec.name}" cleared: ${subjectText(c)}${shown}`;
    const event: AlarmEvent = {
      alarm: a.spec.name,
      level: a.spec.level,
      from,
      to,
      at: new Date(nowMs).toISOString(),
      condition: c.text,
      ...(value === undefined ? {} : { value }),
      message,
      ...(by === undefined ? {} : { by }),
    };
    this.#history.push(event);
    if (this.#history.length > HISTORY) this.#history.splice(0, this.#history.length - HISTORY);
    for (const l of this.#listeners) l(event);
    return event;
  }
}

function subjectText(c: AlarmCondition): string {
  return c.subject.kind === "stat"
    ? `jobs.${c.subject.job}.${c.subject.figure}`
    : `${c.subject.route}.${c.subject.column}`;
}
