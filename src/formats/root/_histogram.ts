/** TH1D objects, serialized as ROOT 6.24 (and uproot 5) write them. */

import { ByteWriter } from "./_bytes.ts";

/** A one-dimensional histogram with fixed bins, as a TH1D holds it. */
export interface RootHistogram {
  name: string;
  title: string;
  /** Title of the x axis (e.g. the column and its unit). */
  xTitle?: string;
  bins: number;
  min: number;
  max: number;
  /** `bins + 2` counts: underflow, the bins, overflow. */
  counts: Float64Array;
  /** Every value filled, in or out of range (fEntries). */
  entries: number;
  /** Sum of the weights (here counts) of the values in range (fTsumw, and fTsumw2). */
  sumw: number;
  /** Sum of the values in range (fTsumwx). */
  sumwx: number;
  /** Sum of the squares of the values in range (fTsumwx2). */
  sumwx2: number;
}

const K_IS_ON_HEAP = 0x01000000;
const K_NOT_DELETED = 0x02000000;
const K_MUST_CLEANUP = 1 << 3;

function writeTObject(w: ByteWriter, bits: number): void {
  w.i16(1).u32(0).u32(bits);
}

function writeTNamed(w: ByteWriter, name: string, title: string, bits: number): void {
  const at = w.beginVersioned(1);
  writeTObject(w, bits | K_IS_ON_HEAP | K_NOT_DELETED);
  w.tstring(name).tstring(title);
  w.end(at);
}

function writeAxis(
  w: ByteWriter,
  name: string,
  title: string,
  bins: number,
  min: number,
  max: number,
): void {
  const at = w.beginVersioned(10);
  writeTNamed(w, name, title, 0);
  const att = w.beginVersioned(4);
  w.i32(510).i16(1).i16(1).i16(42).f32(0.005).f32(0.035).f32(0.03).f32(1).f32(0.035);
  w.i16(1).i16(42);
  w.end(att);
  w.i32(bins).f64(min).f64(max);
  w.i32(0); // fXbins: none, the bins are equal
  w.i32(0).i32(0).u16(0).u8(0); // fFirst, fLast, fBits2, fTimeDisplay
  w.tstring(""); // fTimeFormat
  w.u32(0).u32(0); // fLabels, fModLabs: null
  w.end(at);
}

/** The TH1D object (version 3 header included), as stored after its key. */
export function serializeTH1D(h: RootHistogram): Uint8Array {
  if (h.counts.length !== h.bins + 2) {
    throw new RangeError(`histogram '${h.name}': ${h.counts.length} counts for ${h.bins} bins`);
  }
  const w = new ByteWriter(512 + 8 * h.counts.length);
  const th1d = w.beginVersioned(3);
  const th1 = w.beginVersioned(8);
  writeTNamed(w, h.name, h.title, K_MUST_CLEANUP);
  const line = w.beginVersioned(2);
  w.i16(602).i16(1).i16(1);
  w.end(line);
  const fill = w.beginVersioned(2);
  w.i16(0).i16(1001);
  w.end(fill);
  const marker = w.beginVersioned(2);
  w.i16(1).i16(1).f32(1);
  w.end(marker);
  w.i32(h.bins + 2);
  writeAxis(w, "xaxis", h.xTitle ?? "", h.bins, h.min, h.max);
  writeAxis(w, "yaxis", "", 1, 0, 1);
  writeAxis(w, "zaxis", "", 1, 0, 1);
  w.i16(0).i16(1000);
  w.f64(h.entries).f64(h.sumw).f64(h.sumw).f64(h.sumwx).f64(h.sumwx2);
  w.f64(-1111).f64(-1111).f64(0); // fMaximum, fMinimum, fNormFactor
  w.i32(0); // fContour
  w.i32(0); // fSumw2: none, unit weights
  w.tstring(""); // fOption
  const functions = w.beginVersioned(5);
  writeTObject(w, K_IS_ON_HEAP | K_NOT_DELETED | (1 << 16));
  w.tstring("").i32(0);
  w.end(functions);
  w.i32(0).u8(0); // fBufferSize, and fBuffer: none
  w.i32(0).i32(2); // fBinStatErrOpt kNormal, fStatOverflows kNeutral
  w.end(th1);
  w.i32(h.counts.length);
  for (const c of h.counts) w.f64(c);
  w.end(th1d);
  return w.result();
}
