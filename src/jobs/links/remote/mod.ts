/**
 * `remote`: a link between supervisors over ZeroMQ (src/remote, docs/wire-format.md).
 *
 * - Forwarding: every message of the job's `inputs` is published with its route key as the
 *   topic, this supervisor's id as origin and its send time as timestamp. The publisher runs
 *   in a nested Worker; at its high-water mark it blocks (the input rings fill and their policy
 *   applies) or drops and counts, as `on_hwm` says.
 * - Injection: every message of the `subscribe` topics from other supervisors is sent on the
 *   local routes of the same key, with its remote send time; local consumers see it come from
 *   this job. Duplicates are dropped, sequence gaps counted, peers tracked from heartbeats.
 * - Never echoed: messages that came in over a link (this job's or another `remote` job's) are
 *   not published again, and the subscriber drops messages of its own origin.
 *
 * Figures (stats `extra`): `link_msgs_out`, `link_bytes_out`, `link_hwm_drops`, `on_hwm_drop`
 * (1 when `on_hwm = "drop"`), `link_msgs_in`, `link_bytes_in`, `link_gaps`, `link_duplicates`,
 * `link_late`, `link_restarts` (a peer's publisher restarted), `link_missed_at_start` (what
 * publishers sent before the first payload received from them), `link_malformed` (received
 * wire messages and payloads skipped: not to the format, over `max_message_size`, too large for
 * a ring), `link_own_echoes` (payloads of this supervisor's own id), `link_seq_jumps` (sequence
 * numbers not trusted, see docs/wire-format.md), `link_skipped` (inputs that are
 * not published: raw bytes, or messages from another link), `peers`, `peers_alive`, and per
 * peer `peer.<id>.alive` (0/1), `peer.<id>.age_ms` (since last heard), `peer.<id>.msgs`
 * (payloads received from it), `peer.<id>.sent` (payloads it reports sent). Rows are counted
 * for what the link injects, as for any source, not for what it forwards (its producer counted
 * them).
 *
 * @module
 */
import {
  type CurveOptions,
  listensBeyondLoopback,
  openEndpointWarning,
  openSubscriber,
  type PayloadType,
  readCurveKeyFile,
  type Subscriber,
} from "../../../remote/mod.ts";
import { RecordType } from "../../../transport/payload.ts";
import { RecordTooLargeError } from "../../../transport/ring.ts";
import { OriginTableError } from "../../../transport/origins.ts";
import { defineJob, type JobContext } from "../../../job/mod.ts";
import {
  checkRemoteFields,
  REMOTE_FIELDS,
  type RemoteFields,
  remotePermissions,
  type RemoteSettings,
  remoteSettings,
} from "./_fields.ts";
import { openOutbox, type Outbox } from "./_outbox.ts";

/** CURVE options of the connecting (client) or binding (server) sockets, or undefined. */
function curveOf(s: RemoteSettings, role: "client" | "server"): CurveOptions | undefined {
  const keys = s.curveKeysFile === undefined ? undefined : readCurveKeyFile(s.curveKeysFile);
  if (role === "server") return keys;
  if (s.curveServerKey === undefined) return undefined;
  return { serverKey: s.curveServerKey, ...keys };
}

/** The names of the `remote` jobs of the whole config: what they inject is never forwarded. */
function linkJobNames(configJson: string): Set<string> {
  const config = JSON.parse(configJson) as { jobs: { name: string; type: string }[] };
  return new Set(config.jobs.filter((j) => j.type === "remote").map((j) => j.name));
}

/** `remote`: a ZeroMQ link to other supervisors. */
export default defineJob({
  role: "link",
  summary: "ZeroMQ link to other supervisors: publishes its inputs, injects subscribed topics",
  fields: REMOTE_FIELDS,
  sends: (f) => f.subscribe,
  check: checkRemoteFields,
  permissions: remotePermissions,
  permissionsWhy: {
    read: "src/ and node_modules/ to load its publisher Worker's code, /etc/alpine-release " +
      "(zeromq's loader looks for it), the CURVE key file if set",
    env: "msgpackr's switch only",
    ffi: "zeromq's native add-on, the one library it may load; its native code opens " +
      "sockets itself (net does not apply) and, like any FFI, can do what the process can",
  },
  run,
});

/** Runs a `remote` job. */
async function run(ctx: JobContext<RemoteFields>): Promise<void> {
  const s = remoteSettings(ctx.fields);
  const origin = ctx.supervisor.id;
  let skipped = 0;
  let undeliverable = 0;
  // The first problem of each kind is logged, with what was wrong; all are counted.
  const logged = new Set<string>();
  const problem = (kind: string, text: string) => {
    if (logged.has(kind)) return;
    logged.add(kind);
    ctx.warn(`${text}; ${PROBLEM_NOTE[kind] ?? "skipped and counted (link_malformed)"}`);
  };
  ctx.setFigure("on_hwm_drop", s.onHwm === "drop" ? 1 : 0);

  let outbox: Outbox | undefined;
  let subscriber: Subscriber | undefined;
  const figures = () => {
    if (outbox) {
      const p = outbox.stats();
      ctx.setFigure("link_msgs_out", p.messagesOut);
      ctx.setFigure("link_bytes_out", p.bytesOut);
      ctx.setFigure("link_hwm_drops", p.drops);
    }
    ctx.setFigure("link_skipped", skipped);
    if (!subscriber) return;
    const q = subscriber.stats();
    ctx.setFigure("link_msgs_in", q.messagesIn);
    ctx.setFigure("link_bytes_in", q.bytesIn);
    ctx.setFigure("link_gaps", q.gaps);
    ctx.setFigure("link_duplicates", q.duplicates);
    ctx.setFigure("link_late", q.late);
    ctx.setFigure("link_missed_at_start", q.missedAtStart);
    ctx.setFigure("link_restarts", q.restarts);
    ctx.setFigure("link_malformed", q.malformed + undeliverable);
    ctx.setFigure("link_own_echoes", q.ownEchoes);
    ctx.setFigure("link_seq_jumps", q.seqJumps);
    const peers = subscriber.peers();
    const now = Date.now();
    ctx.setFigure("peers", peers.length);
    ctx.setFigure("peers_alive", peers.filter((p) => p.alive).length);
    for (const p of peers) {
      ctx.setFigure(`peer.${p.origin}.alive`, p.alive ? 1 : 0);
      ctx.setFigure(`peer.${p.origin}.age_ms`, Math.max(0, now - p.lastSeenMs));
      ctx.setFigure(`peer.${p.origin}.msgs`, p.messages);
      if (p.sent) ctx.setFigure(`peer.${p.origin}.sent`, p.sent.messages);
    }
  };
  const timer = setInterval(figures, ctx.supervisor.statsIntervalMs);

  try {
    if (s.subscribeEndpoints.length > 0) {
      subscriber = await openSubscriber({
        endpoints: s.subscribeEndpoints,
        topics: s.subscribe,
        origin,
        curve: curveOf(s, "client"),
        hwm: s.hwm,
        heartbeatIntervalMs: s.heartbeatIntervalMs,
        signal: ctx.signal,
        maxMessageBytes: s.maxMessageBytes,
        maxSeqJump: s.maxSeqJump,
        onProblem: problem,
      });
      ctx.log(`subscribed to ${s.subscribe.join(", ") || "heartbeats"} at ${s.subscribeEndpoints}`);
    }
    if (s.publishEndpoint !== undefined) {
      outbox = await openOutbox({
        endpoint: s.publishEndpoint,
        bind: s.publishBind,
        origin,
        hwm: s.hwm,
        onHwm: s.onHwm,
        heartbeatIntervalMs: s.heartbeatIntervalMs,
        curve: curveOf(s, s.publishBind ? "server" : "client"),
        connectGraceMs: s.connectGraceMs,
      });
      ctx.log(`publishing ${ctx.job.inputs.join(", ") || "heartbeats"} at ${outbox.endpoint}`);
      if (s.publishBind && !s.curveKeysFile && listensBeyondLoopback(s.publishEndpoint)) {
        ctx.warn(openEndpointWarning(s.publishEndpoint, "curve_keys_file"));
      }
    }
    const skip = (problem: string) => {
      if (skipped++ === 0) ctx.warn(`${problem}; skipped and counted (link_skipped)`);
    };
    // Either loop failing fails the job; both end once a stop was asked for (inputs drained,
    // the subscriber ended by the abort signal).
    await Promise.all([
      forward(ctx, outbox, linkJobNames(ctx.configJson), skip),
      subscriber
        ? inject(ctx, subscriber, new Set(s.subscribe), (error) => {
          undeliverable++;
          problem(error.name, error.message);
        })
        : undefined,
    ]);
  } finally {
    clearInterval(timer);
    await subscriber?.close();
    if (outbox) {
      const final = await outbox.close();
      ctx.log(`published ${final.messagesOut} messages, ${final.drops} dropped at the hwm`);
    }
    figures();
  }
}

/** Publishes every message of the job's inputs, except what came in over a link. */
async function forward(
  ctx: JobContext,
  outbox: Outbox | undefined,
  links: Set<string>,
  skip: (problem: string) => void,
): Promise<void> {
  for await (const msg of ctx.receive()) {
    const type: PayloadType | undefined = msg.type === RecordType.arrow
      ? "arrow"
      : msg.type === RecordType.msgpack
      ? "msgpack"
      : undefined;
    if (!outbox) skip("inputs are not published: no publish_endpoint");
    else if (type === undefined) {
      skip(`record type ${msg.type} from "${msg.from}" cannot cross a link (Arrow, msgpack only)`);
    } else if (links.has(msg.from)) {
      skip(`"${msg.from}" is a remote link: what it injects is never published again`);
    } else await outbox.push(msg.key, type, msg.payload, msg.sentMs);
  }
}

/** What the first log line of each kind of problem adds. */
const PROBLEM_NOTE: Record<string, string> = {
  own_echo: "skipped and counted (link_own_echoes)",
  seq_jump: "not counted as gaps: the stream is taken as restarted there (link_seq_jumps)",
};

/**
 * Sends every subscribed message on the local routes of its topic; one that no local ring can
 * take (too large, or from one origin too many) is skipped and handed to `undeliverable`.
 */
async function inject(
  ctx: JobContext,
  subscriber: Subscriber,
  topics: Set<string>,
  undeliverable: (error: Error) => void,
) {
  for await (const batch of subscriber.batches()) {
    // ZeroMQ subscriptions match prefixes: "sim" also brings "sim2", which is not ours.
    if (!topics.has(batch[0].topic)) continue;
    // One options object and one fill function for the whole batch: each send is awaited
    // before the next message is looked at, so they never serve two messages at once.
    const options = {
      key: batch[0].topic,
      origin: batch[0].origin,
      rows: 0,
      sentMs: Number(batch[0].timestampNs / 1000n) / 1000,
    };
    let payload = batch[0].body;
    let schema: Uint8Array | undefined;
    const fill = (dst: Uint8Array) => {
      // A schema sent once for the batch goes back in front of each ring record.
      if (schema) dst.set(schema);
      dst.set(payload, schema?.length ?? 0);
    };
    for (const m of batch) {
      payload = m.body;
      schema = m.schema;
      const arrow = m.type === "arrow";
      options.rows = m.rows;
      try {
        await ctx.send(
          arrow ? RecordType.arrow : RecordType.msgpack,
          (schema?.length ?? 0) + payload.length,
          fill,
          options,
        );
      } catch (error) {
        if (!(error instanceof RecordTooLargeError || error instanceof OriginTableError)) {
          throw error;
        }
        undeliverable(error);
      }
    }
  }
}
