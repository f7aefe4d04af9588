// The compiled form of a JSON Schema: a table of nodes the byte automaton (machine.ts) walks.
// Node ids index CompiledSchema.nodes; recursion ($ref) is just a node id used again.

export enum Kind {
  Object = 0,
  Array = 1,
  String = 2,
  Number = 3,
  Literals = 4,
  Union = 5,
}

export interface ObjectNode {
  kind: Kind.Object;
  /** Property names as JSON-escaped UTF-8 bytes (no quotes), sorted bytewise. */
  keys: Uint8Array[];
  /** Value node of each key (same order as keys). */
  keyNodes: number[];
  /** Bit i set when keys[i] is required (two 32-bit words: at most 64 properties). */
  required0: number;
  required1: number;
  /** Node of additional properties, or -1 when they are not allowed. */
  additional: number;
}

export interface ArrayNode {
  kind: Kind.Array;
  items: number;
  minItems: number;
  maxItems: number;
}

export interface StringNode {
  kind: Kind.String;
  minLength: number;
  maxLength: number;
}

export interface NumberNode {
  kind: Kind.Number;
  integer: boolean;
}

export interface LiteralsNode {
  kind: Kind.Literals;
  /** Allowed values as compact JSON bytes, sorted bytewise (so a prefix selects a range). */
  lits: Uint8Array[];
}

export interface UnionNode {
  kind: Kind.Union;
  alts: number[];
  /** First byte → index into alts, or -1 (alternatives start with different bytes). */
  byFirst: Int16Array;
}

export type GrammarNode = ObjectNode | ArrayNode | StringNode | NumberNode | LiteralsNode | UnionNode;

export interface CompiledSchema {
  nodes: GrammarNode[];
  root: number;
  /** Schema keywords that were ignored (annotations and unsupported assertions), by JSON path. */
  ignored: string[];
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
