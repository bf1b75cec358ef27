/** `daq serve`: the acquisition as a service with an HTTP API, idle between runs. */
import { loadConfig } from "../config/load.ts";
import { BUILTIN_JOB_TYPES } from "../jobs/catalogue.ts";
import { loadJobModule } from "../job/module.ts";
import {
  createService,
  loadOrCreateToken,
  parseListenAddress,
  SERVE_ROUTES,
  ServeSetupError,
  startHttpServer,
} from "../serve/mod.ts";
import { DASHBOARD_ROUTES } from "../dashboard/mod.ts";
import { parseCommandArgs, UsageError } from "./_args.ts";
import { StatusDisplay } from "./status.ts";

/** Usage text of `daq serve`. */
export const SERVE_USAGE = `Usage: daq serve [CONFIG] [options]

Runs daq as a service: it stays up between runs, starts idle, and is driven over HTTP
(daq ctl, scripts, the dashboard). Every run is numbered and gets a manifest, as with daq run.

Options:
  --http HOST:PORT   where the HTTP API listens (default 127.0.0.1:8080; port 0: a free one).
                     Beyond loopback, every endpoint needs the token.
  --token-file FILE  the bearer token POSTs need (default <data_dir>/daq-serve.token; made
                     with mode 0600 and a random token when missing)
  --start            start a run at once
  --comment TEXT     the comment of the run --start makes
  --data-dir DIR     folder of the runs (overrides [supervisor] data_dir)
  --quiet            only warnings and errors
  -h, --help         this help

Stop with Ctrl-C or SIGTERM: the current run stops cleanly (its manifest completed).
Exit codes: 0 clean stop, 1 bad config or usage.`;

/** Runs `daq serve`; resolves to the exit code when it is stopped. */
export async function serveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("serve", args, {
    http: { type: "string" },
    "token-file": { type: "string" },
    start: { type: "boolean" },
    comment: { type: "string" },
    "data-dir": { type: "string" },
    quiet: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    throw new UsageError(`daq serve takes one CONFIG, got ${positionals.length}`);
  }
  const config = await loadConfig(positionals[0], {
    jobTypes: BUILTIN_JOB_TYPES,
    loadJobModule,
    dataDir: values["data-dir"],
  });
  const display = new StatusDisplay({ tty: false, quiet: values.quiet ?? false });
  let listen: { hostname: string; port: number };
  let token: { token: string; created: boolean };
  const tokenFile = values["token-file"] ?? `${config.supervisor.dataDir}/daq-serve.token`;
  try {
    listen = parseListenAddress(values.http ?? "127.0.0.1:8080");
    token = await loadOrCreateToken(tokenFile);
  } catch (e) {
    if (e instanceof ServeSetupError) throw new UsageError(e.message);
    throw e;
  }
  const service = createService(config, { onLog: (level, text) => display.log(level, text) });
  let http;
  try {
    http = await startHttpServer({
      ...listen,
      token: token.token,
      service,
      routes: [...SERVE_ROUTES, ...DASHBOARD_ROUTES],
      onLog: (level, text) => display.log(level, text),
    });
  } catch (e) {
    await service.close();
    throw new UsageError(`--http ${values.http ?? "127.0.0.1:8080"}: ${(e as Error).message}`);
  }
  const host = http.hostname.includes(":") ? `[${http.hostname}]` : http.hostname;
  display.log(
    "info",
    `daq serve: listening on http://${host}:${http.port} (GET /api lists the endpoints)`,
  );
  display.log(
    "info",
    `token file: ${tokenFile}${token.created ? " (created, mode 0600)" : ""}; POSTs need ` +
      `Authorization: Bearer <its token>`,
  );
  if (http.tokenEverywhere) {
    display.log(
      "warn",
      `listening beyond loopback (${http.hostname}): every endpoint needs the token`,
    );
  }
  display.log(
    "info",
    `data dir ${config.supervisor.dataDir}: ${config.jobs.length} jobs, ${config.routes.length} routes from ${
      config.files.join(", ")
    }`,
  );
  if (values.start) await service.start({ comment: values.comment });

  const { promise: stopped, resolve } = Promise.withResolvers<string>();
  const onSignal = (name: string) => () => resolve(name);
  const onInt = onSignal("SIGINT");
  const onTerm = onSignal("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  try {
    const why = await stopped;
    display.log("info", `${why}: stopping (the current run stops cleanly)`);
    await service.close();
    await http.shutdown();
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGTERM", onTerm);
  }
}
