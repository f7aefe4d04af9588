// A linear, non-recursive pre-scan of JSON text run before JSON.parse. It enforces a nesting
// depth cap (JSON.parse on 10^6 '[' throws RangeError or overflows the stack), finds duplicate
// object keys (JSON.parse silently keeps the last one) and can require every number to be a
// plain non-negative integer literal (no '-', '.', exponent). Syntax errors are left to
// JSON.parse; the scan only needs to be right on valid JSON and terminate on anything.

export interface JsonScanOptions {
  /** Deepest nesting of objects/arrays (default 64). */
  maxDepth?: number;
  /** Refuse numbers other than plain non-negative integer literals. */
  integersOnly?: boolean;
}

export type JsonScanIssue =
  | { kind: 'depth'; offset: number }
  | { kind: 'duplicate'; key: string; offset: number }
  | { kind: 'number'; text: string; offset: number };

/** Returns the first issue found, or undefined. */
export function scanJson(text: string, options: JsonScanOptions = {}): JsonScanIssue | undefined {
  const maxDepth = options.maxDepth ?? 64;
  // Per open container: the keys seen so far for objects (a list while small, then a set),
  // null for arrays.
  const stack: (KeySeen | null)[] = [];
  let expectKey = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const start = i;
      // Find the closing quote: the next '"' not preceded by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let k = end - 1;
        while (text.charCodeAt(k) === 0x5c) k--;
        if ((end - 1 - k) % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return undefined; // unterminated string: JSON.parse will report it
      i = end + 1;
      const top = stack[stack.length - 1];
      if (expectKey && top !== null && top !== undefined) {
        let key: string;
        if (!hasBackslash(text, start + 1, end)) key = text.slice(start + 1, end);
        else {
          try {
            key = JSON.parse(text.slice(start, end + 1)) as string;
          } catch {
            return undefined; // malformed string: JSON.parse will report it
          }
        }
        if (top.addOrFind(key)) return { kind: 'duplicate', key, offset: start };
        expectKey = false;
      }
      continue;
    }
    if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return { kind: 'depth', offset: i };
      stack.push(ch === 0x7b ? new KeySeen() : null);
      expectKey = ch === 0x7b;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (ch === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      expectKey = top !== null && top !== undefined;
    } else if (options.integersOnly && (ch === 0x2d || (ch >= 0x30 && ch <= 0x39))) {
      const start = i;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      const lit = text.slice(start, i);
      if (!/^(0|[1-9][0-9]*)$/.test(lit)) return { kind: 'number', text: lit, offset: start };
      continue;
    }
    i++;
  }
  return undefined;
}

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x45 || c === 0x65;
}

function hasBackslash(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 0x5c) return true;
  return false;
}

/** Keys of one object: a short list (cheap for the many small objects) that becomes a set. */
class KeySeen {
  private list: string[] | undefined = [];
  private set: Set<string> | undefined;

  /** Adds `key`; returns true if it was already there. */
  addOrFind(key: string): boolean {
    if (this.list !== undefined) {
      if (this.list.includes(key)) return true;
      this.list.push(key);
      if (this.list.length > 16) {
        this.set = new Set(this.list);
        this.list = undefined;
      }
      return false;
    }
    const set = this.set!;
    if (set.has(key)) return true;
    set.add(key);
    return false;
  }
}
