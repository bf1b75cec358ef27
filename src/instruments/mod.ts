/**
 * The protocols of real instruments, kept apart from I/O so that each can be tested and
 * fuzzed on bytes alone; the job types in `src/jobs/sources/` do the sockets, serial lines,
 * processes and timing around them.
 *
 * - Addresses: `tcp://host:port`, `udp://host:port`, `serial:///dev/ttyUSB0?baud=115200&mode=8N1`
 *   ({@link parseAddress}).
 * - SCPI: replies framed by a terminator with a size limit ({@link LineFramer}), a reading's
 *   number found by a pattern with one group and scaled ({@link replyParser}), `SYST:ERR?`
 *   entries ({@link parseInstrumentError}), settable outputs ({@link settingCommand}), device
 *   profiles ({@link parseProfile}), poll slots that never drift ({@link PollSchedule}) and
 *   reconnect backoff ({@link Backoff}, {@link connectingState}).
 * - UDP packets: a layout of typed fields, scalars or fixed-size arrays, in either byte order,
 *   with `records_per_packet` records a packet ({@link compileLayout}, {@link PacketDecoder});
 *   sequence numbers followed for gaps, reordering and duplicates ({@link SequenceTracker}).
 * - Modbus TCP: read requests for functions 1-4, responses, exceptions by name, 32-bit values
 *   in either word order, adjacent registers grouped into one request ({@link planReads}).
 * - A program's output lines as `csv`, `json` or `whitespace` rows ({@link parseLine}).
 *
 * Every parser of outside bytes returns a value or a named problem (thrown, or returned for
 * the data paths where a bad packet or line is counted and skipped); none of them waits.
 *
 * ```ts
 * import { compileLayout, PacketDecoder, SequenceTracker, sequenceBits, readSequence } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = compileLayout({
 *   byteOrder: "little",
 *   sequence: "seq",
 *   fields: [{ name: "seq", type: "uint32" }, { name: "adc", type: "int16", count: 4 }],
 * });
 * const decoder = new PacketDecoder(layout, 4096);
 * const seq = new SequenceTracker(sequenceBits(layout.sequence!));
 * for (const n of [0, 1, 3]) {
 *   const packet = new Uint8Array(layout.packetBytes);
 *   new DataView(packet.buffer).setUint32(0, n, true);
 *   assert.ok(decoder.decode(packet));
 *   seq.see(readSequence(layout, packet, 0));
 * }
 * assert.equal(decoder.rows, 3);
 * assert.equal(seq.counts().gaps, 1);
 * ```
 *
 * @module
 */
export {
  BAUD_RATES,
  formatAddress,
  type InstrumentAddress,
  type NetAddress,
  parseAddress,
  type SerialAddress,
} from "./address.ts";
export { AddressError, ModbusFrameError, ProfileError, ReplyError, SpecError } from "./errors.ts";
export { type Framed, LineFramer } from "./framing.ts";
export {
  checkSetting,
  commandProblem,
  type InstrumentError,
  parseInstrumentError,
  type ReadingSpec,
  type ReplyParser,
  replyParser,
  scpiValue,
  settingCommand,
  type SettingSpec,
} from "./scpi.ts";
export { mergeProfile, parseProfile, PROFILE_KEYS, profileCandidates } from "./profile.ts";
export { Backoff, connectingState, PollSchedule } from "./schedule.ts";
export {
  compileLayout,
  FIELD_TYPES,
  type FieldArray,
  fieldArray,
  type FieldType,
  type LayoutField,
  type LayoutSpec,
  MAX_UDP_PAYLOAD,
  PacketDecoder,
  type PacketFieldSpec,
  type PacketLayout,
  readSequence,
  sequenceBits,
  sequenceReader,
} from "./packet.ts";
export { type SequenceCounts, SequenceTracker } from "./sequence.ts";
export {
  decodeReadResponse,
  encodeReadRequest,
  EXCEPTION_NAMES,
  exceptionName,
  MAX_ADU,
  MAX_READ,
  ModbusFramer,
  planReads,
  READ_FUNCTIONS,
  type ReadPlan,
  type ReadResponse,
  REGISTER_TYPES,
  type RegisterKind,
  type RegisterSpec,
  type RegisterType,
  registerValue,
} from "./modbus.ts";
export {
  checkLineColumns,
  LINE_COLUMN_TYPES,
  LINE_FORMATS,
  type LineColumn,
  type LineFormat,
  type LineResult,
  parseLine,
} from "./lines.ts";
