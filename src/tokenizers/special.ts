// Splitting text on special / added tokens before the model's own tokenization.
// Two rules exist in the reference tools:
// - 'llama': llama.cpp's tokenizer_st_partition. Tokens are tried one after another, longest
//   text first; each one splits every remaining text fragment at all its occurrences.
// - 'longest': Hugging Face tokenizers / tiktoken: one left-to-right scan, at each position the
//   longest token that matches (Aho-Corasick leftmost-longest).
// A fragment is either a string (raw text) or a number (a token id).

export interface SpecialEntry {
  readonly text: string;
  readonly id: number;
  /** Eat whitespace to the left / right of the token (llama.cpp LSTRIP/RSTRIP, HF lstrip/rstrip). */
  readonly lstrip?: boolean;
  readonly rstrip?: boolean;
}

export type Fragment = string | number;

function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** llama.cpp's partition. `entries` must already be sorted by text length (longest first). */
export function partitionLlama(text: string, entries: readonly SpecialEntry[]): Fragment[] {
  let frags: Fragment[] = [text];
  for (const e of entries) {
    const t = e.text;
    if (t.length === 0 || text.indexOf(t) < 0) continue;
    const next: Fragment[] = [];
    for (const f of frags) {
      if (typeof f === 'number' || f.indexOf(t) < 0) {
        next.push(f);
        continue;
      }
      let base = 0;
      let end = f.length;
      for (;;) {
        const m = f.indexOf(t, base);
        if (m < 0 || m + t.length > end) {
          if (base < end) next.push(f.slice(base, end));
          break;
        }
        if (m > base) {
          let l = m;
          if (e.lstrip) while (l > base && isAsciiSpace(f.charCodeAt(l - 1))) l--;
          if (l > base) next.push(f.slice(base, l));
        }
        next.push(e.id);
        base = m + t.length;
        if (e.rstrip) while (base < end && isAsciiSpace(f.charCodeAt(base))) base++;
        if (base >= end) {
          end = base;
          break;
        }
      }
    }
    frags = next;
  }
  return frags;
}

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Leftmost-longest matcher over a fixed token set (compiled once). */
export class LongestMatcher {
  private readonly re: RegExp | undefined;
  private readonly byText = new Map<string, SpecialEntry>();

  constructor(entries: readonly SpecialEntry[]) {
    const sorted = entries.filter((e) => e.text.length > 0).sort((a, b) => b.text.length - a.text.length);
    for (const e of sorted) if (!this.byText.has(e.text)) this.byText.set(e.text, e);
    if (sorted.length === 0) return;
    const alts = sorted.map((e) => {
      const body = `(${escapeRegExp(e.text)})`;
      return (e.lstrip ? '\\s*' : '') + body + (e.rstrip ? '\\s*' : '');
    });
    this.re = new RegExp(alts.join('|'), 'gu');
  }

  get empty(): boolean {
    return this.re === undefined;
  }

  partition(text: string): Fragment[] {
    const re = this.re;
    if (re === undefined) return [text];
    const out: Fragment[] = [];
    re.lastIndex = 0;
    let last = 0;
    for (;;) {
      const m = re.exec(text);
      if (m === null) break;
      let tok: string | undefined;
      for (let g = 1; g < m.length; g++) {
        if (m[g] !== undefined) {
          tok = m[g];
          break;
        }
      }
      const e = tok === undefined ? undefined : this.byText.get(tok);
      if (e === undefined) continue;
      if (m.index > last) out.push(text.slice(last, m.index));
      out.push(e.id);
      last = m.index + m[0].length;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }
}
