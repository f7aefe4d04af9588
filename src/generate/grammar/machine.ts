// A byte-level pushdown automaton that accepts exactly the JSON texts of a compiled schema
// (nodes.ts). Its whole state is a small Int32Array stack of frames, so the token mask can save
// and restore it cheaply while walking the token trie.
import { type CompiledSchema, type GrammarNode, Kind } from './nodes.js';

/** Ints per frame: node, phase, ws, then 6 registers whose meaning depends on the node kind. */
const F = 9;
const NODE = 0;
const PHASE = 1;
const WS = 2;
const R0 = 3; // object: used0 | array: count | string: chars | number: digits | literals: lo | root: node
const R1 = 4; // object: used1 | string: escape state | literals: hi
const R2 = 5; // object: lo   | literals: pos
const R3 = 6; // object: hi
const R4 = 7; // object: pos (key bytes so far)
const R5 = 8; // object: escape flag in key, then the chosen property index (-1 = additional)
const ROOT = -1;

// Step outcomes.
const OK = 0;
const REJECT = 1;
const DONE = 2; // frame finished, byte consumed
const DONE_AGAIN = 3; // frame finished, byte belongs to the parent
const AGAIN = 4; // a child was pushed; feed it the same byte

export interface MachineOptions {
  /** Most indentation bytes after a newline between tokens (default 20). */
  maxWhitespace?: number;
  /** Deepest nesting of objects/arrays (default 64). */
  maxDepth?: number;
  /** Longest number part in digits (integer, fraction, exponent; default 16/16/3). */
  maxDigits?: number;
}

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d;
}
function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}
function isHex(b: number): boolean {
  return isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

export class JsonMachine {
  readonly nodes: GrammarNode[];
  /** The frames; depth frames are live. */
  stack: Int32Array;
  depth = 0;
  private readonly maxWs: number;
  private readonly maxDepth: number;
  private readonly maxDigits: number;

  constructor(
    readonly schema: CompiledSchema,
    opts: MachineOptions = {},
  ) {
    this.nodes = schema.nodes;
    this.maxWs = opts.maxWhitespace ?? 20;
    this.maxDepth = opts.maxDepth ?? 64;
    this.maxDigits = opts.maxDigits ?? 16;
    this.stack = new Int32Array((this.maxDepth + 2) * F);
    this.reset();
  }

  /** Size of a saved state (see save/restore). */
  get stateSize(): number {
    return this.stack.length + 1;
  }

  reset(): void {
    this.depth = 1;
    this.stack.fill(0, 0, F);
    this.stack[NODE] = ROOT;
    this.stack[R0] = this.schema.root;
  }

  save(into: Int32Array): void {
    const n = this.depth * F;
    into[0] = this.depth;
    for (let i = 0; i < n; i++) into[i + 1] = this.stack[i]!;
  }

  restore(from: Int32Array): void {
    this.depth = from[0]!;
    const n = this.depth * F;
    for (let i = 0; i < n; i++) this.stack[i] = from[i + 1]!;
  }

  /** True when the document is finished and no further byte is possible. */
  isComplete(): boolean {
    return this.depth === 1 && this.stack[PHASE] === 1;
  }

  /** True when the text so far is a complete document (a number may still grow). */
  canEnd(): boolean {
    if (this.isComplete()) return true;
    if (this.depth !== 2 || this.stack[PHASE] !== 0) return false;
    return this.endableTop();
  }

  /**
   * Inside string content with no pending escape or UTF-8 sequence: how many more characters fit
   * (MAX_SAFE_INTEGER without a limit); -1 otherwise. Plain tokens then keep the state valid.
   */
  freeStringRoom(): number {
    const b = (this.depth - 1) * F;
    const s = this.stack;
    const node = s[b + NODE]!;
    if (node < 0) return -1;
    const n = this.nodes[node]!;
    if (n.kind === Kind.String)
      return s[b + PHASE] === 1 && s[b + R1] === 0 && s[b + R2] === 0 ? n.maxLength - s[b + R0]! : -1;
    if (n.kind === Kind.Object)
      return s[b + PHASE] === 2 && n.additional >= 0 && s[b + R2] === s[b + R3] && s[b + R5] === 0
        ? Number.MAX_SAFE_INTEGER
        : -1;
    return -1;
  }

  /** Feeds one byte; false when it is not allowed (the state is then undefined: restore it). */
  step(byte: number): boolean {
    for (;;) {
      const r = this.stepTop(byte);
      if (r === OK) return true;
      if (r === REJECT) return false;
      if (r === AGAIN) continue;
      this.depth--;
      this.childDone();
      if (r === DONE) return true;
    }
  }

  /** Feeds bytes; false at the first byte not allowed. */
  feed(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i++) if (!this.step(bytes[i]!)) return false;
    return true;
  }

  // Whether the top frame (a number or literal) may end here.
  private endableTop(): boolean {
    const b = (this.depth - 1) * F;
    const s = this.stack;
    const n = this.nodes[s[b + NODE]!]!;
    if (n.kind === Kind.Number) {
      const p = s[b + PHASE]!;
      return p === 2 || p === 3 || p === 5 || p === 8;
    }
    if (n.kind === Kind.Literals) return n.lits[s[b + R0]!]!.length === s[b + R2];
    return false;
  }

  private push(node: number): boolean {
    if (this.depth >= this.maxDepth + 2) return false;
    const b = this.depth * F;
    this.stack.fill(0, b, b + F);
    this.stack[b + NODE] = node;
    const n = this.nodes[node]!;
    if (n.kind === Kind.Literals) {
      this.stack[b + R0] = 0;
      this.stack[b + R1] = n.lits.length;
    }
    this.depth++;
    return true;
  }

  /** Starts a value of `node` whose first byte is `byte` (resolving unions). */
  private startValue(node: number, byte: number): number {
    let n = this.nodes[node]!;
    while (n.kind === Kind.Union) {
      const alt = n.byFirst[byte]!;
      if (alt < 0) return REJECT;
      node = n.alts[alt]!;
      n = this.nodes[node]!;
    }
    return this.push(node) ? AGAIN : REJECT;
  }

  private childDone(): void {
    const b = (this.depth - 1) * F;
    const s = this.stack;
    s[b + WS] = 0;
    const node = s[b + NODE]!;
    if (node === ROOT) {
      s[b + PHASE] = 1;
      return;
    }
    const n = this.nodes[node]!;
    if (n.kind === Kind.Object) {
      const k = s[b + R5]!;
      if (k >= 0) {
        if (k < 32) s[b + R0] = s[b + R0]! | (1 << k);
        else s[b + R1] = s[b + R1]! | (1 << (k - 32));
      }
      s[b + PHASE] = 5;
    } else if (n.kind === Kind.Array) {
      s[b + R0] = s[b + R0]! + 1;
      s[b + PHASE] = 2;
    }
  }

  // Insignificant whitespace between tokens, as llama.cpp's json grammar allows it: one space, or
  // a newline followed by up to maxWhitespace spaces/tabs. WS: 0 none yet, 1 after a space,
  // k ≥ 2 after a newline and k-2 indent bytes.
  private ws(b: number, byte: number): number {
    const s = this.stack;
    const w = s[b + WS]!;
    if (w === 0) {
      if (byte === 0x20) s[b + WS] = 1;
      else if (byte === 0x0a) s[b + WS] = 2;
      else return REJECT;
      return OK;
    }
    if (w === 1 || (byte !== 0x20 && byte !== 0x09) || w - 2 >= this.maxWs) return REJECT;
    s[b + WS] = w + 1;
    return OK;
  }

  private stepTop(byte: number): number {
    const b = (this.depth - 1) * F;
    const s = this.stack;
    const node = s[b + NODE]!;
    if (node === ROOT) {
      if (s[b + PHASE] !== 0) return REJECT;
      if (isWs(byte)) return this.ws(b, byte);
      return this.startValue(s[b + R0]!, byte);
    }
    const n = this.nodes[node]!;
    switch (n.kind) {
      case Kind.Object:
        return this.stepObject(n, b, byte);
      case Kind.Array:
        return this.stepArray(n.items, n.minItems, n.maxItems, b, byte);
      case Kind.String:
        return this.stepString(n.minLength, n.maxLength, b, byte);
      case Kind.Number:
        return this.stepNumber(n.integer, b, byte);
      case Kind.Literals:
        return this.stepLiterals(n.lits, b, byte);
      default:
        return REJECT;
    }
  }

  // Literals sharing the first `pos` bytes form the range [lo, hi) of the sorted list; a complete
  // one (length pos) sorts first.
  private stepLiterals(lits: Uint8Array[], b: number, byte: number): number {
    const s = this.stack;
    let lo = s[b + R0]!;
    const hi0 = s[b + R1]!;
    const pos = s[b + R2]!;
    const complete = lits[lo]!.length === pos;
    while (lo < hi0 && (lits[lo]!.length <= pos || lits[lo]![pos]! < byte)) lo++;
    let hi = lo;
    while (hi < hi0 && lits[hi]![pos] === byte) hi++;
    if (lo === hi) return complete && pos > 0 ? DONE_AGAIN : REJECT;
    s[b + R0] = lo;
    s[b + R1] = hi;
    s[b + R2] = pos + 1;
    // Finished when the only candidate left is complete.
    return hi - lo === 1 && lits[lo]!.length === pos + 1 ? DONE : OK;
  }

  private num(b: number, phase: number, digits: number): number {
    this.stack[b + PHASE] = phase;
    this.stack[b + R0] = digits;
    return OK;
  }

  // Phases: 0 start, 1 after '-', 2 after a leading 0, 3 integer digits, 4 after '.',
  // 5 fraction digits, 6 after 'e', 7 after the exponent sign, 8 exponent digits.
  private stepNumber(integer: boolean, b: number, byte: number): number {
    const phase = this.stack[b + PHASE]!;
    const digits = this.stack[b + R0]!;
    const max = this.maxDigits;
    const dig = isDigit(byte);
    switch (phase) {
      case 0:
        if (byte === 0x2d) return this.num(b, 1, 0);
        if (byte === 0x30) return this.num(b, 2, 1);
        return dig ? this.num(b, 3, 1) : REJECT;
      case 1:
        if (byte === 0x30) return this.num(b, 2, 1);
        return dig ? this.num(b, 3, 1) : REJECT;
      case 2:
      case 3:
        if (phase === 3 && dig) return digits < max ? this.num(b, 3, digits + 1) : REJECT;
        if (!integer && byte === 0x2e) return this.num(b, 4, 0);
        if (!integer && (byte === 0x65 || byte === 0x45)) return this.num(b, 6, 0);
        return dig ? REJECT : DONE_AGAIN;
      case 4:
        return dig ? this.num(b, 5, 1) : REJECT;
      case 5:
        if (dig) return digits < max ? this.num(b, 5, digits + 1) : REJECT;
        if (byte === 0x65 || byte === 0x45) return this.num(b, 6, 0);
        return DONE_AGAIN;
      case 6:
        if (byte === 0x2b || byte === 0x2d) return this.num(b, 7, 0);
        return dig ? this.num(b, 8, 1) : REJECT;
      case 7:
        return dig ? this.num(b, 8, 1) : REJECT;
      case 8:
        if (dig) return digits < 3 ? this.num(b, 8, digits + 1) : REJECT;
        return DONE_AGAIN;
      default:
        return REJECT;
    }
  }

  // Inside a string: R0 characters so far, R1 escape state (-1 after '\\', k > 0 hex digits
  // left, 9 after "\\uD" where the next digit must keep it off the surrogates), R2 UTF-8
  // continuation bytes still expected, R3 the allowed range of the next one (lo << 8 | hi).
  private stepString(minLength: number, maxLength: number, b: number, byte: number): number {
    const s = this.stack;
    if (s[b + PHASE] === 0) {
      if (byte !== 0x22) return REJECT;
      s[b + PHASE] = 1;
      return OK;
    }
    const esc = s[b + R1]!;
    const chars = s[b + R0]!;
    const cont = s[b + R2]!;
    if (cont > 0) {
      const range = s[b + R3]!;
      if (byte < range >> 8 || byte > (range & 0xff)) return REJECT;
      s[b + R2] = cont - 1;
      s[b + R3] = 0x80bf;
      return OK;
    }
    if (esc === -1) {
      if (byte === 0x75) {
        s[b + R1] = 4;
        return OK;
      }
      if (byte === 0x22 || byte === 0x5c || byte === 0x2f || byte === 0x62 || byte === 0x66 || byte === 0x6e)
        return this.strChar(b, chars);
      if (byte === 0x72 || byte === 0x74) return this.strChar(b, chars);
      return REJECT;
    }
    if (esc === 9) {
      if (byte < 0x30 || byte > 0x37) return REJECT;
      s[b + R1] = 2;
      return OK;
    }
    if (esc > 0) {
      if (!isHex(byte)) return REJECT;
      if (esc === 4 && (byte === 0x64 || byte === 0x44)) {
        s[b + R1] = 9;
        return OK;
      }
      s[b + R1] = esc - 1;
      if (esc === 1) s[b + R0] = chars + 1;
      return OK;
    }
    if (byte === 0x22) return chars >= minLength ? DONE : REJECT;
    if (byte < 0x20) return REJECT;
    if (chars >= maxLength) return REJECT;
    if (byte === 0x5c) {
      s[b + R1] = -1;
      return OK;
    }
    if (byte >= 0x80) {
      // UTF-8 lead byte: how many continuation bytes follow, and the range of the first one.
      let n: number;
      let range = 0x80bf;
      if (byte >= 0xc2 && byte <= 0xdf) n = 1;
      else if (byte >= 0xe0 && byte <= 0xef) {
        n = 2;
        if (byte === 0xe0) range = 0xa0bf;
        else if (byte === 0xed) range = 0x809f;
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        n = 3;
        if (byte === 0xf0) range = 0x90bf;
        else if (byte === 0xf4) range = 0x808f;
      } else return REJECT;
      s[b + R2] = n;
      s[b + R3] = range;
    }
    s[b + R0] = chars + 1;
    return OK;
  }

  private strChar(b: number, chars: number): number {
    this.stack[b + R1] = 0;
    this.stack[b + R0] = chars + 1;
    return OK;
  }

  private stepArray(items: number, minItems: number, maxItems: number, b: number, byte: number): number {
    const s = this.stack;
    const phase = s[b + PHASE]!;
    const count = s[b + R0]!;
    if (phase === 0) {
      if (byte !== 0x5b) return REJECT;
      s[b + PHASE] = 1;
      return OK;
    }
    if (isWs(byte)) return this.ws(b, byte);
    if (phase === 1 || phase === 3) {
      if (phase === 1 && byte === 0x5d) return minItems === 0 ? DONE : REJECT;
      if (count >= maxItems) return REJECT;
      s[b + WS] = 0;
      return this.startValue(items, byte);
    }
    // phase 2: after a value
    if (byte === 0x2c) {
      if (count >= maxItems) return REJECT;
      s[b + PHASE] = 3;
      s[b + WS] = 0;
      return OK;
    }
    if (byte === 0x5d) return count >= minItems ? DONE : REJECT;
    return REJECT;
  }

  private stepObject(n: Extract<GrammarNode, { kind: Kind.Object }>, b: number, byte: number): number {
    const s = this.stack;
    const phase = s[b + PHASE]!;
    if (phase === 0) {
      if (byte !== 0x7b) return REJECT;
      s[b + PHASE] = 1;
      return OK;
    }
    if (phase === 2) return this.stepKey(n, b, byte);
    if (isWs(byte)) return this.ws(b, byte);
    s[b + WS] = 0;
    switch (phase) {
      case 1:
      case 5:
      case 6:
        if (byte === 0x22 && phase !== 5) {
          if (!this.keyPossible(n, b)) return REJECT;
          s[b + PHASE] = 2;
          s[b + R2] = 0;
          s[b + R3] = n.keys.length;
          s[b + R4] = 0;
          s[b + R5] = 0;
          return OK;
        }
        if (byte === 0x7d && phase !== 6) return this.requiredDone(n, b) ? DONE : REJECT;
        if (byte === 0x2c && phase === 5) {
          if (!this.keyPossible(n, b)) return REJECT;
          s[b + PHASE] = 6;
          return OK;
        }
        return REJECT;
      case 3:
        if (byte !== 0x3a) return REJECT;
        s[b + PHASE] = 4;
        return OK;
      case 4: {
        const k = s[b + R5]!;
        return this.startValue(k >= 0 ? n.keyNodes[k]! : n.additional, byte);
      }
      default:
        return REJECT;
    }
  }

  private used(b: number, k: number): boolean {
    const s = this.stack;
    return k < 32 ? (s[b + R0]! & (1 << k)) !== 0 : (s[b + R1]! & (1 << (k - 32))) !== 0;
  }

  private keyPossible(n: Extract<GrammarNode, { kind: Kind.Object }>, b: number): boolean {
    if (n.additional >= 0) return true;
    for (let k = 0; k < n.keys.length; k++) if (!this.used(b, k)) return true;
    return false;
  }

  private requiredDone(n: Extract<GrammarNode, { kind: Kind.Object }>, b: number): boolean {
    const s = this.stack;
    return (s[b + R0]! & n.required0) === n.required0 && (s[b + R1]! & n.required1) === n.required1;
  }

  // Inside a key: R2..R3 is the range of known keys still matching, R4 the bytes so far,
  // R5 the escape flag (a backslash only appears inside known keys; free keys have none).
  private stepKey(n: Extract<GrammarNode, { kind: Kind.Object }>, b: number, byte: number): number {
    const s = this.stack;
    const keys = n.keys;
    let lo = s[b + R2]!;
    const hi0 = s[b + R3]!;
    const pos = s[b + R4]!;
    const esc = s[b + R5]!;
    if (byte === 0x22 && esc === 0) {
      // Closing quote: an unused known key, or an additional one.
      if (lo < hi0 && keys[lo]!.length === pos) {
        if (this.used(b, lo)) return REJECT;
        s[b + R5] = lo;
      } else if (n.additional >= 0) {
        s[b + R5] = -1;
      } else return REJECT;
      s[b + PHASE] = 3;
      s[b + WS] = 0;
      return OK;
    }
    if (byte < 0x20) return REJECT;
    while (lo < hi0 && (keys[lo]!.length <= pos || keys[lo]![pos]! < byte)) lo++;
    let hi = lo;
    while (hi < hi0 && keys[hi]![pos] === byte) hi++;
    if (lo === hi) {
      if (n.additional < 0 || byte === 0x5c) return REJECT;
      lo = hi = 0;
    } else if (n.additional < 0) {
      // Without free keys the range must keep an unused key.
      let viable = false;
      for (let k = lo; k < hi && !viable; k++) if (!this.used(b, k)) viable = true;
      if (!viable) return REJECT;
    }
    s[b + R2] = lo;
    s[b + R3] = hi;
    s[b + R4] = pos + 1;
    s[b + R5] = byte === 0x5c && esc === 0 ? 1 : 0;
    return OK;
  }
}
