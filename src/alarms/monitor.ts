/**
 * An {@link AlarmEngine} wired to a run: fed every stats snapshot, it logs state changes,
 * POSTs them to webhooks (in the background) and stops the run for `stop_run` alarms. `daq run`
 * and `daq serve` make one per run; `states()` and `acknowledge()` are what an API shows and
 * calls.
 */
import type { StatsSnapshot } from "../supervisor/stats.ts";
import type { KnownNames } from "./condition.ts";
import { AlarmEngine, type AlarmEvent, type AlarmSpec, type AlarmState } from "./engine.ts";
import { conditionValue } from "./values.ts";
import { type WebhookOptions, WebhookSender } from "./webhook.ts";

/** Where an {@link AlarmMonitor} reports and acts. */
export interface AlarmMonitorOptions {
  /** The supervisor id, in webhook payloads. */
  supervisor: string;
  /** A log line per state change. */
  log(level: "info" | "warn" | "error", text: string): void;
  /** Stops the run (alarms with action `stop_run`). */
  stop(reason: string): void;
  /** Every state change, e.g. for the run's manifest. */
  onEvent?(event: AlarmEvent): void;
  webhook?: WebhookOptions;
}

/** The JSON body of a webhook POST. */
export interface AlarmWebhookPayload extends AlarmEvent {
  supervisor: string;
}

/** Alarms of one run. */
export class AlarmMonitor {
  readonly engine: AlarmEngine;
  readonly webhooks: WebhookSender;
  readonly #options: AlarmMonitorOptions;
  readonly #specs: Map<string, AlarmSpec>;
  readonly #runningSince = new Map<string, number>();

  /** Parses the alarms' conditions (AlarmConditionError) against the run's names. */
  constructor(specs: readonly AlarmSpec[], known: KnownNames, options: AlarmMonitorOptions) {
    this.engine = new AlarmEngine(specs, known);
    this.#options = options;
    this.#specs = new Map(specs.map((s) => [s.name, s]));
    this.webhooks = new WebhookSender({
      ...options.webhook,
      onFailure: (url, reason) => options.log("warn", `alarm webhook ${url} failed: ${reason}`),
    });
    this.engine.onEvent((e) => this.#act(e));
  }

  /** Moves every alarm on with the figures of `snapshot`; returns the state changes. */
  update(snapshot: StatsSnapshot, nowMs: number = Date.now()): AlarmEvent[] {
    for (const j of snapshot.jobs) {
      if (j.state === "running" && !this.#runningSince.has(j.name)) {
        this.#runningSince.set(j.name, snapshot.elapsedS);
      }
    }
    return this.engine.update((c) => conditionValue(c, snapshot, this.#runningSince), nowMs);
  }

  /** Every alarm now. */
  states(): AlarmState[] {
    return this.engine.states();
  }

  /** Acknowledges a triggered alarm (AlarmActionError when there is none). */
  acknowledge(name: string, by?: string): AlarmEvent {
    return this.engine.acknowledge(name, by);
  }

  /** Lets pending webhooks go out (up to `timeoutMs`), then sends nothing more. */
  close(timeoutMs = 2000): Promise<void> {
    return this.webhooks.close(timeoutMs);
  }

  #act(e: AlarmEvent): void {
    const spec = this.#specs.get(e.alarm)!;
    const actions = spec.actions ?? ["log"];
    if (actions.includes("log") || e.to !== "triggered") {
      this.#options.log(
        e.to === "triggered" ? (e.level === "alarm" ? "error" : "warn") : "info",
        e.message,
      );
    }
    if (actions.includes("webhook") && spec.webhook) {
      const payload: AlarmWebhookPayload = { supervisor: this.#options.supervisor, ...e };
      this.webhooks.post(spec.webhook, payload);
    }
    if (actions.includes("stop_run") && e.to === "triggered") {
      this.#options.stop(`alarm "${e.alarm}" triggered`);
    }
    this.#options.onEvent?.(e);
  }
}
