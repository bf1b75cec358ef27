/**
 * The `daq` command line.
 *
 * @module
 */

/** Runs the `daq` command line with `args`; resolves to the process exit code. */
export function main(_args: string[]): Promise<number> {
  console.log("daq: not yet");
  return Promise.resolve(0);
}
