/**
 * `udp`: a packet stream (digitizer, FPGA board). Each packet holds `records_per_packet`
 * records of the declared fields (scalars, or fixed-size arrays with `count`), in
 * `byte_order`; each record is one row, with `timestamp_ns` the kernel's receive time of its
 * packet. A packet whose length is not the layout's is counted as malformed and skipped.
 * Stats: packets, bytes, malformed, gaps, reordered, duplicates (from `sequence`), kernel_drops
 * (the socket's own receive drops, from /proc/net/udp or udp6) and receive_buffer (what the kernel
 * granted). The socket is read with recvmmsg(2) through FFI (see `_udp_socket.ts`).
 */
import {
  compileLayout,
  formatAddress,
  type LayoutSpec,
  parseAddress,
  SpecError,
} from "../../instruments/mod.ts";
import { defineJob } from "../../job/mod.ts";
import { ipAddress, openUdpSocket } from "./_udp_socket.ts";
import { runUdpStream } from "./_udp_stream.ts";
import { udpRecordBatch } from "./_udp_batch.ts";
import { type Columns, schemaOfColumns } from "../../job/columns.ts";

const FIELD_TYPES = [
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "float32",
  "float64",
] as const;

function layoutOf(f: {
  byte_order: "little" | "big";
  records_per_packet: number;
  sequence?: string;
  fields: { name: string; type: string; count: number }[];
}) {
  const spec: LayoutSpec = {
    byteOrder: f.byte_order,
    recordsPerPacket: f.records_per_packet,
    sequence: f.sequence,
    fields: f.fields,
  };
  return compileLayout(spec);
}

/** The columns of a UDP job's rows: `timestamp_ns`, then the fields (arrays as lists). */
function udpColumns(
  fields: readonly { name: string; type: string; unit?: string; count?: number }[],
): Columns {
  return {
    timestamp_ns: { type: "int64", unit: "ns" },
    ...Object.fromEntries(fields.map((field) => [field.name, {
      type: field.type as (typeof FIELD_TYPES)[number],
      unit: field.unit,
      count: field.count,
    }])),
  };
}

export default defineJob({
  role: "source",
  summary: "UDP packet stream: fixed layout of typed fields per packet, losses counted",
  fields: {
    listen: {
      type: "string",
      required: true,
      doc: "udp://0.0.0.0:9000 or udp://[::1]:9000 (the IPv4 or IPv6 address to listen on)",
    },
    byte_order: { type: "string", choices: ["little", "big"], default: "little" },
    sequence: {
      type: "string",
      doc: "integer field numbering the packets: gaps, reordering, duplicates",
    },
    records_per_packet: { type: "number", integer: true, positive: true, default: 1 },
    batch_rows: {
      type: "number",
      integer: true,
      positive: true,
      default: 4096,
      doc: "rows per batch at most",
    },
    batch_interval: {
      type: "duration",
      default: "10ms",
      doc: "a batch leaves when full or this old",
    },
    receive_buffer: { type: "size", default: "16MiB", doc: "socket receive buffer asked for" },
    max_packets: {
      type: "number",
      integer: true,
      positive: true,
      doc: "stop after this many packets",
    },
    fields: {
      type: "tables",
      required: true,
      fields: {
        name: { type: "string", required: true },
        type: { type: "string", required: true, doc: FIELD_TYPES.join(", ") },
        count: { type: "number", default: 1, doc: "elements per packet (a fixed-size array)" },
        unit: { type: "string" },
      },
    },
  },
  check(f) {
    try {
      const a = parseAddress(f.listen, ["udp"]);
      if (a.scheme === "udp") ipAddress(a.host);
      const layout = layoutOf(f);
      if (f.batch_rows < layout.recordsPerPacket) {
        return {
          key: "batch_rows",
          problem: `must hold one packet's ${layout.recordsPerPacket} records`,
        };
      }
    } catch (e) {
      if (e instanceof SpecError) return { key: e.key, problem: e.problem };
      return { key: "listen", problem: (e as Error).message };
    }
    return undefined;
  },
  permissions(job) {
    const a = parseAddress(job.fields.listen, ["udp"]);
    // The socket and the kernel's drop counter (/proc/net/udp) go through libc: ffi.
    const where = a.scheme === "udp" ? formatAddress(a).slice("udp://".length) : "";
    return { ffi: true, net: [where] };
  },
  columns: (f) => udpColumns(f.fields),
  async run(ctx) {
    const f = ctx.fields;
    const layout = layoutOf(f);
    const a = parseAddress(f.listen, ["udp"]);
    if (a.scheme !== "udp") throw new Error("listen: expected udp://");
    const socket = openUdpSocket({
      host: a.host,
      port: a.port,
      receiveBuffer: f.receive_buffer,
      maxDatagram: layout.packetBytes + 1,
      batch: 256,
      waitMs: Math.max(1, Math.min(100, f.batch_interval)),
    });
    if (socket.receiveBuffer < f.receive_buffer) {
      ctx.warn(
        `receive buffer: asked for ${f.receive_buffer} bytes, the kernel granted ${socket.receiveBuffer} (raise net.core.rmem_max)`,
      );
    }
    const where = formatAddress({ ...a, port: socket.port });
    ctx.log(`listening on ${where}, ${layout.packetBytes}-byte packets`);
    // The schema it declares is the schema it sends.
    const schema = schemaOfColumns(udpColumns(f.fields));
    try {
      await runUdpStream(socket, {
        layout,
        batchRows: f.batch_rows,
        batchIntervalMs: f.batch_interval,
        statsIntervalMs: ctx.supervisor.statsIntervalMs,
        maxPackets: f.max_packets,
      }, {
        batch: (b) => ctx.sendBatch(udpRecordBatch(schema, b), { rows: b.rows }),
        figure: (name, value) => ctx.setFigure(name, value),
        warn: (text) => ctx.warn(text),
        breathe: () => ctx.breathe(),
      }, () => ctx.stopping());
    } finally {
      socket.close();
    }
  },
});
