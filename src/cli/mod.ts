/**
 * The `daq` command line: `daq run`, `daq check`, and the other commands listed by
 * `daq --help`. Every command resolves to its exit code; bad usage and bad configs print a
 * clear message and give 1.
 *
 * ```ts
 * import { main } from "./mod.ts";
 * const code = await main(["check", "config/default.toml"]);
 * ```
 *
 * @module
 */
import { ConfigError } from "../config/errors.ts";
import { VERSION } from "../version.ts";
import { UsageError } from "./_args.ts";
import { benchCommand } from "./bench.ts";
import { checkCommand } from "./check.ts";
import { runCommand } from "./run.ts";
import { tailCommand } from "./tail.ts";

export { UsageError } from "./_args.ts";

const COMMANDS: Record<string, { summary: string; run: (args: string[]) => Promise<number> }> = {
  run: { summary: "run an acquisition from a config (default: the shipped one)", run: runCommand },
  check: { summary: "validate a config and print its jobs and routes", run: checkCommand },
  jobs: {
    summary: "list job types; the fields of one (--json-schema: as JSON Schema)",
    run: async (args) => (await import("./jobs.ts")).jobsCommand(args),
  },
  bench: { summary: "stress-test the pipeline: MB/s, msgs/s, latency, loss", run: benchCommand },
  tail: { summary: "follow a ring file of a live acquisition", run: tailCommand },
  ctl: {
    summary: "drive a running daq serve: status, start, stop, pause, resume, runs",
    run: async (args) => (await import("./ctl.ts")).ctlCommand(args),
  },
  verify: {
    summary: "re-hash a run's files and compare them with its manifest",
    run: async (args) => (await import("./verify.ts")).verifyCommand(args),
  },
  serve: {
    summary: "run as a service with an HTTP API: numbered runs, control, metrics",
    run: async (args) => (await import("./serve.ts")).serveCommand(args),
  },
  // Loaded on use: they load zeromq's native add-on, which other commands do not need.
  proxy: {
    summary: "run the ZeroMQ proxy that links supervisors",
    run: async (args) => (await import("./proxy.ts")).proxyCommand(args),
  },
  keygen: {
    summary: "generate a CURVE key pair for remote links",
    run: async (args) => (await import("./keygen.ts")).keygenCommand(args),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `daq ${VERSION}: data acquisition for physics labs and test benches

Usage: daq COMMAND [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`).join("\n")}

Options:
  -h, --help     this help (daq COMMAND --help for a command's own)
  -V, --version  print the version`;
}

/** Runs the `daq` command line with `args`; resolves to the process exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    console.log(usage());
    return command === undefined ? 1 : 0;
  }
  if (command === "--version" || command === "-V") {
    console.log(`daq ${VERSION} (deno ${Deno.version.deno})`);
    return 0;
  }
  const cmd = COMMANDS[command];
  try {
    if (!cmd) {
      throw new UsageError(
        `unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(", ")}`,
      );
    }
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n(see daq ${cmd ? `${command} ` : ""}--help)`);
      return 1;
    }
    if (e instanceof ConfigError) {
      console.error(`config error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
