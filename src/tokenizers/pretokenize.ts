// Pre-tokenizer regexes. Two engines:
// - `RegexSplitter`: the pattern as the Rust/Python reference tools run it (tokenizer.json,
//   tiktoken), translated to a JS `u` RegExp. Every piece of text ends up in a piece: matches
//   and the gaps between them.
// - `LlamaSplitter`: llama.cpp's `unicode_regex_split`, reproduced exactly. llama.cpp runs each
//   regex of a list over the pieces of the previous one, on a "collapsed" copy of the text
//   where every non-ASCII code point becomes one byte naming its category (letter, number, ...)
//   and non-ASCII whitespace becomes \v; \p{L} in the pattern becomes [A-Za-z<letter byte>].
//   We do the same with private-use characters, so category edge cases match llama.cpp.
// None of the patterns backtracks catastrophically: every alternative consumes its run once.
import { FormatError } from '../errors.js';

/** Whitespace as Unicode White_Space (Rust regex / llama.cpp), which JS `\s` is not quite. */
const WS_CLASS_BODY = '\\t-\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const ASCII_WS_BODY = '\\t\\n\\v\\f\\r ';

/** Category code points in collapsed text (llama.cpp uses bytes 0xD0-0xD5). */
const CAT_OTHER = 0xe0d0;
const CAT_N = 0xe0d1;
const CAT_L = 0xe0d2;
const CAT_P = 0xe0d3;
const CAT_M = 0xe0d4;
const CAT_S = 0xe0d5;

const COLLAPSED_CLASS: Record<string, string> = {
  N: '\\uE0D1\\x30-\\x39',
  L: '\\uE0D2\\x41-\\x5A\\x61-\\x7A',
  P: '\\uE0D3\\x21-\\x23\\x25-\\x2A\\x2C-\\x2F\\x3A-\\x3B\\x3F-\\x40\\x5B-\\x5D\\x5F\\x7B\\x7D',
  M: '\\uE0D4',
  S: '\\uE0D5\\x24\\x2B\\x3C-\\x3E\\x5E\\x60\\x7C',
};

export type PatternMode = 'unicode' | 'collapsed' | 'wide';

/**
 * Translates a reference pattern (Rust/Oniguruma/std::regex syntax) into a JS `u` RegExp source.
 * Handles `(?i:...)` groups (ASCII letters only), `\s`/`\S`, and in 'collapsed' mode `\p{X}`.
 */
export function translatePattern(src: string, mode: PatternMode): string {
  let out = '';
  let inClass = false;
  const ciStack: boolean[] = [];
  let ci = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const d = src[i + 1];
      if (d === undefined)
        throw new FormatError(`pattern ends with a backslash: ${src}`, { field: 'pattern' });
      if ((d === 'p' || d === 'P') && src[i + 2] === '{') {
        const close = src.indexOf('}', i);
        if (close < 0) throw new FormatError(`unterminated \\p{ in pattern ${src}`, { field: 'pattern' });
        const name = src.slice(i + 3, close);
        i = close;
        if (mode !== 'collapsed') {
          out += `\\${d}{${name}}`;
          continue;
        }
        const cls = COLLAPSED_CLASS[name.length > 1 && name[0] === 'L' ? 'L' : name];
        if (cls === undefined || d === 'P') {
          throw new FormatError(`unsupported category \\${d}{${name}} in pattern`, { field: 'pattern' });
        }
        out += inClass ? cls : `[${cls}]`;
        continue;
      }
      if (d === 's' || d === 'S') {
        const body = mode === 'unicode' ? WS_CLASS_BODY : ASCII_WS_BODY;
        if (inClass) {
          if (d === 'S')
            throw new FormatError(`\\S inside a class is not supported: ${src}`, { field: 'pattern' });
          out += body;
        } else out += d === 's' ? `[${body}]` : `[^${body}]`;
        i++;
        continue;
      }
      if (d === '-' && !inClass)
        out += d; // `\-` is only valid inside a class with the u flag
      else if (/[A-Za-z0-9]/.test(d) || '\\^$.*+?()[]{}|/-'.includes(d)) out += c + d;
      else out += d; // identity escape of a non-syntax character (not allowed with the u flag)
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      if (ci && /[A-Za-z]/.test(c) && src[i + 1] !== '-' && src[i - 1] !== '-') {
        out += c.toLowerCase() + c.toUpperCase();
      } else out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(') {
      if (src.startsWith('(?i:', i)) {
        ciStack.push(ci);
        ci = true;
        out += '(?:';
        i += 3;
        continue;
      }
      ciStack.push(ci);
      out += c;
      continue;
    }
    if (c === ')') {
      ci = ciStack.pop() ?? false;
      out += c;
      continue;
    }
    if (ci && /[A-Za-z]/.test(c)) {
      out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
      continue;
    }
    out += c;
  }
  return out;
}

function compile(src: string, mode: PatternMode): RegExp {
  const js = translatePattern(src, mode);
  try {
    return new RegExp(js, 'gu');
  } catch (e) {
    throw new FormatError(`invalid pre-tokenizer pattern ${JSON.stringify(src)}: ${String(e)}`, {
      field: 'pattern',
      cause: e,
    });
  }
}

/** Splits `text` into matches and the gaps between them, in order (as HF 'Isolated' / llama.cpp). */
export class RegexSplitter {
  readonly re: RegExp;
  /** Same pattern, sticky: tests a match at one position without allocating a match array. */
  private readonly sticky: RegExp;

  constructor(pattern: string) {
    this.re = compile(pattern, 'unicode');
    this.sticky = new RegExp(this.re.source, 'uy');
  }

  split(text: string, out: string[]): void {
    const st = this.sticky;
    const re = this.re;
    const n = text.length;
    let p = 0;
    while (p < n) {
      st.lastIndex = p;
      if (st.test(text) && st.lastIndex > p) {
        const e = st.lastIndex;
        out.push(text.slice(p, e));
        p = e;
        continue;
      }
      // no match starts at p: the gap runs to the next match (the leftmost one after p)
      re.lastIndex = p;
      let m = re.exec(text);
      while (m !== null && m[0].length === 0) {
        re.lastIndex = m.index + 1;
        m = re.exec(text);
      }
      if (m === null) {
        out.push(text.slice(p));
        return;
      }
      if (m.index > p) out.push(text.slice(p, m.index));
      out.push(m[0]);
      p = m.index + m[0].length;
    }
  }
}

// ---- llama.cpp emulation -------------------------------------------------------------------

/** llama.cpp's whitespace set (unicode_cpt_flags::is_whitespace). */
export function isLlamaWhitespace(cp: number): boolean {
  return (
    (cp >= 9 && cp <= 13) ||
    cp === 0x20 ||
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

const RE_L = /^\p{L}$/u;
const RE_N = /^\p{N}$/u;
const RE_P = /^\p{P}$/u;
const RE_M = /^\p{M}$/u;
const RE_S = /^\p{S}$/u;
let catCache: Uint16Array | undefined;

/** The collapsed character of a code point >= 128. */
export function collapsedCategory(cp: number): number {
  if (catCache === undefined) catCache = new Uint16Array(0x110000);
  const c = catCache[cp]!;
  if (c !== 0) return c;
  const s = String.fromCodePoint(cp);
  let v = CAT_OTHER;
  if (isLlamaWhitespace(cp)) v = 0x0b;
  else if (RE_L.test(s)) v = CAT_L;
  else if (RE_N.test(s)) v = CAT_N;
  else if (RE_P.test(s)) v = CAT_P;
  else if (RE_M.test(s)) v = CAT_M;
  else if (RE_S.test(s)) v = CAT_S;
  catCache[cp] = v;
  return v;
}

const ASCII_RE = /^[\x00-\x7f]*$/;

function fromCodes(codes: number[]): string {
  let s = '';
  for (let i = 0; i < codes.length; i += 8192) s += String.fromCharCode(...codes.slice(i, i + 8192));
  return s;
}

interface CompiledLlamaRegex {
  re: RegExp;
  collapsed: boolean;
}

export class LlamaSplitter {
  private readonly regexes: CompiledLlamaRegex[];
  private readonly needCollapse: boolean;
  private readonly needWide: boolean;

  constructor(readonly patterns: readonly string[]) {
    this.regexes = patterns.map((p) => {
      const collapsed = /\\p\{/.test(p);
      return { re: compile(p, collapsed ? 'collapsed' : 'wide'), collapsed };
    });
    this.needCollapse = this.regexes.some((r) => r.collapsed);
    this.needWide = this.regexes.some((r) => !r.collapsed);
  }

  /** Splits a well-formed string into pieces (substrings of `text`). */
  split(text: string, out: string[]): void {
    if (text.length === 0) return;
    let collapsed = text;
    let wide = text;
    let cpToUnit: Int32Array | undefined; // code point index -> code unit offset (undefined: identity)
    let ncp = text.length;
    if (!ASCII_RE.test(text)) {
      const map = new Int32Array(text.length + 1);
      const cCodes: number[] = [];
      const wCodes: number[] = [];
      ncp = 0;
      for (let u = 0; u < text.length; ) {
        const cp = text.codePointAt(u)!;
        map[ncp++] = u;
        const n = cp > 0xffff ? 2 : 1;
        if (this.needCollapse) cCodes.push(cp < 128 ? cp : collapsedCategory(cp));
        if (this.needWide) {
          if (cp > 0x7f && isLlamaWhitespace(cp)) wCodes.push(0x0b);
          else {
            wCodes.push(text.charCodeAt(u));
            if (n === 2) wCodes.push(text.charCodeAt(u + 1));
          }
        }
        u += n;
      }
      map[ncp] = text.length;
      cpToUnit = map.subarray(0, ncp + 1);
      collapsed = fromCodes(cCodes);
      wide = fromCodes(wCodes);
    }
    const unit = (cp: number) => (cpToUnit === undefined ? cp : cpToUnit[cp]!);
    // piece boundaries in code points
    let bounds: number[] = [0, ncp];
    for (const r of this.regexes) {
      const next: number[] = [0];
      for (let k = 0; k + 1 < bounds.length; k++) {
        const s = bounds[k]!;
        const e = bounds[k + 1]!;
        if (r.collapsed) this.splitRange(r.re, collapsed.slice(s, e), s, next, undefined);
        else this.splitRange(r.re, wide.slice(unit(s), unit(e)), s, next, cpToUnit);
        if (next[next.length - 1] !== e) next.push(e);
      }
      bounds = next;
    }
    for (let k = 0; k + 1 < bounds.length; k++) out.push(text.slice(unit(bounds[k]!), unit(bounds[k + 1]!)));
  }

  /** Appends match/gap end positions (code points) of `sub`, which starts at code point `base`. */
  private splitRange(
    re: RegExp,
    sub: string,
    base: number,
    ends: number[],
    cpToUnit: Int32Array | undefined,
  ): void {
    re.lastIndex = 0;
    const unitBase = cpToUnit === undefined ? 0 : cpToUnit[base]!;
    const toCp = (unit: number): number => {
      if (cpToUnit === undefined) return base + unit;
      // binary search the code point at this unit offset
      let lo = base;
      let hi = cpToUnit.length - 1;
      const target = unitBase + unit;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cpToUnit[mid]! < target) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    let last = 0;
    for (;;) {
      const m = re.exec(sub);
      if (m === null) break;
      const len = m[0].length;
      if (len === 0) {
        re.lastIndex = m.index + 1;
        continue;
      }
      if (m.index > last) ends.push(toCp(m.index));
      last = m.index + len;
      ends.push(toCp(last));
    }
  }
}
