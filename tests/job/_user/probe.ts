// Test fixture: a user's source that reads a file and/or connects to a host:port, with the
// permissions its fields declare, then sends one row.
import { defineJob } from "daq/job";

export default defineJob({
  role: "source",
  summary: "touches a file or a socket, then sends one row",
  fields: {
    read_file: { type: "string", doc: "read this file" },
    connect: { type: "string", doc: "connect to this host:port" },
    declare_read: { type: "strings", default: [] },
    declare_net: { type: "strings", default: [] },
  },
  permissions: (job) => ({
    read: job.fields.declare_read.length ? job.fields.declare_read : false,
    net: job.fields.declare_net.length ? job.fields.declare_net : false,
  }),
  async run(ctx) {
    if (ctx.fields.read_file !== undefined) await Deno.readTextFile(ctx.fields.read_file);
    if (ctx.fields.connect !== undefined) {
      const [hostname, port] = ctx.fields.connect.split(":");
      const conn = await Deno.connect({ hostname, port: Number(port) });
      conn.close();
    }
    await ctx.sendRow({ ok: 1 });
  },
});
