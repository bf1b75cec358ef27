// Z85 (ZeroMQ RFC 32) encoding of 32-byte CURVE keys.
const ALPHABET =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/** Encodes bytes (length a multiple of 4) as Z85 text. */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new RangeError("z85: length must be a multiple of 4");
  let text = "";
  for (let i = 0; i < bytes.length; i += 4) {
    let value = ((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) +
      bytes[i + 3];
    const chunk = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      chunk[j] = ALPHABET[value % 85];
      value = Math.floor(value / 85);
    }
    text += chunk.join("");
  }
  return text;
}

/** True when `text` is a 40-character Z85 CURVE key. */
export function isZ85Key(text: unknown): text is string {
  return typeof text === "string" && text.length === 40 &&
    [...text].every((char) => ALPHABET.includes(char));
}
