// The JSON constraint as a sampler: masks every token whose bytes would leave the JSON (Schema)
// language, allows end-of-generation only when the document is complete, and advances the
// automaton with each accepted token.
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import type { Candidates } from '../samplers/candidates.js';
import type { Sampler } from '../samplers/sampler.js';
import { JsonMachine, type MachineOptions } from './machine.js';
import type { CompiledSchema } from './nodes.js';
import { type TokenTable, type Trie, tokenTable } from './token-trie.js';

export class JsonConstraint implements Sampler {
  readonly name = 'json';
  readonly machine: JsonMachine;
  readonly table: TokenTable;
  /** 1 for each token allowed at the current position (after computeMask). */
  readonly allowed: Uint8Array;
  private readonly levels: Int32Array[];
  private readonly eog: Int32Array;

  constructor(
    private readonly tokenizer: Tokenizer,
    schema: CompiledSchema,
    eogIds: Iterable<number>,
    opts: MachineOptions = {},
  ) {
    this.machine = new JsonMachine(schema, opts);
    this.table = tokenTable(tokenizer);
    this.allowed = new Uint8Array(this.table.vocabSize);
    const depth = this.table.full.maxDepth + 2;
    this.levels = Array.from({ length: depth }, () => new Int32Array(this.machine.stateSize));
    this.eog = Int32Array.from(eogIds);
  }

  isComplete(): boolean {
    return this.machine.isComplete();
  }

  /** Fills `allowed` for the current state. */
  computeMask(): void {
    const a = this.allowed;
    a.fill(0);
    const room = this.machine.freeStringRoom();
    if (room >= this.table.maxPlainChars) {
      a.set(this.table.plain);
      this.walk(this.table.special);
    } else if (room >= 0) {
      const chars = this.table.plainChars;
      for (let id = 0; id < a.length; id++) {
        const n = chars[id]!;
        if (n > 0 && n <= room) a[id] = 1;
      }
      this.walk(this.table.special);
    } else this.walk(this.table.full);
    if (this.machine.canEnd()) for (const id of this.eog) if (id < a.length) a[id] = 1;
  }

  private walk(t: Trie): void {
    const m = this.machine;
    const a = this.allowed;
    const { byte, depth, end, tokStart, tokIds } = t;
    const levels = this.levels;
    m.save(levels[0]!);
    const n = byte.length;
    let i = 0;
    let cur = -1; // the level the machine currently holds
    while (i < n) {
      const d = depth[i]!;
      if (cur !== d) m.restore(levels[d]!);
      if (!m.step(byte[i]!)) {
        cur = -1;
        i = end[i]!;
        continue;
      }
      for (let k = tokStart[i]!; k < tokStart[i + 1]!; k++) a[tokIds[k]!] = 1;
      if (end[i]! > i + 1) {
        m.save(levels[d + 1]!);
        cur = d + 1;
      } else cur = -1;
      i++;
    }
    m.restore(levels[0]!);
  }

  apply(c: Candidates): void {
    this.computeMask();
    const a = this.allowed;
    let w = 0;
    for (let i = 0; i < c.size; i++) {
      if (a[c.ids[i]!] === 1) {
        if (w !== i) c.swap(w, i);
        w++;
      }
    }
    c.size = w;
  }

  accept(token: number): void {
    for (const id of this.eog) if (id === token) return;
    if (!this.machine.feed(this.tokenizer.tokenBytes(token)))
      throw new Error(`internal: token ${token} accepted outside the JSON grammar`);
  }

  reset(): void {
    this.machine.reset();
  }
}
