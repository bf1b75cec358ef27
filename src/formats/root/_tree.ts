/**
 * In-memory state of a TTree being written and its serialization: TTree v20 with one TBranch
 * v13 and one TLeaf* v1 per column, as ROOT 6.24 (and uproot) lay them out.
 */

import { ByteWriter, MAP_OFFSET } from "./_bytes.ts";
import { LEAF_INFO, type RootColumn } from "./schema.ts";

/** One column's branch: its basket buffer and the per-basket bookkeeping. */
export interface BranchState {
  column: RootColumn;
  elements: number;
  itemSize: number;
  entrySize: number;
  entriesPerBasket: number;
  /** Basket bytes, preceded by room for the basket's key header. */
  buffer: Uint8Array;
  dataStart: number;
  buffered: number;
  basketBytes: number[];
  basketEntry: number[];
  basketSeek: number[];
  entries: number;
  totBytes: number;
  zipBytes: number;
}

/** Where a tree's metadata record sits in the file. */
export interface TreeRecord {
  seekKey: number;
  /** Whole record: key header plus object bytes. */
  nbytes: number;
  keylen: number;
  objectBytes: number;
  datime: number;
}

/** A tree: its branches, totals, and the location of its metadata record. */
export interface TreeState {
  name: string;
  title: string;
  branches: BranchState[];
  entries: number;
  /** fMaxBaskets of every branch: room in the basket arrays. */
  capacity: number;
  totBytes: number;
  zipBytes: number;
  record?: TreeRecord;
  cycle: number;
}

const IO_FEATURES = Uint8Array.of(0x40, 0, 0, 7, 0, 0, 0x1a, 0xa1, 0x2f, 0x10, 0);
const K_MUST_CLEANUP = 0x8;
const TBRANCH_BITS = 0x00400000;
const ELEMENT_BITS = 0x03000000;
const OWNER_ARRAY_BITS = 0x03004000;

/**
 * Most entries in one basket. ROOT has no such limit, but JSROOT 7.11 assumes the last basket
 * of a branch holds at most 1e6 entries and misses entries past that.
 */
export const MAX_BASKET_ENTRIES = 1_000_000;

/** Room reserved before basket data for the largest basket key header. */
export const BASKET_HEADER_ROOM = 1024;

/** Creates the state of a branch that writes baskets of about `basketBytes` bytes. */
export function newBranch(column: RootColumn, basketBytes: number): BranchState {
  const itemSize = LEAF_INFO[column.type].size;
  const elements = column.length ?? 1;
  const entrySize = itemSize * elements;
  const entriesPerBasket = Math.min(
    MAX_BASKET_ENTRIES,
    Math.max(1, Math.floor(basketBytes / entrySize)),
  );
  const headerRoom = BASKET_HEADER_ROOM + 2 * new TextEncoder().encode(column.name).length;
  const dataStart = Math.ceil(headerRoom / 8) * 8;
  return {
    column,
    elements,
    itemSize,
    entrySize,
    entriesPerBasket,
    buffer: new Uint8Array(dataStart + entriesPerBasket * entrySize),
    dataStart,
    buffered: 0,
    basketBytes: [],
    basketEntry: [0],
    basketSeek: [],
    entries: 0,
    totBytes: 0,
    zipBytes: 0,
  };
}

function dims(c: RootColumn): string {
  return c.length === undefined ? "" : `[${c.length}]`;
}

function writeTNamed(w: ByteWriter, bits: number, name: string, title: string): void {
  const at = w.beginVersioned(1);
  w.i16(1).u32(0).u32(bits).tstring(name).tstring(title);
  w.end(at);
}

function writeEmptyObjArray(w: ByteWriter): void {
  const at = w.beginVersioned(3);
  w.i16(1).u32(0).u32(ELEMENT_BITS).tstring("").i32(0).i32(0);
  w.end(at);
}

function writeLeafRange(w: ByteWriter, type: RootColumn["type"]): void {
  // fMinimum, fMaximum: ROOT only tracks them for counter leaves.
  switch (LEAF_INFO[type].size) {
    case 1:
      w.u8(0).u8(0);
      break;
    case 2:
      w.i16(0).i16(0);
      break;
    case 4:
      if (type === "float32") w.f32(0).f32(0);
      else w.i32(0).i32(0);
      break;
    case 8:
      if (type === "float64") w.f64(0).f64(0);
      else w.i64(0).i64(0);
      break;
  }
}

/** Writes a branch; returns the reference (buffer offset + kMapOffset) of its leaf. */
function writeBranch(
  w: ByteWriter,
  b: BranchState,
  capacity: number,
  keylen: number,
): number {
  const c = b.column;
  const info = LEAF_INFO[c.type];
  const any = w.beginObjectAny("TBranch");
  const branch = w.beginVersioned(13);
  writeTNamed(w, TBRANCH_BITS, c.name, `${c.name}${dims(c)}/${info.letter}`);
  const fill = w.beginVersioned(2);
  w.i16(0).i16(1001);
  w.end(fill);
  const baskets = b.basketSeek.length;
  // fCompress is 0 as uproot writes it: each basket says itself whether it is compressed.
  w.i32(0).i32(b.entriesPerBasket * b.entrySize).i32(0).i32(baskets).i64(b.entries);
  w.raw(IO_FEATURES);
  w.i32(0).i32(capacity).i32(0).i64(b.entries).i64(0).i64(b.totBytes).i64(b.zipBytes);
  writeEmptyObjArray(w); // fBranches
  const leaves = w.beginVersioned(3);
  w.i16(1).u32(0).u32(ELEMENT_BITS).tstring("").i32(1).i32(0);
  const leafRef = keylen + w.pos + MAP_OFFSET;
  const leafAny = w.beginObjectAny(info.leafClass);
  const leafOuter = w.beginVersioned(1);
  const leaf = w.beginVersioned(2);
  writeTNamed(w, ELEMENT_BITS, c.name, `${c.name}${dims(c)}`);
  w.i32(b.elements).i32(info.size).i32(0).u8(0).u8(info.unsigned ? 1 : 0);
  w.u32(0); // fLeafCount: none
  w.end(leaf);
  writeLeafRange(w, c.type);
  w.end(leafOuter);
  w.end(leafAny);
  w.end(leaves);
  writeEmptyObjArray(w); // fBaskets
  w.u8(1);
  for (let i = 0; i < capacity; i++) w.i32(i < baskets ? b.basketBytes[i] : 0);
  w.u8(1);
  for (let i = 0; i < capacity; i++) w.i64(i <= baskets ? b.basketEntry[i] : 0);
  w.u8(1);
  for (let i = 0; i < capacity; i++) w.i64(i < baskets ? b.basketSeek[i] : 0);
  w.tstring(""); // fFileName
  w.end(branch);
  w.end(any);
  return leafRef;
}

/** The TTree object bytes; `keylen` is the length of the key header in front of them. */
export function serializeTree(t: TreeState, keylen: number): Uint8Array {
  const w = new ByteWriter(4096 + t.branches.length * (256 + 20 * t.capacity));
  const tree = w.beginVersioned(20);
  writeTNamed(w, K_MUST_CLEANUP, t.name, t.title);
  let at = w.beginVersioned(2);
  w.i16(602).i16(1).i16(1);
  w.end(at);
  at = w.beginVersioned(2);
  w.i16(0).i16(1001);
  w.end(at);
  at = w.beginVersioned(2);
  w.i16(1).i16(1).f32(1);
  w.end(at);
  // Entries every branch holds in baskets (more are out with the compressor in some).
  const entries = Math.min(...t.branches.map((b) => b.entries));
  w.i64(entries).i64(t.totBytes).i64(t.zipBytes).i64(t.zipBytes).i64(t.zipBytes);
  w.f64(1).i32(0).i32(25).i32(0).i32(1000).i32(0);
  w.i64(1000000000000).i64(1000000000000).i64(0).i64(-300000000).i64(-30000000).i64(1000000);
  w.u8(0).u8(0); // fClusterRangeEnd, fClusterSize: no cluster ranges
  w.raw(IO_FEATURES);
  const branches = w.beginVersioned(3);
  w.i16(1).u32(0).u32(OWNER_ARRAY_BITS).tstring("").i32(t.branches.length).i32(0);
  const leafRefs = t.branches.map((b) => writeBranch(w, b, t.capacity, keylen));
  w.end(branches);
  const leaves = w.beginVersioned(3);
  w.i16(1).u32(0).u32(ELEMENT_BITS).tstring("").i32(leafRefs.length).i32(0);
  for (const ref of leafRefs) w.u32(ref);
  w.end(leaves);
  // fAliases, fIndexValues, fIndex, fTreeIndex, fFriends, fUserInfo, fBranchRef: all empty
  w.zeros(28);
  w.end(tree);
  return w.result();
}
