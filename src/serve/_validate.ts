// Validation of what HTTP requests carry: JSON bodies and path parameters.
import { ServeError } from "./errors.ts";

/** Largest request body taken, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a request body as JSON: an empty body is `{}`; anything but a JSON object is a 400
 * naming what was wrong; past `limit` bytes a 413.
 */
export async function readJsonBody(
  request: Request,
  limit = MAX_BODY_BYTES,
): Promise<Record<string, unknown>> {
  const declared = request.headers.get("content-length");
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > limit)) {
    throw new ServeError(413, `request body larger than ${limit} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw new ServeError(413, `request body larger than ${limit} bytes`);
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return parseJsonObject(bytes);
}

/** Parses a request body: empty is `{}`; not UTF-8, not JSON or not an object is a 400. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ServeError(400, "request body is not UTF-8");
  }
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ServeError(400, `request body is not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ServeError(400, "request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Throws a 400 naming the first key of `body` not in `known`. */
export function onlyKeys(body: Record<string, unknown>, known: string[]): void {
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) {
      throw new ServeError(
        400,
        `unknown field "${key}"; known: ${known.length ? known.join(", ") : "none"}`,
      );
    }
  }
}

/** An optional string field of at most `max` characters, without control characters. */
export function optionalString(
  body: Record<string, unknown>,
  key: string,
  max = 4096,
): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new ServeError(400, `field "${key}": expected a string`);
  if (v.length > max) throw new ServeError(400, `field "${key}": longer than ${max} characters`);
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(v)) {
    throw new ServeError(400, `field "${key}": control characters are not allowed`);
  }
  return v;
}

/** A job name from a path: what config job names may be. */
export function jobNameParam(value: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(value)) {
    throw new ServeError(400, `job name ${JSON.stringify(value.slice(0, 140))} is not valid`);
  }
  return value;
}

/** A run number from a path: a positive integer. */
export function runNumberParam(value: string): number {
  const n = /^[1-9]\d{0,14}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new ServeError(400, `run number ${JSON.stringify(value.slice(0, 40))} is not valid`);
  }
  return n;
}

/** An optional integer query parameter within `[min, max]`. */
export function intQuery(url: URL, key: string, min: number, max: number): number | undefined {
  const v = url.searchParams.get(key);
  if (v === null) return undefined;
  const n = /^\d{1,9}$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) {
    throw new ServeError(400, `query parameter "${key}": expected an integer ${min}..${max}`);
  }
  return n;
}
