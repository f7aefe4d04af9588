// UTF-8 and byte-level helpers shared by every tokenizer. Browser-safe (no node: imports).

const SURROGATE_RE = /[\uD800-\uDFFF]/;

/** Replaces lone surrogates by U+FFFD so that every string has one UTF-8 form. */
export function toWellFormed(s: string): string {
  if (!SURROGATE_RE.test(s)) return s;
  let out = '';
  let start = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    out += `${s.slice(start, i)}\uFFFD`;
    start = i + 1;
  }
  return out + s.slice(start);
}

const encoder = new TextEncoder();
const decoderLoose = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8; invalid sequences become U+FFFD. A leading BOM is kept. */
export function utf8Decode(b: Uint8Array): string {
  return decoderLoose.decode(b);
}

/**
 * Encodes a well-formed string into `buf` (grown when needed) and returns the byte count.
 * Faster than TextEncoder for the short pieces BPE works on.
 */
export function utf8EncodeInto(s: string, buf: { bytes: Uint8Array }): number {
  let out = buf.bytes;
  if (out.length < s.length * 3) {
    out = new Uint8Array(Math.max(s.length * 3, out.length * 2, 64));
    buf.bytes = out;
  }
  let j = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[j++] = c;
    } else if (c < 0x800) {
      out[j++] = 0xc0 | (c >> 6);
      out[j++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out[j++] = 0xf0 | (c >> 18);
        out[j++] = 0x80 | ((c >> 12) & 63);
        out[j++] = 0x80 | ((c >> 6) & 63);
        out[j++] = 0x80 | (c & 63);
      } else {
        out[j++] = 0xef;
        out[j++] = 0xbf;
        out[j++] = 0xbd;
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out[j++] = 0xef;
      out[j++] = 0xbf;
      out[j++] = 0xbd;
    } else {
      out[j++] = 0xe0 | (c >> 12);
      out[j++] = 0x80 | ((c >> 6) & 63);
      out[j++] = 0x80 | (c & 63);
    }
  }
  return j;
}

/** Length of a UTF-8 sequence from its lead byte (1 for continuation/invalid bytes), as llama.cpp. */
export function utf8LenFromLead(b: number): number {
  const lookup = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4];
  return lookup[b >> 4]!;
}

// GPT-2's reversible byte <-> unicode-character map ("bytes_to_unicode").
let b2u: string[] | undefined;
let u2b: Map<number, number> | undefined;

export function byteToUnicodeTable(): readonly string[] {
  if (b2u === undefined) {
    const table: string[] = new Array(256);
    let n = 0;
    for (let b = 0; b < 256; b++) {
      const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
      table[b] = String.fromCharCode(printable ? b : 256 + n++);
    }
    b2u = table;
  }
  return b2u;
}

/** Code point of a byte-level character -> byte (undefined if not a byte-level character). */
export function unicodeToByte(cp: number): number | undefined {
  if (u2b === undefined) {
    const m = new Map<number, number>();
    const t = byteToUnicodeTable();
    for (let b = 0; b < 256; b++) m.set(t[b]!.charCodeAt(0), b);
    u2b = m;
  }
  return u2b.get(cp);
}

/** 'Ġthe' -> bytes of ' the'; undefined when a character is outside the byte-level alphabet. */
export function byteLevelToBytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = unicodeToByte(s.charCodeAt(i));
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}

export function bytesToByteLevel(b: Uint8Array): string {
  const t = byteToUnicodeTable();
  let s = '';
  for (let i = 0; i < b.length; i++) s += t[b[i]!]!;
  return s;
}

/** Bytes as a latin1 string (one char per byte): a cheap Map key for byte strings. */
export function bytesToLatin1(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export function latin1ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** '<0x0A>' -> 10, else undefined. */
export function parseByteToken(s: string): number | undefined {
  if (s.length !== 6 || !s.startsWith('<0x') || s[5] !== '>') return undefined;
  const v = Number.parseInt(s.slice(3, 5), 16);
  return Number.isNaN(v) ? undefined : v;
}
