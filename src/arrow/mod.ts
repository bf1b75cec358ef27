/**
 * Just enough of the Arrow IPC format for the hot paths: record batch messages of
 * fixed-width columns written straight into a destination (a ring), and read back as
 * zero-copy `arrow.RecordBatch` views. Everything else goes through apache-arrow. Bytes from
 * outside are checked first with `validateArrowPayload` (metadata only: lengths, offsets and
 * row counts), which throws `ArrowPayloadError` naming what is wrong.
 *
 * ```ts
 * import * as arrow from "apache-arrow";
 * import { decodeBatch, decodeSchemaMessage, encodeSchemaMessage } from "./mod.ts";
 * const table = arrow.tableFromArrays({ v: new Float64Array([1, 2, 3]) });
 * const schemaMessage = encodeSchemaMessage(table.schema);
 * console.log(decodeSchemaMessage(schemaMessage).fields[0].name); // "v"
 * ```
 *
 * @module
 */
export * from "./bits.ts";
export { type BatchGatherer, openBatchGatherer } from "./gather.ts";
export * from "./ipc.ts";
export { ArrowPayloadError } from "./errors.ts";
export {
  type ArrowPayloadCheck,
  type ArrowSchemaCheck,
  validateArrowBatch,
  validateArrowPayload,
  validateArrowSchema,
} from "./validate.ts";
export type * from "./types.ts";
