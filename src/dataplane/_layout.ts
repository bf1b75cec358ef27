/**
 * Byte layout of the ring file; docs/ring-format.md is the normative description.
 */

/** Magic number at offset 0 (u64 LE). */
export const MAGIC = 0xDADADADA00000001n;
/** Format version at offset 36. */
export const FORMAT_VERSION = 1;
/** Bytes of the file header. */
export const HEADER_BYTES = 128;
/** Alignment of the data region's start in the file. */
export const DATA_ALIGN = 64;
/** Bytes of each record header. */
export const RECORD_HEADER_BYTES = 32;
/** Alignment of records inside the data region. */
export const RECORD_ALIGN = 8;

// Byte offsets of header fields.
export const H_MAGIC = 0;
export const H_CAPACITY = 8;
export const H_WRITE_HEAD = 16;
export const H_READ_TAIL = 24;
export const H_SCHEMA_LEN = 32;
export const H_VERSION = 36;
export const H_RESERVE_HEAD = 40;
export const H_OLDEST = 48;
export const H_READ_TAIL_SEQ = 56;
export const H_LOST_RECORDS = 64;
export const H_RECORDS_WRITTEN = 72;
export const H_STREAM_ID = 80;
export const H_CREATED_NS = 88;
export const H_DATA_OFFSET = 96;
export const H_POLICY = 100;
export const H_WRITER_PID = 104;
export const H_FLAGS = 108;
export const H_HEAD_FUTEX = 112;
export const H_HEAD_WAITERS = 116;
export const H_TAIL_FUTEX = 120;
export const H_TAIL_WAITERS = 124;

// Indexes of the same fields in a BigInt64Array / Int32Array over the header.
export const I64_CAPACITY = H_CAPACITY / 8;
export const I64_WRITE_HEAD = H_WRITE_HEAD / 8;
export const I64_READ_TAIL = H_READ_TAIL / 8;
export const I64_RESERVE_HEAD = H_RESERVE_HEAD / 8;
export const I64_OLDEST = H_OLDEST / 8;
export const I64_READ_TAIL_SEQ = H_READ_TAIL_SEQ / 8;
export const I64_LOST_RECORDS = H_LOST_RECORDS / 8;
export const I64_RECORDS_WRITTEN = H_RECORDS_WRITTEN / 8;
export const I32_FLAGS = H_FLAGS / 4;
export const I32_HEAD_FUTEX = H_HEAD_FUTEX / 4;
export const I32_HEAD_WAITERS = H_HEAD_WAITERS / 4;
export const I32_TAIL_FUTEX = H_TAIL_FUTEX / 4;
export const I32_TAIL_WAITERS = H_TAIL_WAITERS / 4;

/** Flag bit in the flags word: the writer has closed the ring; no more records will come. */
export const FLAG_WRITER_CLOSED = 1;

/** Policy codes at offset 100. */
export const POLICY_OVERWRITE = 0;
export const POLICY_BLOCK = 1;

// Record header fields, byte offsets from the record start.
export const R_LENGTH = 0; // u32 payload bytes
export const R_TYPE = 4; // u16
export const R_FLAGS = 6; // u16
export const R_SEQ = 8; // u64
export const R_TIMESTAMP = 16; // i64 ns since the epoch
export const R_POSITION = 24; // u64 absolute position of this record

/** Record types of the ring file (its own numbering, not the transport rings' `RecordType`). */
export const RING_FILE_PADDING = 0;
export const RING_FILE_ARROW_BATCH = 1;
export const RING_FILE_RAW_BYTES = 2;

/** Rounds `n` up to a multiple of `a` (a power of two). */
export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Bytes a record with a `length`-byte payload takes in the data region. */
export function recordBytes(length: number): number {
  return RECORD_HEADER_BYTES + alignUp(length, RECORD_ALIGN);
}

/** Offset of the data region for a schema of `schemaLength` bytes. */
export function dataOffsetFor(schemaLength: number): number {
  return alignUp(HEADER_BYTES + schemaLength, DATA_ALIGN);
}
