/** File-level records: file header, TKey headers, the top TDirectory, free segments. */

import { ByteWriter, tstringLength } from "./_bytes.ts";

/** Seek pointers past this (2 GB, as ROOT's TFile::kStartBigFile) need the 64-bit forms. */
export const START_BIG_FILE = 2000000000;
/** Offset of the top directory's key (ROOT's fBEGIN). */
export const BEGIN = 100;
/** ROOT version the file claims to be written by; class versions match it. */
export const ROOT_VERSION = 62400;
/** Size of the TDirectory record (small form padded to the size of the large one). */
export const DIRECTORY_RECORD_BYTES = 60;

/** TDatime encoding of a date (local time, as ROOT writes it). */
export function datime(d: Date = new Date()): number {
  return (((d.getFullYear() - 1995) << 26) | ((d.getMonth() + 1) << 22) | (d.getDate() << 17) |
    (d.getHours() << 12) | (d.getMinutes() << 6) | d.getSeconds()) >>> 0;
}

/** The fields of a TKey header. */
export interface KeyHeader {
  className: string;
  name: string;
  title: string;
  /** fObjlen: uncompressed object bytes. */
  objectBytes: number;
  /** Bytes of the object as stored after the key (compressed or not). */
  storedBytes: number;
  cycle: number;
  seekKey: number;
  seekParent: number;
  datime: number;
  /** Class-specific header bytes after the key that fKeylen counts (19 for TBasket). */
  extraKeyBytes?: number;
}

/** True when a key at `seekKey` must use 64-bit seek fields. */
export function isBigKey(seekKey: number, seekParent: number): boolean {
  return seekKey > START_BIG_FILE || seekParent > START_BIG_FILE;
}

/** Byte length of a TKey header (fKeylen). */
export function keyLength(
  className: string,
  name: string,
  title: string,
  big: boolean,
): number {
  return (big ? 34 : 26) + tstringLength(className) + tstringLength(name) + tstringLength(title);
}

/** Writes a TKey header: version 4, or 1004 with 64-bit seeks past 2 GB. */
export function writeKey(w: ByteWriter, k: KeyHeader): void {
  const big = isBigKey(k.seekKey, k.seekParent);
  const keylen = keyLength(k.className, k.name, k.title, big) + (k.extraKeyBytes ?? 0);
  w.i32(keylen + k.storedBytes).i16(big ? 1004 : 4).i32(k.objectBytes).u32(k.datime);
  w.i16(keylen).i16(k.cycle);
  if (big) w.i64(k.seekKey).i64(k.seekParent);
  else w.i32(k.seekKey).i32(k.seekParent);
  w.tstring(k.className).tstring(k.name).tstring(k.title);
}

/** The fields of the file header that change while writing. */
export interface FileHeader {
  end: number;
  seekFree: number;
  nbytesFree: number;
  /** Number of free segments, including the last one from fEND to "infinity". */
  nfree: number;
  nbytesName: number;
  compress: number;
  seekInfo: number;
  nbytesInfo: number;
  uuid: Uint8Array;
}

/** The first 100 bytes of the file. */
export function fileHeaderBytes(h: FileHeader): Uint8Array {
  const w = new ByteWriter(BEGIN);
  const big = h.end > START_BIG_FILE;
  w.raw(new TextEncoder().encode("root"));
  w.i32(big ? ROOT_VERSION + 1000000 : ROOT_VERSION).i32(BEGIN);
  if (big) w.i64(h.end).i64(h.seekFree);
  else w.i32(h.end).i32(h.seekFree);
  w.i32(h.nbytesFree).i32(h.nfree).i32(h.nbytesName).u8(big ? 8 : 4).i32(h.compress);
  if (big) w.i64(h.seekInfo);
  else w.i32(h.seekInfo);
  w.i32(h.nbytesInfo).i16(1).raw(h.uuid);
  w.zeros(BEGIN - w.pos);
  return w.result();
}

/** The top directory's TDirectory record (version 5, or 1005 with 64-bit seeks). */
export interface DirectoryRecord {
  created: number;
  modified: number;
  nbytesKeys: number;
  nbytesName: number;
  seekDir: number;
  seekParent: number;
  seekKeys: number;
  uuid: Uint8Array;
}

/** Writes the TDirectory record; always DIRECTORY_RECORD_BYTES long. */
export function writeDirectory(w: ByteWriter, d: DirectoryRecord): void {
  const big = d.seekDir > START_BIG_FILE || d.seekParent > START_BIG_FILE ||
    d.seekKeys > START_BIG_FILE;
  w.i16(big ? 1005 : 5).u32(d.created).u32(d.modified).i32(d.nbytesKeys).i32(d.nbytesName);
  if (big) w.i64(d.seekDir).i64(d.seekParent).i64(d.seekKeys);
  else w.i32(d.seekDir).i32(d.seekParent).i32(d.seekKeys);
  w.i16(1).raw(d.uuid);
  if (!big) w.zeros(12);
}

/** A free segment [first, last] (last inclusive), as a TFree record. */
export function writeFreeSegment(w: ByteWriter, first: number, last: number): void {
  if (last > START_BIG_FILE) w.i16(1001).i64(first).i64(last);
  else w.i16(1).i32(first).i32(last);
}

/** Byte length of one TFree record. */
export function freeSegmentLength(last: number): number {
  return last > START_BIG_FILE ? 18 : 10;
}

/** The end of the last free segment, which runs from fEND to "infinity". */
export function freeSegmentInfinity(end: number): number {
  let infinity = START_BIG_FILE;
  while (infinity <= end) infinity *= 2;
  return infinity;
}
