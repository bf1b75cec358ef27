import assert from "node:assert/strict";
import {
  AlarmActionError,
  AlarmConditionError,
  AlarmEngine,
  conditionValue,
  parseAlarmCondition,
} from "../../src/alarms/mod.ts";
import type { JobStats, StatsSnapshot } from "../../src/supervisor/stats.ts";

Deno.test("alarm conditions: stats and route columns, dotted names split by the known names", () => {
  assert.deepEqual(parseAlarmCondition("jobs.dmm.msgs_per_s < 1"), {
    text: "jobs.dmm.msgs_per_s < 1",
    subject: { kind: "stat", job: "dmm", figure: "msgs_per_s" },
    operator: "<",
    threshold: 1,
  });
  assert.deepEqual(parseAlarmCondition(" dmm.voltage>=10.5 ").subject, {
    kind: "column",
    route: "dmm",
    column: "voltage",
  });
  const known = { jobs: ["lab.dmm", "lab"], routes: ["lab.dmm"] };
  assert.deepEqual(parseAlarmCondition("jobs.lab.dmm.peer.a.alive == 0", known).subject, {
    kind: "stat",
    job: "lab.dmm",
    figure: "peer.a.alive",
  });
  assert.deepEqual(parseAlarmCondition("lab.dmm.v != -2e-3", known).threshold, -2e-3);
  for (
    const bad of [
      "",
      "voltage > 1",
      "jobs.dmm.msgs_per_s",
      "jobs.dmm.x < one",
      "jobs.dmm.x <> 1",
      "jobs.dmm.x < 1 2",
      "x".repeat(600),
    ]
  ) {
    assert.throws(() => parseAlarmCondition(bad), AlarmConditionError, bad);
  }
  assert.throws(
    () => parseAlarmCondition("jobs.nope.rows > 1", known),
    /no job named.*jobs: lab.dmm, lab/,
  );
});

Deno.test("alarm engine: for, hysteresis, acknowledge and clear, with events", () => {
  const e = new AlarmEngine([
    { name: "hot", when: "dmm.t > 10", forMs: 2000, hysteresis: 1, level: "warning" },
  ]);
  const seen: string[] = [];
  e.onEvent((ev) => seen.push(`${ev.from}->${ev.to}`));
  let value: number | undefined = 11;
  const v = () => value;
  assert.deepEqual(e.update(v, 0), []);
  assert.equal(e.states()[0].holdingSince, new Date(0).toISOString());
  assert.deepEqual(e.update(v, 1999), []);
  value = 9; // drops before `for`: the wait starts over
  assert.deepEqual(e.update(v, 2000), []);
  value = 12;
  e.update(v, 3000);
  const [t] = e.update(v, 5000);
  assert.equal(t.to, "triggered");
  assert.match(t.message, /warning "hot" triggered: dmm.t = 12 \(> 10 for 2 s\)/);
  value = undefined; // no value: nothing changes
  assert.deepEqual(e.update(v, 6000), []);
  value = 9.5; // below the threshold but within the hysteresis: still triggered
  assert.deepEqual(e.update(v, 7000), []);
  assert.equal(e.states()[0].state, "triggered");
  assert.equal(e.acknowledge("hot", "ana", 7500).to, "acknowledged");
  assert.throws(() => e.acknowledge("hot"), AlarmActionError);
  assert.throws(() => e.acknowledge("cold"), /no alarm named "cold" \(alarms: hot\)/);
  value = 9;
  const [c] = e.update(v, 8000);
  assert.equal(c.to, "ok");
  assert.deepEqual(seen, ["ok->triggered", "triggered->acknowledged", "acknowledged->ok"]);
  assert.equal(e.states()[0].triggers, 1);
  assert.equal(e.history().length, 3);
});

function job(name: string, fields: Partial<JobStats>): JobStats {
  return {
    name,
    type: "signal",
    state: "running",
    restarts: 0,
    msgsIn: 0,
    bytesIn: 0,
    msgsOut: 0,
    bytesOut: 0,
    rows: 0,
    msgsInPerS: 0,
    bytesInPerS: 0,
    msgsOutPerS: 0,
    bytesOutPerS: 0,
    rowsPerS: 0,
    ringFill: 0,
    drops: 0,
    gaps: 0,
    latencyP50Ms: 0,
    latencyP99Ms: 0,
    latencyMaxMs: 0,
    extra: {},
    ...fields,
  };
}

Deno.test("alarm values: figures of jobs, their extras, and column watchers", () => {
  const snapshot: StatsSnapshot = {
    time: "",
    elapsedS: 1,
    supervisor: "t",
    routes: [],
    jobs: [
      job("dmm", { msgsOut: 10, msgsOutPerS: 5, extra: { late_batches: 3 } }),
      job("csv", { msgsIn: 10, msgsInPerS: 4, msgsOutPerS: 0 }),
      job("_alarms.dmm", { extra: { "max.voltage": 11, "min.voltage": -1 } }),
    ],
  };
  const value = (text: string) => conditionValue(parseAlarmCondition(text), snapshot);
  assert.equal(value("jobs.dmm.msgs_per_s < 1"), 5);
  assert.equal(value("jobs.csv.msgs_per_s < 1"), 4);
  assert.equal(value("jobs.dmm.late_batches > 1"), 3);
  assert.equal(value("jobs.dmm.nothing > 1"), undefined);
  assert.equal(value("jobs.gone.rows > 1"), undefined);
  assert.equal(value("dmm.voltage > 10.5"), 11);
  assert.equal(value("dmm.voltage < 0"), -1);
  assert.equal(value("dmm.current > 1"), undefined);
});
