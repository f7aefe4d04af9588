// UTF-8 decoding policy for file formats.
// - Names (GGUF keys, tensor names, safetensors headers) are decoded strictly: invalid UTF-8
//   (0xFF, overlong forms, surrogates like ED A0 80, truncated sequences) is a FormatError.
// - Free-text values (GGUF string values, e.g. tokenizer pieces) are decoded leniently: each
//   invalid sequence becomes U+FFFD, as the WHATWG decoder does. Such a value does not round-trip
//   byte for byte (it is written back as the UTF-8 of U+FFFD).
import { FormatError } from '../errors.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const encoder = new TextEncoder();

/** Short pure-ASCII strings skip TextDecoder (whose per-call cost dominates tiny strings). */
function asciiFast(bytes: Uint8Array): string | undefined {
  const n = bytes.length;
  if (n > 32) return undefined;
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return undefined;
    s += String.fromCharCode(b);
  }
  return s;
}

/** Decodes UTF-8, throwing FormatError naming `what` (and the file) on invalid input. */
export function decodeUtf8Strict(bytes: Uint8Array, what: string, file?: string, offset?: number): string {
  const fast = asciiFast(bytes);
  if (fast !== undefined) return fast;
  try {
    return strict.decode(bytes);
  } catch (e) {
    throw new FormatError(`${file ?? '<input>'}: ${what} is not valid UTF-8`, {
      field: what,
      file,
      offset,
      cause: e,
    });
  }
}

/** Decodes UTF-8, replacing invalid sequences with U+FFFD. */
export function decodeUtf8Lenient(bytes: Uint8Array): string {
  return asciiFast(bytes) ?? lenient.decode(bytes);
}

export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** True on big-endian hosts (all parsers read little-endian data). */
export const HOST_BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

/** Reverses each `width`-byte group in place (little-endian <-> host order on big-endian hosts). */
export function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}
