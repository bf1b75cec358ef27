/** Reads every branch of a tree back with JSROOT, an independent reader. */

import { openFile, treeProcess, TSelector } from "jsroot";

/** One value per entry: a number, bigint, boolean or an array of those for array leaves. */
export type ReadValue = unknown;

/** Reads every branch of `treeName` in the file at `path`: all entries, or `range`. */
export async function readTreeWithJsroot(
  path: string,
  treeName: string,
  range?: { firstEntry: number; entries: number },
): Promise<
  { entries: number; columns: Record<string, ReadValue[]>; tree: Record<string, unknown> }
> {
  const file = await openFile(path);
  const tree = await file.readObject(treeName);
  const names: string[] = tree.fBranches.arr.map((b: { fName: string }) => b.fName);
  const columns: Record<string, ReadValue[]> = {};
  for (const n of names) columns[n] = [];
  const selector = new TSelector();
  for (const n of names) selector.addBranch(n, n);
  selector.Process = function (this: { tgtobj: Record<string, unknown> }) {
    for (const n of names) {
      const v = this.tgtobj[n];
      columns[n].push(
        ArrayBuffer.isView(v) || Array.isArray(v) ? Array.from(v as ArrayLike<unknown>) : v,
      );
    }
  };
  const args = range ? { firstentry: range.firstEntry, numentries: range.entries } : undefined;
  if (Number(tree.fEntries) > 0) await treeProcess(tree, selector, args);
  return { entries: Number(tree.fEntries), columns, tree };
}
