/**
 * Polling a Modbus TCP server: the registers grouped into as few read requests as the
 * protocol allows, one row per poll on a fixed grid of slots, exception responses counted and
 * logged by name, reconnects with backoff after a drop, a timeout or a stream out of step.
 */
import {
  Backoff,
  connectingState,
  decodeReadResponse,
  encodeReadRequest,
  exceptionName,
  type InstrumentAddress,
  ModbusFrameError,
  ModbusFramer,
  planReads,
  PollSchedule,
  type ReadPlan,
  type RegisterSpec,
  registerValue,
} from "../../instruments/mod.ts";
import { type ByteLink, LinkError, openLink } from "./_byte_link.ts";

/** A register with its scaling, as configured. */
export interface ScaledRegister extends RegisterSpec {
  scale: number;
  offset: number;
}

/** Everything a session needs, durations in ms. */
export interface ModbusOptions {
  address: InstrumentAddress;
  unitId: number;
  registers: ScaledRegister[];
  pollIntervalMs: number;
  timeoutMs: number;
  reconnectMs: number;
  reconnectMaxMs: number;
}

/** Where a session reports to. */
export interface ModbusReport {
  /** One poll: when its first request went out (ns since the epoch) and one value per register. */
  row(timestampNs: bigint, values: Float64Array): Promise<void>;
  figure(name: string, value: number): void;
  state(text: string): void;
  warn(text: string): void;
  sleep(ms: number): Promise<void>;
}

class RequestTimeout extends Error {
  override name = "RequestTimeout";
}

const FIGURES = [
  "polls",
  "missed_polls",
  "requests",
  "timeouts",
  "reconnects",
  "connect_failures",
  "exceptions",
  "stale_responses",
  "frame_errors",
] as const;
type Figure = (typeof FIGURES)[number];

/** Polls the registers until `signal` aborts. */
export async function runModbusSession(
  o: ModbusOptions,
  report: ModbusReport,
  signal: AbortSignal,
): Promise<void> {
  const plans: ReadPlan[] = planReads(o.registers);
  const counts = Object.fromEntries(FIGURES.map((f) => [f, 0])) as Record<Figure, number>;
  const count = (name: Figure, by = 1) => report.figure(name, counts[name] += by);
  for (const f of FIGURES) report.figure(f, 0);
  report.figure("requests_per_poll", plans.length);
  const logged = new Set<string>();
  const once = (key: string, text: string) => {
    if (logged.has(key) || logged.size >= 100) return;
    logged.add(key);
    report.warn(text);
  };
  const byName = new Map<string, number>();
  const backoff = new Backoff(o.reconnectMs, o.reconnectMaxMs);
  const schedule = new PollSchedule(Date.now(), o.pollIntervalMs);
  const values = new Float64Array(o.registers.length);
  let transaction = 0;
  let link: ByteLink | undefined;
  signal.addEventListener("abort", () => link?.close(), { once: true });
  let everConnected = false;

  while (!signal.aborted) {
    report.state("connecting");
    try {
      link = await openLink(o.address, o.timeoutMs, signal);
    } catch (e) {
      if (signal.aborted) break;
      count("connect_failures");
      once(`connect: ${(e as Error).message}`, `cannot connect: ${(e as Error).message}`);
      const delay = backoff.fail();
      report.state(connectingState(backoff.attempt, delay));
      await report.sleep(delay);
      continue;
    }
    if (everConnected) count("reconnects");
    everConnected = true;
    const framer = new ModbusFramer();
    const buffer = new Uint8Array(1024);
    let pendingRead: Promise<number | null> | undefined;
    const current = link;
    const request = async (plan: ReadPlan) => {
      const id = transaction = (transaction + 1) & 0xffff;
      await current.write(encodeReadRequest(id, o.unitId, plan));
      count("requests");
      const deadline = performance.now() + o.timeoutMs;
      for (;;) {
        const adu = framer.next();
        if (adu) {
          const response = decodeReadResponse(adu, o.unitId, plan);
          if (response.transactionId === id) return response;
          count("stale_responses");
          continue;
        }
        const left = deadline - performance.now();
        if (left <= 0) throw new RequestTimeout(`no response within ${o.timeoutMs} ms`);
        // One read in flight per link: a read that outlives a timer is awaited again.
        pendingRead ??= current.read(buffer);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const n = await Promise.race([
          pendingRead,
          new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left)),
        ]).finally(() => clearTimeout(timer));
        if (signal.aborted) throw new LinkError("stopped");
        if (n === "timeout") continue;
        pendingRead = undefined;
        if (n === null) throw new LinkError("the server closed the connection");
        framer.push(buffer.subarray(0, n));
      }
    };
    try {
      report.state("polling");
      for (;;) {
        const slot = schedule.next(Date.now());
        if (slot.missed > 0) count("missed_polls", slot.missed);
        const wait = slot.dueMs - Date.now();
        if (wait > 0) await report.sleep(wait);
        if (signal.aborted) break;
        const sentMs = performance.timeOrigin + performance.now();
        for (const plan of plans) {
          const response = await request(plan);
          if (response.kind === "exception") {
            count("exceptions");
            const n = (byName.get(response.name) ?? 0) + 1;
            byName.set(response.name, n);
            report.figure(`exception.${response.name.replaceAll(" ", "_")}`, n);
            once(
              `exception: ${plan.functionCode}:${plan.address}:${response.code}`,
              `exception ${response.name} (code ${response.code}) reading ${plan.count} ${plan.kind} from ${plan.address}`,
            );
            for (const item of plan.items) values[item.register] = NaN;
            continue;
          }
          for (const item of plan.items) {
            const r = o.registers[item.register];
            values[item.register] =
              registerValue(response, item.offset, r.type, r.wordOrder) * r.scale + r.offset;
          }
        }
        await report.row(BigInt(Math.round(sentMs * 1000)) * 1000n, values);
        count("polls");
        backoff.reset();
      }
    } catch (e) {
      if (signal.aborted) break;
      if (e instanceof RequestTimeout) {
        count("timeouts");
        once("timeout", `${e.message}; reconnecting`);
      } else if (e instanceof ModbusFrameError) {
        count("frame_errors");
        once(`frame: ${e.message}`, `response out of step (${e.message}); reconnecting`);
      } else if (
        e instanceof LinkError || e instanceof Deno.errors.ConnectionReset ||
        e instanceof Deno.errors.BrokenPipe || e instanceof Deno.errors.BadResource
      ) {
        once(`link: ${e.name}`, `connection lost (${(e as Error).message}); reconnecting`);
      } else {
        throw e;
      }
    } finally {
      link.close();
      link = undefined;
    }
    const delay = backoff.fail();
    report.state(connectingState(backoff.attempt, delay));
    await report.sleep(delay);
  }
  report.state("stopped");
}

export { exceptionName };
