/**
 * TStreamerInfo records for every class a TTree file holds, serialized as ROOT 6.24 writes
 * them (the same records uproot copies into the files it writes). Class versions, checksums,
 * element types and member comments follow ROOT's dictionaries for those classes.
 */

import { ByteWriter } from "./_bytes.ts";

type Element =
  | { kind: "base"; name: string; title: string; type: number; checksum: number; version: number }
  | { kind: "basic"; name: string; title: string; type: number; size: number; typeName: string }
  | {
    kind: "pointer";
    name: string;
    title: string;
    type: number;
    size: number;
    typeName: string;
    countVersion: number;
    countName: string;
    countClass: string;
  }
  | {
    kind: "objectPointer";
    name: string;
    title: string;
    typeName: string;
    /** 64 (kObjectP, may be null) unless given; 63 (kObjectp) for `->` members. */
    type?: number;
  }
  | { kind: "objectAny"; name: string; title: string; size: number; typeName: string }
  | {
    kind: "object";
    name: string;
    title: string;
    typeName: string;
    /** sizeof the member; 64 (a TObjArray) unless given. */
    size?: number;
  }
  | { kind: "string"; name: string; title: string }
  | { kind: "vectorOfString"; name: string; title: string };

interface ClassInfo {
  name: string;
  version: number;
  checksum: number;
  /** TObject bits of the TObjArray of elements (ROOT versions differ; kept as ROOT wrote them). */
  arrayBits: number;
  elements: Element[];
}

const BASIC_TYPES: Record<string, [type: number, size: number]> = {
  "char": [1, 1],
  "short": [2, 2],
  "int": [3, 4],
  "float": [5, 4],
  "double": [8, 8],
  "unsigned char": [11, 1],
  "unsigned short": [12, 2],
  "unsigned int": [13, 4],
  "Long64_t": [16, 8],
  "bool": [18, 1],
};

const TOBJECT_CHECKSUM = 0x901bc02d;
const TNAMED_CHECKSUM = 0xdfb74a3c;
const TATTLINE_CHECKSUM = 0x94074549;
const TATTFILL_CHECKSUM = 0xffd92a92;
const TATTMARKER_CHECKSUM = 0x291d8bec;
const TCOLLECTION_CHECKSUM = 0x57e3cb9c;
const TSEQCOLLECTION_CHECKSUM = 0xfc6c3bc6;
const TBRANCH_CHECKSUM = 0x10978aac;
const TLEAF_CHECKSUM = 0x6d1e8152;

function basic(name: string, title: string, typeName: string): Element {
  const [type, size] = BASIC_TYPES[typeName];
  return { kind: "basic", name, title, type, size, typeName };
}
function counter(name: string, title: string): Element {
  return { kind: "basic", name, title, type: 6, size: 4, typeName: "int" };
}
function base(name: string, title: string, checksum: number, version: number, type = 0): Element {
  return { kind: "base", name, title, type, checksum, version };
}
function objectPointer(name: string, title: string, typeName: string): Element {
  return { kind: "objectPointer", name, title, typeName };
}
function arrayPointer(
  name: string,
  title: string,
  typeName: "int" | "Long64_t" | "double",
  countName: string,
  countClass: string,
  countVersion: number,
): Element {
  const [type, size] = BASIC_TYPES[typeName];
  return {
    kind: "pointer",
    name,
    title,
    type: 40 + type,
    size,
    typeName: typeName + "*",
    countVersion,
    countName,
    countClass,
  };
}

const TNAMED_BASE = base(
  "TNamed",
  "The basis for a named object (name, title)",
  TNAMED_CHECKSUM,
  1,
  67,
);
const TOBJECT_BASE = base("TObject", "Basic ROOT object", TOBJECT_CHECKSUM, 1, 66);
const OLD_BITS = 0x02000000;

function leafClass(letter: string, checksum: number, typeName: string): ClassInfo {
  return {
    name: "TLeaf" + letter,
    version: 1,
    checksum,
    arrayBits: 0,
    elements: [
      base("TLeaf", "Leaf: description of a Branch data type", TLEAF_CHECKSUM, 2),
      basic("fMinimum", "Minimum value if leaf range is specified", typeName),
      basic("fMaximum", "Maximum value if leaf range is specified", typeName),
    ],
  };
}

const CLASSES: ClassInfo[] = [
  {
    name: "TObject",
    version: 1,
    checksum: TOBJECT_CHECKSUM,
    arrayBits: OLD_BITS,
    elements: [
      basic("fUniqueID", "object unique identifier", "unsigned int"),
      {
        kind: "basic",
        name: "fBits",
        title: "bit field status word",
        type: 15,
        size: 4,
        typeName: "unsigned int",
      },
    ],
  },
  {
    name: "TNamed",
    version: 1,
    checksum: TNAMED_CHECKSUM,
    arrayBits: OLD_BITS,
    elements: [
      TOBJECT_BASE,
      { kind: "string", name: "fName", title: "object identifier" },
      { kind: "string", name: "fTitle", title: "object title" },
    ],
  },
  { name: "TString", version: 2, checksum: 0x00017419, arrayBits: OLD_BITS, elements: [] },
  {
    name: "TAttLine",
    version: 2,
    checksum: TATTLINE_CHECKSUM,
    arrayBits: OLD_BITS,
    elements: [
      basic("fLineColor", "Line color", "short"),
      basic("fLineStyle", "Line style", "short"),
      basic("fLineWidth", "Line width", "short"),
    ],
  },
  {
    name: "TAttFill",
    version: 2,
    checksum: TATTFILL_CHECKSUM,
    arrayBits: OLD_BITS,
    elements: [
      basic("fFillColor", "Fill area color", "short"),
      basic("fFillStyle", "Fill area style", "short"),
    ],
  },
  {
    name: "TAttMarker",
    version: 2,
    checksum: TATTMARKER_CHECKSUM,
    arrayBits: OLD_BITS,
    elements: [
      basic("fMarkerColor", "Marker color", "short"),
      basic("fMarkerStyle", "Marker style", "short"),
      basic("fMarkerSize", "Marker size", "float"),
    ],
  },
  {
    name: "TCollection",
    version: 3,
    checksum: TCOLLECTION_CHECKSUM,
    arrayBits: OLD_BITS,
    elements: [
      TOBJECT_BASE,
      { kind: "string", name: "fName", title: "name of the collection" },
      basic("fSize", "number of elements in collection", "int"),
    ],
  },
  {
    name: "TSeqCollection",
    version: 0,
    checksum: TSEQCOLLECTION_CHECKSUM,
    arrayBits: OLD_BITS,
    elements: [base("TCollection", "Collection abstract base class", TCOLLECTION_CHECKSUM, 3)],
  },
  {
    name: "TList",
    version: 5,
    checksum: 0x69c5c3bb,
    arrayBits: OLD_BITS,
    elements: [base("TSeqCollection", "Sequenceable collection ABC", TSEQCOLLECTION_CHECKSUM, 0)],
  },
  {
    name: "TObjArray",
    version: 3,
    checksum: 0xa99e6552,
    arrayBits: 0,
    elements: [
      base("TSeqCollection", "Sequenceable collection ABC", TSEQCOLLECTION_CHECKSUM, 0),
      basic("fLowerBound", "Lower bound of the array", "int"),
      basic("fLast", "Last element in array containing an object", "int"),
    ],
  },
  {
    name: "ROOT::TIOFeatures",
    version: 1,
    checksum: 0x1aa12f10,
    arrayBits: 0,
    elements: [basic("fIOBits", "", "unsigned char")],
  },
  {
    name: "TBranch",
    version: 13,
    checksum: TBRANCH_CHECKSUM,
    arrayBits: 0,
    elements: [
      TNAMED_BASE,
      base("TAttFill", "Fill area attributes", TATTFILL_CHECKSUM, 2),
      basic("fCompress", "Compression level and algorithm", "int"),
      basic("fBasketSize", "Initial Size of  Basket Buffer", "int"),
      basic(
        "fEntryOffsetLen",
        "Initial Length of fEntryOffset table in the basket buffers",
        "int",
      ),
      basic("fWriteBasket", "Last basket number written", "int"),
      basic("fEntryNumber", "Current entry number (last one filled in this branch)", "Long64_t"),
      {
        kind: "objectAny",
        name: "fIOFeatures",
        title: "IO features for newly-created baskets.",
        size: 1,
        typeName: "ROOT::TIOFeatures",
      },
      basic("fOffset", "Offset of this branch", "int"),
      counter("fMaxBaskets", "Maximum number of Baskets so far"),
      basic("fSplitLevel", "Branch split level", "int"),
      basic("fEntries", "Number of entries", "Long64_t"),
      basic("fFirstEntry", "Number of the first entry in this branch", "Long64_t"),
      basic("fTotBytes", "Total number of bytes in all leaves before compression", "Long64_t"),
      basic("fZipBytes", "Total number of bytes in all leaves after compression", "Long64_t"),
      {
        kind: "object",
        name: "fBranches",
        title: "-> List of Branches of this branch",
        typeName: "TObjArray",
      },
      {
        kind: "object",
        name: "fLeaves",
        title: "-> List of leaves of this branch",
        typeName: "TObjArray",
      },
      {
        kind: "object",
        name: "fBaskets",
        title: "-> List of baskets of this branch",
        typeName: "TObjArray",
      },
      arrayPointer(
        "fBasketBytes",
        "[fMaxBaskets] Length of baskets on file",
        "int",
        "fMaxBaskets",
        "TBranch",
        13,
      ),
      arrayPointer(
        "fBasketEntry",
        "[fMaxBaskets] Table of first entry in each basket",
        "Long64_t",
        "fMaxBaskets",
        "TBranch",
        13,
      ),
      arrayPointer(
        "fBasketSeek",
        "[fMaxBaskets] Addresses of baskets on file",
        "Long64_t",
        "fMaxBaskets",
        "TBranch",
        13,
      ),
      {
        kind: "string",
        name: "fFileName",
        title: 'Name of file where buffers are stored ("" if in same file as Tree header)',
      },
    ],
  },
  {
    name: "TLeaf",
    version: 2,
    checksum: TLEAF_CHECKSUM,
    arrayBits: 0,
    elements: [
      TNAMED_BASE,
      basic("fLen", "Number of fixed length elements in the leaf's data.", "int"),
      basic("fLenType", "Number of bytes for this data type", "int"),
      basic("fOffset", "Offset in ClonesArray object (if one)", "int"),
      basic(
        "fIsRange",
        "(=kTRUE if leaf has a range, kFALSE otherwise).  This is equivalent to being a " +
          "'leafcount'.  For a TLeafElement the range information is actually store in the " +
          "TBranchElement.",
        "bool",
      ),
      basic("fIsUnsigned", "(=kTRUE if unsigned, kFALSE otherwise)", "bool"),
      objectPointer(
        "fLeafCount",
        "Pointer to Leaf count if variable length (we do not own the counter)",
        "TLeaf*",
      ),
    ],
  },
  leafClass("O", 0x02ae48d3, "bool"),
  leafClass("B", 0x0f1e4b5e, "char"),
  leafClass("S", 0x150ceecf, "short"),
  leafClass("I", 0x7e6aae19, "int"),
  leafClass("L", 0xde320862, "Long64_t"),
  leafClass("F", 0x3add9d72, "float"),
  leafClass("D", 0x118e8776, "double"),
  {
    name: "TRefTable",
    version: 3,
    checksum: 0x8c895b85,
    arrayBits: 0,
    elements: [
      TOBJECT_BASE,
      basic("fSize", "dummy for backward compatibility", "int"),
      objectPointer(
        "fParents",
        "array of Parent objects  (eg TTree branch) holding the referenced objects",
        "TObjArray*",
      ),
      objectPointer("fOwner", "Object owning this TRefTable", "TObject*"),
      {
        kind: "vectorOfString",
        name: "fProcessGUIDs",
        title: "UUIDs of TProcessIDs used in fParentIDs",
      },
    ],
  },
  {
    name: "TBranchRef",
    version: 1,
    checksum: 0x2360b3fd,
    arrayBits: 0,
    elements: [
      base("TBranch", "Branch descriptor", TBRANCH_CHECKSUM, 13),
      objectPointer("fRefTable", "pointer to the TRefTable", "TRefTable*"),
    ],
  },
  {
    name: "TTree",
    version: 20,
    checksum: 0x7264e07f,
    arrayBits: 0,
    elements: [
      TNAMED_BASE,
      base("TAttLine", "Line attributes", TATTLINE_CHECKSUM, 2),
      base("TAttFill", "Fill area attributes", TATTFILL_CHECKSUM, 2),
      base("TAttMarker", "Marker attributes", TATTMARKER_CHECKSUM, 2),
      basic("fEntries", "Number of entries", "Long64_t"),
      basic("fTotBytes", "Total number of bytes in all branches before compression", "Long64_t"),
      basic("fZipBytes", "Total number of bytes in all branches after compression", "Long64_t"),
      basic("fSavedBytes", "Number of autosaved bytes", "Long64_t"),
      basic("fFlushedBytes", "Number of auto-flushed bytes", "Long64_t"),
      basic("fWeight", "Tree weight (see TTree::SetWeight)", "double"),
      basic("fTimerInterval", "Timer interval in milliseconds", "int"),
      basic("fScanField", "Number of runs before prompting in Scan", "int"),
      basic("fUpdate", "Update frequency for EntryLoop", "int"),
      basic(
        "fDefaultEntryOffsetLen",
        "Initial Length of fEntryOffset table in the basket buffers",
        "int",
      ),
      counter(
        "fNClusterRange",
        "Number of Cluster range in addition to the one defined by 'AutoFlush'",
      ),
      basic("fMaxEntries", "Maximum number of entries in case of circular buffers", "Long64_t"),
      basic("fMaxEntryLoop", "Maximum number of entries to process", "Long64_t"),
      basic("fMaxVirtualSize", "Maximum total size of buffers kept in memory", "Long64_t"),
      basic(
        "fAutoSave",
        "Autosave tree when fAutoSave entries written or -fAutoSave (compressed) bytes produced",
        "Long64_t",
      ),
      basic(
        "fAutoFlush",
        "Auto-flush tree when fAutoFlush entries written or -fAutoFlush (compressed) bytes " +
          "produced",
        "Long64_t",
      ),
      basic("fEstimate", "Number of entries to estimate histogram limits", "Long64_t"),
      arrayPointer(
        "fClusterRangeEnd",
        "[fNClusterRange] Last entry of a cluster range.",
        "Long64_t",
        "fNClusterRange",
        "TTree",
        20,
      ),
      arrayPointer(
        "fClusterSize",
        "[fNClusterRange] Number of entries in each cluster for a given range.",
        "Long64_t",
        "fNClusterRange",
        "TTree",
        20,
      ),
      {
        kind: "objectAny",
        name: "fIOFeatures",
        title: "IO features to define for newly-written baskets and branches.",
        size: 1,
        typeName: "ROOT::TIOFeatures",
      },
      { kind: "object", name: "fBranches", title: "List of Branches", typeName: "TObjArray" },
      {
        kind: "object",
        name: "fLeaves",
        title: "Direct pointers to individual branch leaves",
        typeName: "TObjArray",
      },
      objectPointer(
        "fAliases",
        "List of aliases for expressions based on the tree branches.",
        "TList*",
      ),
      {
        kind: "objectAny",
        name: "fIndexValues",
        title: "Sorted index values",
        size: 24,
        typeName: "TArrayD",
      },
      {
        kind: "objectAny",
        name: "fIndex",
        title: "Index of sorted values",
        size: 24,
        typeName: "TArrayI",
      },
      objectPointer("fTreeIndex", "Pointer to the tree Index (if any)", "TVirtualIndex*"),
      objectPointer("fFriends", "pointer to list of friend elements", "TList*"),
      objectPointer(
        "fUserInfo",
        "pointer to a list of user objects associated to this Tree",
        "TList*",
      ),
      objectPointer("fBranchRef", "Branch supporting the TRefTable (if any)", "TBranchRef*"),
    ],
  },
];

const TH1_CHECKSUM = 0x1c3740c4;
const TATTAXIS_CHECKSUM = 0x5c6fff3e;

/** The classes a TH1D adds to those of a TTree file (after them in the StreamerInfo list). */
const HISTOGRAM_CLASSES: ClassInfo[] = [
  {
    name: "THashList",
    version: 0,
    checksum: 0xcc7e49c1,
    arrayBits: OLD_BITS,
    elements: [base("TList", "Doubly linked list", 0x69c5c3bb, 5)],
  },
  {
    name: "TAttAxis",
    version: 4,
    checksum: TATTAXIS_CHECKSUM,
    arrayBits: OLD_BITS,
    elements: [
      basic("fNdivisions", "Number of divisions(10000*n3 + 100*n2 + n1)", "int"),
      basic("fAxisColor", "Color of the line axis", "short"),
      basic("fLabelColor", "Color of labels", "short"),
      basic("fLabelFont", "Font for labels", "short"),
      basic("fLabelOffset", "Offset of labels", "float"),
      basic("fLabelSize", "Size of labels", "float"),
      basic("fTickLength", "Length of tick marks", "float"),
      basic("fTitleOffset", "Offset of axis title", "float"),
      basic("fTitleSize", "Size of axis title", "float"),
      basic("fTitleColor", "Color of axis title", "short"),
      basic("fTitleFont", "Font for axis title", "short"),
    ],
  },
  {
    name: "TAxis",
    version: 10,
    checksum: 0x5a496e70,
    arrayBits: OLD_BITS,
    elements: [
      TNAMED_BASE,
      base("TAttAxis", "Axis attributes", TATTAXIS_CHECKSUM, 4),
      basic("fNbins", "Number of bins", "int"),
      basic("fXmin", "low edge of first bin", "double"),
      basic("fXmax", "upper edge of last bin", "double"),
      {
        kind: "objectAny",
        name: "fXbins",
        title: "Bin edges array in X",
        size: 24,
        typeName: "TArrayD",
      },
      basic("fFirst", "first bin to display", "int"),
      basic("fLast", "last bin to display", "int"),
      basic("fBits2", "second bit status word", "unsigned short"),
      basic("fTimeDisplay", "on/off displaying time values instead of numerics", "bool"),
      {
        kind: "string",
        name: "fTimeFormat",
        title: "Date&time format, ex: 09/12/99 12:34:00",
      },
      objectPointer("fLabels", "List of labels", "THashList*"),
      objectPointer("fModLabs", "List of modified labels", "TList*"),
    ],
  },
  {
    name: "TH1",
    version: 8,
    checksum: TH1_CHECKSUM,
    arrayBits: OLD_BITS,
    elements: [
      TNAMED_BASE,
      base("TAttLine", "Line attributes", TATTLINE_CHECKSUM, 2),
      base("TAttFill", "Fill area attributes", TATTFILL_CHECKSUM, 2),
      base("TAttMarker", "Marker attributes", TATTMARKER_CHECKSUM, 2),
      basic("fNcells", "number of bins(1D), cells (2D) +U/Overflows", "int"),
      ...["X", "Y", "Z"].map((a): Element => ({
        kind: "object",
        name: `f${a}axis`,
        title: `${a} axis descriptor`,
        typeName: "TAxis",
        size: 216,
      })),
      basic("fBarOffset", "(1000*offset) for bar charts or legos", "short"),
      basic("fBarWidth", "(1000*width) for bar charts or legos", "short"),
      basic("fEntries", "Number of entries", "double"),
      basic("fTsumw", "Total Sum of weights", "double"),
      basic("fTsumw2", "Total Sum of squares of weights", "double"),
      basic("fTsumwx", "Total Sum of weight*X", "double"),
      basic("fTsumwx2", "Total Sum of weight*X*X", "double"),
      basic("fMaximum", "Maximum value for plotting", "double"),
      basic("fMinimum", "Minimum value for plotting", "double"),
      basic("fNormFactor", "Normalization factor", "double"),
      {
        kind: "objectAny",
        name: "fContour",
        title: "Array to display contour levels",
        size: 24,
        typeName: "TArrayD",
      },
      {
        kind: "objectAny",
        name: "fSumw2",
        title: "Array of sum of squares of weights",
        size: 24,
        typeName: "TArrayD",
      },
      { kind: "string", name: "fOption", title: "histogram options" },
      {
        kind: "objectPointer",
        name: "fFunctions",
        title: "->Pointer to list of functions (fits and user)",
        typeName: "TList*",
        type: 63,
      },
      counter("fBufferSize", "fBuffer size"),
      arrayPointer("fBuffer", "[fBufferSize] entry buffer", "double", "fBufferSize", "TH1", 8),
      {
        kind: "basic",
        name: "fBinStatErrOpt",
        title: "option for bin statistical errors",
        type: 3,
        size: 4,
        typeName: "TH1::EBinErrorOpt",
      },
      {
        kind: "basic",
        name: "fStatOverflows",
        title: "per object flag to use under/overflows in statistics",
        type: 3,
        size: 4,
        typeName: "TH1::EStatOverflows",
      },
    ],
  },
  {
    name: "TH1D",
    version: 3,
    checksum: 0xf9b1569f,
    arrayBits: OLD_BITS,
    elements: [
      base("TH1", "1-Dim histogram base class", TH1_CHECKSUM, 8),
      base("TArrayD", "Array of doubles", 0x7139ef34, 1),
    ],
  },
];

const ELEMENT_CLASS: Record<Element["kind"], [className: string, version: number]> = {
  base: ["TStreamerBase", 3],
  basic: ["TStreamerBasicType", 2],
  pointer: ["TStreamerBasicPointer", 2],
  objectPointer: ["TStreamerObjectPointer", 2],
  objectAny: ["TStreamerObjectAny", 2],
  object: ["TStreamerObject", 2],
  string: ["TStreamerString", 2],
  vectorOfString: ["TStreamerSTL", 3],
};

function writeTNamed(w: ByteWriter, bits: number, name: string, title: string): void {
  const at = w.beginVersioned(1);
  w.i16(1).u32(0).u32(bits).tstring(name).tstring(title);
  w.end(at);
}

function writeElement(w: ByteWriter, el: Element): void {
  const [className, version] = ELEMENT_CLASS[el.kind];
  const any = w.beginObjectAny(className);
  const outer = w.beginVersioned(version);
  const element = w.beginVersioned(4);
  writeTNamed(w, el.kind === "vectorOfString" ? 0x02000000 : 0x03000000, el.name, el.title);
  let type: number, size: number, typeName: string;
  const maxIndex = [0, 0, 0, 0, 0];
  switch (el.kind) {
    case "base":
      [type, size, typeName] = [el.type, 0, "BASE"];
      maxIndex[1] = el.checksum;
      break;
    case "basic":
    case "pointer":
      [type, size, typeName] = [el.type, el.size, el.typeName];
      break;
    case "objectPointer":
      [type, size, typeName] = [el.type ?? 64, 8, el.typeName];
      break;
    case "objectAny":
      [type, size, typeName] = [62, el.size, el.typeName];
      break;
    case "object":
      [type, size, typeName] = [61, el.size ?? 64, el.typeName];
      break;
    case "string":
      [type, size, typeName] = [65, 24, "TString"];
      break;
    case "vectorOfString":
      [type, size, typeName] = [500, 24, "vector<string>"];
      break;
  }
  w.i32(type).i32(size).i32(0).i32(0);
  for (const m of maxIndex) w.u32(m);
  w.tstring(typeName);
  w.end(element);
  if (el.kind === "base") w.i32(el.version);
  if (el.kind === "pointer") w.i32(el.countVersion).tstring(el.countName).tstring(el.countClass);
  if (el.kind === "vectorOfString") w.i32(1).i32(61);
  w.end(outer);
  w.end(any);
}

/** One TStreamerInfo record written through a pointer, as in the StreamerInfo TList. */
export function serializeStreamerInfo(w: ByteWriter, info: ClassInfo): void {
  const any = w.beginObjectAny("TStreamerInfo");
  const outer = w.beginVersioned(9);
  writeTNamed(w, 0x03010000, info.name, "");
  w.u32(info.checksum).i32(info.version);
  const array = w.beginObjectAny("TObjArray");
  const arrayBody = w.beginVersioned(3);
  w.i16(1).u32(0).u32(info.arrayBits).tstring("").i32(info.elements.length).i32(0);
  for (const el of info.elements) writeElement(w, el);
  w.end(arrayBody);
  w.end(array);
  w.end(outer);
  w.end(any);
}

/** Names of the classes described in the StreamerInfo record, in order. */
export const STREAMER_CLASS_NAMES: readonly string[] = CLASSES.map((c) => c.name);

/**
 * The body of the "StreamerInfo" TList key: every class a TTree file uses, and with
 * `histograms` those a TH1D adds.
 */
export function streamerInfoListBody(histograms = false): Uint8Array {
  const classes = histograms ? [...CLASSES, ...HISTOGRAM_CLASSES] : CLASSES;
  const w = new ByteWriter(32768);
  const list = w.beginVersioned(5);
  w.i16(1).u32(0).u32(0x02000000).tstring("").i32(classes.length);
  for (const info of classes) {
    serializeStreamerInfo(w, info);
    w.u8(0); // the TList entry's option string
  }
  w.end(list);
  return w.result();
}

/** Byte length of each class's record, for checking against reference serializations. */
export function streamerRecordLengths(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const info of [...CLASSES, ...HISTOGRAM_CLASSES]) {
    const w = new ByteWriter();
    serializeStreamerInfo(w, info);
    out[info.name] = w.pos;
  }
  return out;
}
