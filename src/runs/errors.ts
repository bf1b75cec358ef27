/** Errors of numbered runs: their folders, manifests and sequences. */

/** A run folder name pattern that cannot be used (`[supervisor] run_dir`). */
export class RunNamingError extends Error {
  override name = "RunNamingError";
  constructor(readonly pattern: string, problem: string) {
    super(`run_dir ${JSON.stringify(pattern)}: ${problem}`);
  }
}

/** A manifest that cannot be read or does not hold what a manifest holds; names the file. */
export class ManifestError extends Error {
  override name = "ManifestError";
  constructor(readonly path: string, problem: string) {
    super(`${path}: ${problem}`);
  }
}

/** A run that cannot be found: names what was asked for and where it was looked for. */
export class RunNotFoundError extends Error {
  override name = "RunNotFoundError";
}
