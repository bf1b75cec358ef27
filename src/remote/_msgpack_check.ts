// Checks that a payload is exactly one msgpack value whose lengths stay within it, before a
// consumer's decoder sees it: a walk over the structure, no value decoded.
import { WireFormatError } from "./errors.ts";

/** How deep arrays and maps may nest (a consumer's decoder recurses). */
const MAX_DEPTH = 64;

function fail(problem: string): never {
  throw new WireFormatError(`msgpack payload: ${problem}`);
}

/**
 * Checks that `bytes` hold exactly one msgpack value: every length within the bytes, nesting
 * at most 64 deep, no reserved byte (0xc1), extension types only -1 (timestamp). Throws
 * WireFormatError naming the byte offset of what is wrong.
 */
export function checkMsgpackValue(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.byteLength;
  if (end === 0) fail("empty");
  // Values still to read, per open array or map level; a flat stack instead of recursion.
  const pending: number[] = [1];
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > end) fail(`${what} at byte ${at} runs past the end (${end} bytes)`);
  };
  const open = (values: number) => {
    if (values === 0) return;
    if (pending.length > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} at byte ${at}`);
    // Each value takes at least one byte: a count beyond the bytes left is a lie.
    if (values > end - at) fail(`a container of ${values} values at byte ${at} in ${end} bytes`);
    pending.push(values);
  };
  const ext = (type: number, length: number) => {
    if (type !== 0xff || (length !== 4 && length !== 8 && length !== 12)) {
      fail(
        `extension type ${(type << 24) >> 24} of ${length} bytes at byte ${at} (only timestamps)`,
      );
    }
  };
  while (pending.length > 0) {
    if (pending[pending.length - 1] === 0) {
      pending.pop();
      continue;
    }
    pending[pending.length - 1]--;
    need(1, "value");
    const b = bytes[at];
    const start = at++;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) continue;
    if (b >= 0xa0 && b <= 0xbf) { // fixstr
      need(b & 0x1f, "string");
      at += b & 0x1f;
    } else if (b >= 0x90 && b <= 0x9f) open(b & 0x0f); // fixarray
    else if (b >= 0x80 && b <= 0x8f) open(2 * (b & 0x0f)); // fixmap
    else {
      switch (b) {
        case 0xcc:
        case 0xd0:
          need(1, "number");
          at += 1;
          break;
        case 0xcd:
        case 0xd1:
          need(2, "number");
          at += 2;
          break;
        case 0xce:
        case 0xd2:
        case 0xca:
          need(4, "number");
          at += 4;
          break;
        case 0xcf:
        case 0xd3:
        case 0xcb:
          need(8, "number");
          at += 8;
          break;
        case 0xd9:
        case 0xc4: { // str 8, bin 8
          need(1, "length");
          const n = bytes[at++];
          need(n, "bytes");
          at += n;
          break;
        }
        case 0xda:
        case 0xc5: { // str 16, bin 16
          need(2, "length");
          const n = view.getUint16(at);
          at += 2;
          need(n, "bytes");
          at += n;
          break;
        }
        case 0xdb:
        case 0xc6: { // str 32, bin 32
          need(4, "length");
          const n = view.getUint32(at);
          at += 4;
          need(n, "bytes");
          at += n;
          break;
        }
        case 0xdc:
          need(2, "length");
          open(view.getUint16(at));
          at += 2;
          break; // array 16
        case 0xdd:
          need(4, "length");
          open(view.getUint32(at));
          at += 4;
          break; // array 32
        case 0xde:
          need(2, "length");
          open(2 * view.getUint16(at));
          at += 2;
          break; // map 16
        case 0xdf:
          need(4, "length");
          open(2 * view.getUint32(at));
          at += 4;
          break; // map 32
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8: { // fixext 1..16
          const n = 1 << (b - 0xd4);
          need(1 + n, "extension");
          ext(bytes[at], n);
          at += 1 + n;
          break;
        }
        case 0xc7:
        case 0xc8:
        case 0xc9: { // ext 8, 16, 32
          const w = b === 0xc7 ? 1 : b === 0xc8 ? 2 : 4;
          need(w + 1, "extension");
          const n = w === 1 ? bytes[at] : w === 2 ? view.getUint16(at) : view.getUint32(at);
          ext(bytes[at + w], n);
          at += w + 1;
          need(n, "extension");
          at += n;
          break;
        }
        default:
          fail(`byte 0x${b.toString(16)} at ${start} is not a msgpack type`);
      }
    }
  }
  if (at !== end) fail(`${end - at} bytes after the value`);
}
