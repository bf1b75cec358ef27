/**
 * The job API: what a job type is written with, built-in or in a lab's own file. A job module
 * exports one {@link defineJob} declaration by default; `daq` runs it in its own Worker with
 * the permissions it declares. Import it as `daq/job` (deno.json "imports").
 *
 * - `fields`: the job's config keys (types, defaults, limits, choices, docs); `ctx.fields`
 *   holds their validated values, typed from the specs.
 * - `permissions(job)`: the Deno permissions it needs beyond none, from its fields.
 * - `columns`: what a source sends, checked by consumers at config time.
 * - `run(ctx)`: sources send with `ctx.sendColumns({...})` (or `ctx.sendRow`), consumers take
 *   `ctx.batches()` as named typed-array columns; `ctx.receive()`, `ctx.send()` and
 *   `ctx.sendBatch()` are the raw, zero-copy paths (Arrow IPC payloads in the rings).
 *
 * ```ts
 * import { defineJob } from "./mod.ts";
 *
 * export default defineJob({
 *   role: "source",
 *   summary: "a thermometer read over TCP every period",
 *   fields: {
 *     host: { type: "string", default: "127.0.0.1", doc: "the instrument's address" },
 *     port: { type: "number", integer: true, default: 5025 },
 *     period: { type: "duration", default: "1s", doc: "time between readings" },
 *   },
 *   permissions: (job) => ({ net: [`${job.fields.host}:${job.fields.port}`] }),
 *   columns: { timestamp_ns: { type: "int64", unit: "ns" }, celsius: { type: "float64", unit: "degC" } },
 *   async run(ctx) {
 *     while (!ctx.stopping()) {
 *       const celsius = 21.5; // read the instrument at ctx.fields.host:ctx.fields.port
 *       await ctx.sendRow({ timestamp_ns: BigInt(Date.now()) * 1_000_000n, celsius });
 *       await ctx.sleep(ctx.fields.period);
 *     }
 *   },
 * });
 * ```
 *
 * @module
 */
export {
  defineJob,
  type FieldValue,
  type FieldValues,
  type JobDefinition,
  NO_PERMISSIONS,
  type TypedJob,
} from "./define.ts";
export type { JobContext, ReceivedBatch, ReceivedMessage, SendOptions } from "./context.ts";
export type { ColumnDeclaration, ColumnInput, Columns, ColumnType } from "./columns.ts";
export { batchBytes } from "./columns.ts";
export { JobColumnsError, JobDefinitionError, PermanentJobError } from "./errors.ts";
export type {
  FieldSpec,
  InputSchema,
  JobConfig,
  JobRole,
  OwnPath,
  SupervisorConfig,
  TableSpec,
} from "../config/types.ts";
export type { NumericArray } from "../arrow/types.ts";
export { RecordType } from "../transport/payload.ts";
