/**
 * The receive loop of a `udp` job: datagrams from a {@link UdpSocket} decoded by a packet
 * layout into column batches of `timestamp_ns` (the kernel's receive time) and the fields,
 * with every packet, byte, malformed packet, gap, reordering, duplicate and kernel drop counted.
 * A batch leaves when it holds `batchRows` rows or its first row is `batchIntervalMs` old.
 */
import {
  type FieldArray,
  PacketDecoder,
  type PacketLayout,
  sequenceBits,
  sequenceReader,
  SequenceTracker,
} from "../../instruments/mod.ts";
import type { UdpSocket } from "./_udp_socket.ts";

/** One batch of rows: the receive times and one array per field (`count` values per row). */
export interface UdpBatch {
  rows: number;
  timestampNs: BigInt64Array;
  columns: { name: string; count: number; values: FieldArray }[];
}

/** Where the loop reports to. */
export interface UdpReport {
  /** Sends a batch; its arrays are reused once this resolves. */
  batch(batch: UdpBatch): Promise<void>;
  figure(name: string, value: number): void;
  warn(text: string): void;
  /** Lets timers and messages run now and then in a busy loop. */
  breathe(): Promise<void>;
}

/** Options of {@link runUdpStream}. */
export interface UdpStreamOptions {
  layout: PacketLayout;
  batchRows: number;
  batchIntervalMs: number;
  /** How often counters are reported, ms. */
  statsIntervalMs: number;
  /** Stop after this many packets (tests, benches); default never. */
  maxPackets?: number;
}

/** Counters of the loop (also reported as figures). */
export interface UdpCounts {
  packets: number;
  bytes: number;
  rows: number;
  malformed: number;
  gaps: number;
  reordered: number;
  duplicates: number;
  sequence_resets: number;
  kernel_drops: number;
}

/** Reads until `stopping()` (or `maxPackets`), then sends what is left; returns the counts. */
export async function runUdpStream(
  socket: UdpSocket,
  options: UdpStreamOptions,
  report: UdpReport,
  stopping: () => boolean,
): Promise<UdpCounts> {
  const { layout, batchRows, batchIntervalMs } = options;
  const decoder = new PacketDecoder(layout, batchRows);
  const timestamps = new BigInt64Array(batchRows);
  const tracker = layout.sequence ? new SequenceTracker(sequenceBits(layout.sequence)) : undefined;
  const sequenceOf = layout.sequence ? sequenceReader(layout) : undefined;
  let view: DataView | undefined;
  const counts: UdpCounts = {
    packets: 0,
    bytes: 0,
    rows: 0,
    malformed: 0,
    gaps: 0,
    reordered: 0,
    duplicates: 0,
    sequence_resets: 0,
    kernel_drops: 0,
  };
  const seenLengths = new Set<number>();
  const initialDrops = socket.kernelDrops() ?? 0;
  let firstRowAt = 0;
  let lastStats = performance.now();
  report.figure("receive_buffer", socket.receiveBuffer);

  const publish = () => {
    const d = socket.kernelDrops();
    if (d !== undefined) counts.kernel_drops = d - initialDrops;
    if (tracker) {
      const s = tracker.counts();
      counts.gaps = s.gaps;
      counts.reordered = s.reordered;
      counts.duplicates = s.duplicates;
      counts.sequence_resets = s.resets;
    }
    for (const [name, value] of Object.entries(counts)) report.figure(name, value);
  };
  const flush = async () => {
    if (decoder.rows === 0) return;
    const rows = decoder.rows;
    counts.rows += rows;
    await report.batch({
      rows,
      timestampNs: timestamps.subarray(0, rows),
      columns: decoder.columns().map(({ field, values }) => ({
        name: field.name,
        count: field.count,
        values,
      })),
    });
    decoder.clear();
  };

  const max = options.maxPackets ?? Infinity;
  while (!stopping() && counts.packets < max) {
    const got = await socket.receive();
    const slot = got.slotBytes;
    if (view?.buffer !== got.buffer.buffer) {
      view = new DataView(got.buffer.buffer, got.buffer.byteOffset);
    }
    for (let i = 0; i < got.count && counts.packets < max; i++) {
      const length = got.lengths[i];
      counts.packets++;
      counts.bytes += length;
      if (length !== layout.packetBytes) {
        counts.malformed++;
        if (!seenLengths.has(length) && seenLengths.size < 16) {
          seenLengths.add(length);
          report.warn(
            `malformed packet: ${length} bytes, the layout has ${layout.packetBytes} (skipped and counted; each length reported once)`,
          );
        }
        continue;
      }
      const packet = got.buffer.subarray(i * slot, i * slot + length);
      if (!decoder.hasRoom()) await flush();
      if (decoder.rows === 0) firstRowAt = performance.now();
      const row = decoder.rows;
      decoder.decode(packet);
      for (let r = 0; r < layout.recordsPerPacket; r++) {
        timestamps[row + r] = got.timestamps[i];
        if (tracker) tracker.see(sequenceOf!(view, i * slot + r * layout.recordBytes));
      }
    }
    const now = performance.now();
    if (decoder.rows > 0 && (!decoder.hasRoom() || now - firstRowAt >= batchIntervalMs)) {
      await flush();
    }
    if (now - lastStats >= options.statsIntervalMs) {
      lastStats = now;
      publish();
      await report.breathe();
    }
  }
  await flush();
  publish();
  return counts;
}
