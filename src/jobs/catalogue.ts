/**
 * The built-in job types by their `type` key, as the config loader takes them
 * (`loadConfig(path, { jobTypes: BUILTIN_JOB_TYPES })`). Each is one module whose default
 * export is its `defineJob` declaration; the Worker of a job loads that module alone.
 */
import type { JobTypes } from "../config/types.ts";
import { jobType } from "../job/define.ts";
import remote from "./links/remote/mod.ts";
import alarmWatch from "./processors/alarm_watch.ts";
import calibrate from "./processors/calibrate.ts";
import coincidence from "./processors/coincidence.ts";
import decimate from "./processors/decimate.ts";
import expr from "./processors/expr.ts";
import histogram from "./processors/histogram.ts";
import trigger from "./processors/trigger.ts";
import bench from "./sources/bench.ts";
import signal from "./sources/signal.ts";
import arrowStore from "./stores/arrow.ts";
import scpi from "./sources/scpi.ts";
import udp from "./sources/udp.ts";
import exec from "./sources/exec.ts";
import modbus from "./sources/modbus.ts";
import csv from "./stores/csv.ts";
import hdf5 from "./stores/hdf5/mod.ts";
import memory from "./stores/memory.ts";
import nullStore from "./stores/null.ts";
import parquet from "./stores/parquet.ts";
import root from "./stores/root.ts";

const at = (path: string) => new URL(path, import.meta.url);

/** Every built-in job type, by its `type` key. */
export const BUILTIN_JOB_TYPES: JobTypes = {
  signal: jobType(at("./sources/signal.ts"), signal),
  bench: jobType(at("./sources/bench.ts"), bench),
  scpi: jobType(at("./sources/scpi.ts"), scpi),
  udp: jobType(at("./sources/udp.ts"), udp),
  exec: jobType(at("./sources/exec.ts"), exec),
  modbus: jobType(at("./sources/modbus.ts"), modbus),
  remote: jobType(at("./links/remote/mod.ts"), remote),
  decimate: jobType(at("./processors/decimate.ts"), decimate),
  calibrate: jobType(at("./processors/calibrate.ts"), calibrate),
  expr: jobType(at("./processors/expr.ts"), expr),
  trigger: jobType(at("./processors/trigger.ts"), trigger),
  histogram: jobType(at("./processors/histogram.ts"), histogram),
  coincidence: jobType(at("./processors/coincidence.ts"), coincidence),
  "alarm.watch": jobType(at("./processors/alarm_watch.ts"), alarmWatch),
  "store.null": jobType(at("./stores/null.ts"), nullStore),
  "store.memory": jobType(at("./stores/memory.ts"), memory),
  "store.csv": jobType(at("./stores/csv.ts"), csv),
  "store.root": jobType(at("./stores/root.ts"), root),
  "store.hdf5": jobType(at("./stores/hdf5/mod.ts"), hdf5),
  "store.arrow": jobType(at("./stores/arrow.ts"), arrowStore),
  "store.parquet": jobType(at("./stores/parquet.ts"), parquet),
};
