// The UDP receive loop on a real socket, fed by the simulated digitizer in another process.
import assert from "node:assert/strict";
import { openUdpSocket, UdpSocketError } from "../../src/jobs/sources/_udp_socket.ts";
import { runUdpStream, type UdpBatch } from "../../src/jobs/sources/_udp_stream.ts";
import { runSimUdp, SIM_UDP_LAYOUT } from "./_sim.ts";

/** The loopback addresses the sockets are tested on, and how test names say which. */
const LOOPBACKS = [["127.0.0.1", ""], ["::1", " (IPv6, ::1)"]] as const;

for (const [host, named] of LOOPBACKS) {
  Deno.test(`udp stream${named}: planted faults counted as planted, values and kernel timestamps as sent`, async () => {
    const layout = SIM_UDP_LAYOUT;
    const socket = openUdpSocket({
      host,
      port: 0,
      receiveBuffer: 4 << 20,
      maxDatagram: layout.packetBytes + 1,
      batch: 64,
      waitMs: 20,
    });
    const batches: UdpBatch[] = [];
    const figures: Record<string, number> = {};
    const warnings: string[] = [];
    let sent = Infinity;
    const before = BigInt(Date.now()) * 1_000_000n;
    const running = runUdpStream(socket, {
      layout,
      batchRows: 500,
      batchIntervalMs: 10,
      statsIntervalMs: 50,
    }, {
      batch(b) {
        batches.push({
          rows: b.rows,
          timestampNs: b.timestampNs.slice(),
          columns: b.columns.map((c) => ({ ...c, values: c.values.slice() })),
        });
        return Promise.resolve();
      },
      figure: (name, value) => figures[name] = value,
      warn: (text) => warnings.push(text),
      breathe: () => new Promise((r) => setTimeout(r, 0)),
    }, () => (figures.packets ?? 0) >= sent);
    try {
      const planted = await runSimUdp([
        "--host",
        host,
        "--port",
        String(socket.port),
        "--packets",
        "5000",
        "--plant",
        "--seed",
        "9",
        "--rate",
        "20000",
      ]);
      sent = planted.sent;
      const counts = await running;
      assert.equal(counts.packets, planted.sent);
      assert.deepEqual(
        {
          malformed: counts.malformed,
          gaps: counts.gaps,
          reordered: counts.reordered,
          duplicates: counts.duplicates,
        },
        {
          malformed: planted.malformed,
          gaps: planted.gaps,
          reordered: planted.reordered,
          duplicates: planted.duplicates,
        },
      );
      assert.equal(counts.kernel_drops, 0);
      assert.equal(counts.rows, planted.sent - planted.malformed);
      assert.equal(batches.reduce((n, b) => n + b.rows, 0), counts.rows);
      assert.ok(batches.every((b) => b.rows <= 500));
      assert.ok(warnings.length >= 1 && warnings.length <= 16, warnings.join("\n"));
      const after = BigInt(Date.now()) * 1_000_000n;
      for (const b of batches) {
        const [seq, t, adc] = b.columns.map((c) => c.values);
        for (let r = 0; r < b.rows; r++) {
          const s = (seq as Uint32Array)[r];
          assert.equal((t as BigUint64Array)[r], 10n ** 15n + 1000n * BigInt(s));
          for (const i of [0, 100, 255]) {
            assert.equal((adc as Int16Array)[r * 256 + i], ((s * 31 + i * 7) % 65536) - 32768);
          }
          assert.ok(
            b.timestampNs[r] >= before && b.timestampNs[r] <= after,
            "kernel receive time within the test",
          );
        }
      }
    } finally {
      socket.close();
    }
  });
}

Deno.test("udp socket: a host that is not an IP address, a port in use (IPv4 and IPv6)", () => {
  assert.throws(
    () =>
      openUdpSocket({
        host: "localhost",
        port: 0,
        receiveBuffer: 1 << 16,
        maxDatagram: 100,
        batch: 4,
        waitMs: 10,
      }),
    (e: unknown) =>
      e instanceof UdpSocketError &&
      e.message.startsWith('"localhost" is not an IPv4 or IPv6 address (0.0.0.0 or [::] for all'),
  );
  for (const [host, shown] of [["127.0.0.1", "127\\.0\\.0\\.1"], ["::1", "\\[::1\\]"]]) {
    const a = openUdpSocket({
      host,
      port: 0,
      receiveBuffer: 1 << 16,
      maxDatagram: 100,
      batch: 4,
      waitMs: 10,
    });
    try {
      assert.throws(
        () =>
          openUdpSocket({
            host,
            port: a.port,
            receiveBuffer: 1 << 16,
            maxDatagram: 100,
            batch: 4,
            waitMs: 10,
          }),
        new RegExp(`cannot listen on udp://${shown}:${a.port}: address in use`),
      );
    } finally {
      a.close();
    }
  }
});

for (const [host, named] of LOOPBACKS) {
  Deno.test(
    `udp socket${named}: the kernel's drops for the socket are read from /proc/net/udp${
      host.includes(":") ? "6" : ""
    }`,
    async () => {
      const socket = openUdpSocket({
        host,
        port: 0,
        receiveBuffer: 4096,
        maxDatagram: 1100,
        batch: 4,
        waitMs: 10,
      });
      try {
        assert.equal(socket.kernelDrops(), 0);
        // Nobody reads: a small buffer overflows at once.
        const out = await runSimUdp([
          "--host",
          host,
          "--port",
          String(socket.port),
          "--packets",
          "200",
          "--count",
          "500",
        ]);
        assert.equal(out.sent, 200);
        const drops = socket.kernelDrops()!;
        assert.ok(drops > 100 && drops <= 200, `kernel drops ${drops}`);
      } finally {
        socket.close();
      }
    },
  );
}
