/** `daq ctl`: drives a running `daq serve` from a shell script. */
import { readToken } from "../serve/auth.ts";
import { ServeSetupError } from "../serve/errors.ts";
import type { RunSummary, ServeStatus } from "../serve/service.ts";
import type { RunManifest } from "../runs/mod.ts";
import { parseCommandArgs, UsageError } from "./_args.ts";

/** Usage text of `daq ctl`. */
export const CTL_USAGE = `Usage: daq ctl COMMAND [options]

Drives a running daq serve over its HTTP API.

Commands:
  status    state, run number, run time and per-job figures
  start     start a run (--comment TEXT)
  stop      stop the current run (prints how it ended)
  pause     pause the current run's sources
  resume    resume the current run
  runs      the runs of the data dir

Options:
  --url URL          the server (default http://127.0.0.1:8080)
  --token-file FILE  its token (default data/daq-serve.token, as daq serve makes it)
  --comment TEXT     the run's comment (start)
  --json             print the server's JSON answer as it is
  -h, --help         this help

Exit codes: 0 done; 1 bad usage; 2 the server refused (its message is printed) or could not
be reached.`;

const COMMANDS = ["status", "start", "stop", "pause", "resume", "runs"] as const;
type CtlCommand = typeof COMMANDS[number];

/** What the server refused, or why it could not be asked: exit code 2. */
class RefusedError extends Error {
  override name = "RefusedError";
}

/** Runs `daq ctl`; resolves to the exit code. */
export async function ctlCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("ctl", args, {
    url: { type: "string" },
    "token-file": { type: "string" },
    comment: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(CTL_USAGE);
    return 0;
  }
  if (positionals.length !== 1 || !COMMANDS.includes(positionals[0] as CtlCommand)) {
    throw new UsageError(
      `daq ctl takes one command (${COMMANDS.join(", ")}), got ${
        positionals.length ? positionals.join(" ") : "none"
      }`,
    );
  }
  const command = positionals[0] as CtlCommand;
  if (values.comment !== undefined && command !== "start") {
    throw new UsageError("--comment goes with start");
  }
  let base: URL;
  try {
    base = new URL(values.url ?? "http://127.0.0.1:8080");
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new Error("not http");
  } catch {
    throw new UsageError(`--url: expected http://HOST:PORT, got "${values.url}"`);
  }
  const tokenFile = values["token-file"] ?? "data/daq-serve.token";
  let token: string | undefined;
  try {
    token = await readToken(tokenFile);
  } catch (e) {
    if (e instanceof ServeSetupError) throw new UsageError(e.message);
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    if (values["token-file"] !== undefined) {
      throw new UsageError(`--token-file ${tokenFile}: no such file`);
    }
  }
  try {
    const answer = await ask(base, token, command, values.comment);
    if (values.json) console.log(JSON.stringify(answer, null, 2));
    else console.log(describe(command, answer).join("\n"));
    return 0;
  } catch (e) {
    if (!(e instanceof RefusedError)) throw e;
    console.error(`error: ${e.message}`);
    return 2;
  }
}

async function ask(
  base: URL,
  token: string | undefined,
  command: CtlCommand,
  comment: string | undefined,
): Promise<unknown> {
  const [method, path, body] = command === "status"
    ? ["GET", "/api/status", undefined]
    : command === "runs"
    ? ["GET", "/api/runs", undefined]
    : command === "start"
    ? ["POST", "/api/runs", comment === undefined ? {} : { comment }]
    : ["POST", `/api/runs/current/${command}`, undefined];
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const url = new URL(path, base);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (e) {
    throw new RefusedError(`cannot reach ${url.origin}: ${(e as Error).message}`);
  }
  const text = await response.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RefusedError(
      `${method} ${path}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`,
    );
  }
  if (!response.ok) {
    const message = (value as { error?: unknown })?.error;
    throw new RefusedError(
      `${method} ${path}: HTTP ${response.status}: ${
        typeof message === "string" ? message : text.slice(0, 200)
      }`,
    );
  }
  return value;
}

function describe(command: CtlCommand, answer: unknown): string[] {
  switch (command) {
    case "status":
    case "pause":
    case "resume": {
      const s = answer as ServeStatus;
      const lines = [
        s.run
          ? `${s.state}: run ${s.run.number}, ${s.run.runTimeS.toFixed(1)} s${
            s.run.comment ? `, "${s.run.comment}"` : ""
          }${s.run.pauses ? `, ${s.run.pauses} pauses` : ""}`
          : `${s.state}${s.lastRun ? ` (last run ${s.lastRun})` : ""}`,
      ];
      for (const j of s.stats?.jobs ?? []) {
        lines.push(
          `  ${j.name} (${j.type}) ${j.state}: ${j.rows} rows, ${j.drops} drops, ${j.gaps} gaps, ${j.restarts} restarts`,
        );
      }
      return lines;
    }
    case "start":
      return [`run ${(answer as { run: number }).run} started`];
    case "stop": {
      const m = answer as RunManifest;
      const bytes = m.files.reduce((n, f) => n + f.bytes, 0);
      return [`run ${m.run} ${m.status} (${m.reason}): ${m.files.length} files, ${bytes} bytes`];
    }
    case "runs":
      return (answer as RunSummary[]).map((r) =>
        `${String(r.run).padStart(6)}  ${r.status.padEnd(7)}  ${r.start ?? "-"}  ${
          r.durationS === undefined ? "-" : `${r.durationS.toFixed(1)} s`
        }  ${r.files} files  ${r.comment}`
      );
  }
}
