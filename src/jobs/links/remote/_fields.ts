// Config of the `remote` job: its fields, the checks the field specs cannot express, and the
// settings the job runs with. No zeromq code is loaded here (config time).
import { fileURLToPath } from "node:url";
import type { FieldValues } from "../../../job/mod.ts";
import { checkEndpoint } from "../../../remote/_endpoint.ts";
import { RemoteEndpointError } from "../../../remote/errors.ts";
import { isZ85Key } from "../../../remote/_z85.ts";

/** The `remote` job's own config keys. */
export const REMOTE_FIELDS = {
  publish_endpoint: {
    type: "string",
    doc: 'where the inputs are published: the proxy\'s XSUB side, e.g. "tcp://host:5556"',
  },
  publish_bind: {
    type: "boolean",
    default: false,
    doc: "bind publish_endpoint (peers subscribe here) instead of connecting to a proxy",
  },
  subscribe_endpoints: {
    type: "strings",
    doc: 'where subscribed topics come from: the proxy\'s XPUB side, e.g. ["tcp://host:5557"]',
  },
  subscribe: {
    type: "strings",
    default: [],
    doc: "topics (route keys of other supervisors) injected here under the same route key",
  },
  hwm: {
    type: "number",
    integer: true,
    positive: true,
    default: 1000,
    doc: "ZeroMQ high-water mark of each socket, in messages",
  },
  on_hwm: {
    type: "string",
    choices: ["block", "drop"],
    doc:
      "publisher at hwm: block (wait; input rings fill and their policy applies) or drop (counted); required when publishing",
  },
  heartbeat_interval: {
    type: "duration",
    default: "1s",
    doc: "heartbeat period of the publisher; peers are alive while heard within 3 periods",
  },
  curve_server_key: {
    type: "string",
    doc: "CURVE: public key (Z85) of the proxy or binding peer; turns CURVE on",
  },
  curve_keys_file: {
    type: "string",
    doc: "CURVE: this supervisor's key pair, a file written by `daq keygen --out FILE`",
  },
  max_message_size: {
    type: "size",
    default: "64MiB",
    min: 1024,
    doc: "received wire messages larger than this are skipped and counted (link_malformed)",
  },
  max_seq_jump: {
    type: "number",
    integer: true,
    positive: true,
    default: 10_000_000,
    doc:
      "a peer's sequence number jumping further ahead than this is not counted as gaps: the stream is taken as restarted (link_seq_jumps)",
  },
  connect_grace: {
    type: "duration",
    default: "300ms",
    doc: "after connecting, wait this long for subscriptions before publishing the first input",
  },
} as const;

/** The `remote` job's field values. */
export type RemoteFields = FieldValues<typeof REMOTE_FIELDS>;

/** The `remote` job's fields, typed. */
export interface RemoteSettings {
  publishEndpoint?: string;
  publishBind: boolean;
  subscribeEndpoints: string[];
  subscribe: string[];
  hwm: number;
  onHwm: "block" | "drop";
  heartbeatIntervalMs: number;
  curveServerKey?: string;
  curveKeysFile?: string;
  connectGraceMs: number;
  maxMessageBytes: number;
  maxSeqJump: number;
}

/** Reads the validated fields of a `remote` job. */
export function remoteSettings(fields: RemoteFields): RemoteSettings {
  return {
    publishEndpoint: fields.publish_endpoint,
    publishBind: fields.publish_bind,
    subscribeEndpoints: fields.subscribe_endpoints ?? [],
    subscribe: fields.subscribe,
    hwm: fields.hwm,
    onHwm: fields.on_hwm ?? "block",
    heartbeatIntervalMs: fields.heartbeat_interval,
    curveServerKey: fields.curve_server_key,
    curveKeysFile: fields.curve_keys_file,
    connectGraceMs: fields.connect_grace,
    maxMessageBytes: fields.max_message_size,
    maxSeqJump: fields.max_seq_jump,
  };
}

/** What the field specs cannot say: endpoints, keys, and which keys go together. */
export function checkRemoteFields(
  fields: RemoteFields,
): { key: string; problem: string } | undefined {
  const s = remoteSettings(fields);
  const endpoints: [string, string][] = [];
  if (s.publishEndpoint !== undefined) endpoints.push(["publish_endpoint", s.publishEndpoint]);
  s.subscribeEndpoints.forEach((e, i) => endpoints.push([`subscribe_endpoints[${i}]`, e]));
  for (const [key, endpoint] of endpoints) {
    try {
      checkEndpoint(endpoint);
    } catch (e) {
      if (!(e instanceof RemoteEndpointError)) throw e;
      return { key, problem: e.message };
    }
  }
  if (s.subscribe.length > 0 && s.subscribeEndpoints.length === 0) {
    return {
      key: "subscribe_endpoints",
      problem: `missing: where to subscribe to ${s.subscribe.map((t) => `"${t}"`).join(", ")}`,
    };
  }
  if (s.publishEndpoint === undefined && s.subscribeEndpoints.length === 0) {
    return {
      key: "publish_endpoint",
      problem: "a remote job needs publish_endpoint, subscribe_endpoints or both",
    };
  }
  const reserved = s.subscribe.find((t) => t.startsWith("_") || t.endsWith("*"));
  if (reserved !== undefined) {
    return {
      key: "subscribe",
      problem: `"${reserved}": topics are exact route keys, not starting with "_" (reserved)`,
    };
  }
  if (s.publishEndpoint !== undefined && fields.on_hwm === undefined) {
    return {
      key: "on_hwm",
      problem: 'missing: what publishing does at the high-water mark, "block" or "drop"',
    };
  }
  if (s.curveServerKey !== undefined && !isZ85Key(s.curveServerKey)) {
    return { key: "curve_server_key", problem: "expected a 40-character Z85 key" };
  }
  const connects = s.subscribeEndpoints.length > 0 || (s.publishEndpoint && !s.publishBind);
  if (s.curveKeysFile !== undefined && connects && s.curveServerKey === undefined) {
    return {
      key: "curve_server_key",
      problem: "missing: curve_keys_file is set, so connecting sockets need the server's key",
    };
  }
  if (s.publishBind && s.curveServerKey !== undefined && s.curveKeysFile === undefined) {
    return {
      key: "curve_keys_file",
      problem: "missing: a binding publisher is the CURVE server and needs its own key pair",
    };
  }
  return undefined;
}

/**
 * Folders the job loads code from. Its publisher runs in a nested Worker, whose modules load
 * with the job's permissions; zeromq's loader reads /etc/alpine-release.
 */
const CODE_DIRS = [
  new URL("../../../", import.meta.url),
  new URL("../../../../node_modules/", import.meta.url),
];

/** Where zeromq's native add-on lies (the one library the job may load). */
const ZEROMQ_DIR = new URL("../../../../node_modules/zeromq/", import.meta.url);

/** The Deno permissions of a `remote` job beyond none: zeromq's add-on and the reads it needs. */
export function remotePermissions(
  job: { fields: RemoteFields },
): { read: string[]; ffi: string[] } {
  const read = CODE_DIRS.filter((u) => u.protocol === "file:").map((u) =>
    fileURLToPath(u).replace(/\/$/, "")
  );
  read.push("/etc/alpine-release");
  const keys = job.fields.curve_keys_file;
  if (keys !== undefined) read.push(keys);
  // zeromq's native code opens its sockets itself: --allow-net does not apply to it.
  return { read, ffi: [fileURLToPath(ZEROMQ_DIR).replace(/\/$/, "")] };
}
