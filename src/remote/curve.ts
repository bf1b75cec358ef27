/**
 * CURVE security for links and the proxy: key generation and socket options.
 *
 * @module
 */
import * as zmq from "zeromq";
import { RemoteOptionsError } from "./errors.ts";
import { isZ85Key } from "./_z85.ts";
import { registerZapDomain, type ZapRegistration } from "./_zap.ts";

/** A CURVE key pair as 40-character Z85 text. */
export interface CurveKeyPair {
  /** Public key, shared with peers. */
  publicKey: string;
  /** Secret key, kept by its owner. */
  secretKey: string;
}

/**
 * CURVE options of a socket. A socket that binds is the CURVE server: it needs its own key pair
 * and may restrict clients to `allowedClientKeys` (enforced through a ZAP handler). A socket
 * that connects is a client: it needs `serverKey` (the binding side's public key) and uses its
 * own key pair, or a fresh one if none is given.
 */
export interface CurveOptions {
  /** Own public key (Z85). */
  publicKey?: string;
  /** Own secret key (Z85). */
  secretKey?: string;
  /** Public key of the server, required on connecting sockets. */
  serverKey?: string;
  /** Client public keys accepted by a binding socket; all key holders when omitted. */
  allowedClientKeys?: string[];
}

/** Generates a CURVE key pair (libzmq's zmq_curve_keypair). */
export function generateKeyPair(): CurveKeyPair {
  const { publicKey, secretKey } = zmq.curveKeyPair();
  return { publicKey, secretKey };
}

function checkKey(key: unknown, what: string): string {
  if (!isZ85Key(key)) {
    throw new RemoteOptionsError(`curve: ${what} must be a 40-character Z85 key`);
  }
  return key;
}

/**
 * Applies CURVE options to `socket` before it binds (server) or connects (client). Returns a
 * registration to release when the socket closes, or undefined.
 */
export async function applyCurve(
  socket: zmq.Socket,
  curve: CurveOptions,
  role: "server" | "client",
): Promise<ZapRegistration | undefined> {
  if (role === "server") {
    socket.curveServer = true;
    socket.curveSecretKey = checkKey(curve.secretKey, "secretKey (of the binding side)");
    socket.curvePublicKey = checkKey(curve.publicKey, "publicKey (of the binding side)");
    if (curve.allowedClientKeys === undefined) return undefined;
    const allowed = curve.allowedClientKeys.map((key, i) =>
      checkKey(key, `allowedClientKeys[${i}]`)
    );
    const registration = await registerZapDomain(allowed);
    socket.zapDomain = registration.domain;
    return registration;
  }
  const serverKey = checkKey(curve.serverKey, "serverKey (on a connecting socket)");
  const own = curve.secretKey === undefined ? generateKeyPair() : {
    publicKey: checkKey(curve.publicKey, "publicKey"),
    secretKey: checkKey(curve.secretKey, "secretKey"),
  };
  socket.curveServerKey = serverKey;
  socket.curvePublicKey = own.publicKey;
  socket.curveSecretKey = own.secretKey;
  return undefined;
}
