import assert from "node:assert/strict";
import { makeSVG, openFile } from "jsroot";
import { openRootWriter, type RootHistogram } from "../../../src/formats/root/mod.ts";
import { streamerRecordLengths } from "../../../src/formats/root/_streamers.ts";
import { readTreeWithJsroot } from "./_jsroot_read.ts";

// Byte counts of the TStreamerInfo records uproot 5 copies from ROOT 6.24 for a TH1D.
const REFERENCE_LENGTHS: Record<string, number> = {
  THashList: 0xde,
  TAttAxis: 0x5f7,
  TAxis: 0x713,
  TH1: 0xe2c,
  TH1D: 0x157,
};

Deno.test("histogram streamer info records have ROOT's lengths", () => {
  const got = streamerRecordLengths();
  for (const [name, count] of Object.entries(REFERENCE_LENGTHS)) {
    assert.equal(got[name], count + 4, name);
  }
});

function histogram(name: string, counts: number[], min = 0, max = 10): RootHistogram {
  const bins = counts.length - 2;
  const width = (max - min) / bins;
  let sumw = 0, sumwx = 0, sumwx2 = 0;
  counts.slice(1, -1).forEach((c, i) => {
    const x = min + (i + 0.5) * width;
    sumw += c;
    sumwx += c * x;
    sumwx2 += c * x * x;
  });
  return {
    name,
    title: `${name} of the run`,
    xTitle: "energy [keV]",
    bins,
    min,
    max,
    counts: Float64Array.from(counts),
    entries: counts.reduce((s, c) => s + c, 0),
    sumw,
    sumwx,
    sumwx2,
  };
}

for (const compression of ["none", "zlib"] as const) {
  Deno.test(`a TH1D beside a tree (${compression}): JSROOT reads the bins and draws it`, async () => {
    const path = await Deno.makeTempFile({ suffix: ".root" });
    try {
      const w = openRootWriter(path, { compression, syncOnFlush: false });
      w.addTree("events", [{ name: "x", type: "float64" }]);
      w.append("events", { x: Float64Array.of(1, 2, 3) });
      w.writeHistogram(histogram("energy", [1, 5, 7, 0, 2, 3]));
      await w.flush();
      // Replaced: the file holds the newest one only, and the tree is intact.
      w.writeHistogram(histogram("energy", [2, 10, 14, 1, 4, 6]));
      w.writeHistogram(histogram("other", [0, 1, 0], -1, 1));
      await w.close();

      const file = await openFile(path);
      const h = await file.readObject("energy");
      assert.equal(h._typename, "TH1D");
      assert.deepEqual(Array.from(h.fArray), [2, 10, 14, 1, 4, 6]);
      assert.equal(h.fXaxis.fNbins, 4);
      assert.equal(h.fXaxis.fXmin, 0);
      assert.equal(h.fXaxis.fXmax, 10);
      assert.equal(h.fXaxis.fTitle, "energy [keV]");
      assert.equal(h.fEntries, 37);
      assert.equal(h.fTitle, "energy of the run");
      const other = await file.readObject("other");
      assert.deepEqual(Array.from(other.fArray), [0, 1, 0]);
      const keys = file.fKeys.map((k: { fName: string; fClassName: string }) =>
        `${k.fClassName}:${k.fName}`
      );
      assert.deepEqual(keys.filter((k: string) => !k.startsWith("TList:")).sort(), [
        "TH1D:energy",
        "TH1D:other",
        "TTree:events",
      ]);
      assert.deepEqual((await readTreeWithJsroot(path, "events")).columns.x, [1, 2, 3]);

      const svg: string = await makeSVG({ object: h, option: "hist", width: 600, height: 400 });
      assert.match(svg, /^<svg/);
      assert.match(svg, /energy \[keV\]/, "the x axis title is drawn");
      assert.match(svg, /<path[^>]* d="M/, "the histogram is drawn as a path");
    } finally {
      await Deno.remove(path);
    }
  });
}
