/**
 * Access to `daq serve`: a bearer token read from a file (made with mode 0600 and 32 random
 * bytes, hex, when missing), and which addresses count as loopback.
 */
import { ServeSetupError } from "./errors.ts";

/** The shortest token accepted from a token file. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * Reads the token of `path`, or makes the file (mode 0600, a new random token) when it does
 * not exist; `created` says which. Throws {@link ServeSetupError} naming the file.
 */
export async function loadOrCreateToken(
  path: string,
): Promise<{ token: string; created: boolean }> {
  try {
    return { token: await readToken(path), created: false };
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const token = Array.from(crypto.getRandomValues(new Uint8Array(32)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  if (dir) await Deno.mkdir(dir, { recursive: true });
  try {
    await Deno.writeTextFile(path, token + "\n", { createNew: true, mode: 0o600 });
    await Deno.chmod(path, 0o600);
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) {
      return { token: await readToken(path), created: false };
    }
    throw new ServeSetupError(`--token-file ${path}: cannot create: ${(e as Error).message}`);
  }
  return { token, created: true };
}

/** Reads a token file: one line of at least {@link MIN_TOKEN_LENGTH} visible characters. */
export async function readToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw e;
    throw new ServeSetupError(`--token-file ${path}: cannot read: ${(e as Error).message}`);
  }
  const token = text.trim();
  if (!/^[\x21-\x7e]+$/.test(token) || token.length < MIN_TOKEN_LENGTH) {
    throw new ServeSetupError(
      `--token-file ${path}: expected one line of at least ${MIN_TOKEN_LENGTH} visible ASCII characters`,
    );
  }
  return token;
}

/** Whether `Authorization` carries `Bearer <token>`; compares in constant time. */
export function bearerMatches(header: string | null, token: string): boolean {
  if (header === null) return false;
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  if (!m) return false;
  const a = new TextEncoder().encode(m[1]);
  const b = new TextEncoder().encode(token);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i];
  return diff === 0;
}

/** Whether a listen host name is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Parses `--http HOST:PORT` (`[::1]:8080` for IPv6); throws {@link ServeSetupError}. */
export function parseListenAddress(value: string): { hostname: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new ServeSetupError(
      `--http: expected HOST:PORT such as 127.0.0.1:8080 (port 0 picks a free one), got "${value}"`,
    );
  }
  return { hostname: m[1].replace(/^\[|\]$/g, ""), port };
}
