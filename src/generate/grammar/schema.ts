// JSON Schema → grammar nodes (nodes.ts). Supported: type (one or a list), object (properties,
// required, additionalProperties true/false/schema), array (items, minItems, maxItems), string
// (minLength, maxLength), number, integer, boolean, null, enum, const (with type beside them),
// anyOf/oneOf whose alternatives start with different bytes, allOf of one schema, $ref to
// #/$defs or #/definitions. Every output the grammar accepts must be valid, so a keyword that
// changes validity but is not enforced (pattern, format, minimum …, or a supported keyword where
// it would be dropped, e.g. beside $ref or anyOf) is refused with a UsageError naming it and its
// schema path, and so is a $ref loop that reaches itself without an object or array in between.
// Annotations (title, description …) are accepted; unknown keywords are listed in `ignored`.
// Property order in the output is free.
import { UnsupportedError, UsageError } from '../../errors.js';
import { type CompiledSchema, compareBytes, type GrammarNode, Kind } from './nodes.js';
import { ANNOTATIONS, HANDLED, hasType, JSON_TYPES, UNENFORCED } from './schema-keywords.js';

export type JsonSchema = boolean | { [key: string]: unknown };

const utf8 = new TextEncoder();
const MAX_NODES = 100_000;
const MAX_DEPTH = 64;
function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Compiler {
  readonly nodes: GrammarNode[] = [];
  readonly ignored: string[] = [];
  private readonly refs = new Map<string, number>();
  private anyNode = -1;
  private depth = 0;

  constructor(private readonly root: JsonSchema) {}

  private bad(path: string, msg: string): never {
    throw new UsageError(`invalid JSON schema at ${path || '/'}: ${msg}`, { field: path || '/' });
  }

  /** Refuses a keyword that would not be enforced where it stands. */
  private refuse(path: string, key: string, why: string): never {
    const at = `${path}/${key}`;
    throw new UsageError(`JSON schema keyword "${key}" at ${at} is not supported: ${why}`, { field: at });
  }

  private add(n: GrammarNode): number {
    if (this.nodes.length >= MAX_NODES) throw new UsageError('JSON schema too large', { field: '/' });
    this.nodes.push(n);
    return this.nodes.length - 1;
  }

  private literals(values: unknown[], path: string): number {
    if (values.length === 0) this.bad(path, 'enum must not be empty');
    const json = (v: unknown): string | undefined => {
      try {
        return JSON.stringify(v);
      } catch {
        return this.bad(path, 'enum values must be JSON');
      }
    };
    const lits = [...new Map(values.map((v) => [json(v), v])).keys()].map((s) => {
      if (s === undefined) this.bad(path, 'enum values must be JSON');
      return utf8.encode(s);
    });
    lits.sort(compareBytes);
    return this.add({ kind: Kind.Literals, lits });
  }

  /** The node of any JSON value (JSON mode and schemas `true` / `{}`). */
  any(): number {
    if (this.anyNode >= 0) return this.anyNode;
    const union = this.add({ kind: Kind.Union, alts: [], byFirst: new Int16Array(256).fill(-1) });
    this.anyNode = union;
    const obj = this.add({
      kind: Kind.Object,
      keys: [],
      keyNodes: [],
      required0: 0,
      required1: 0,
      additional: union,
    });
    const arr = this.add({ kind: Kind.Array, items: union, minItems: 0, maxItems: Number.MAX_SAFE_INTEGER });
    const str = this.stringNode(0, Number.MAX_SAFE_INTEGER);
    const num = this.add({ kind: Kind.Number, integer: false });
    const lit = this.literals([true, false, null], '');
    this.fillUnion(union, [obj, arr, str, num, lit], '');
    return union;
  }

  anyObject(): number {
    return this.add({
      kind: Kind.Object,
      keys: [],
      keyNodes: [],
      required0: 0,
      required1: 0,
      additional: this.any(),
    });
  }

  private stringNode(min: number, max: number): number {
    return this.add({ kind: Kind.String, minLength: min, maxLength: max });
  }

  /** First bytes a value of `node` can start with. */
  private firstBytes(node: number, seen = new Set<number>()): Set<number> {
    const out = new Set<number>();
    if (seen.has(node)) return out;
    seen.add(node);
    const n = this.nodes[node]!;
    switch (n.kind) {
      case Kind.Object:
        out.add(0x7b);
        break;
      case Kind.Array:
        out.add(0x5b);
        break;
      case Kind.String:
        out.add(0x22);
        break;
      case Kind.Number:
        for (const c of '-0123456789') out.add(c.charCodeAt(0));
        break;
      case Kind.Literals:
        for (const l of n.lits) out.add(l[0]!);
        break;
      case Kind.Union:
        for (const a of n.alts) for (const b of this.firstBytes(a, seen)) out.add(b);
        break;
    }
    return out;
  }

  private fillUnion(id: number, alts: number[], path: string): void {
    const u = this.nodes[id]!;
    if (u.kind !== Kind.Union)
      throw new UsageError(`JSON schema at ${path || '/'}: internal error (not a union)`);
    u.alts = alts;
    alts.forEach((a, i) => {
      for (const b of this.firstBytes(a)) {
        if (u.byFirst[b] !== -1)
          throw new UnsupportedError(
            `JSON schema at ${path || '/'}: alternatives that can start with the same character ('${String.fromCharCode(b)}') are not supported`,
            { field: path || '/' },
          );
        u.byFirst[b] = i;
      }
    });
  }

  private union(schemas: unknown[], path: string, key: string): number {
    if (schemas.length === 0) this.bad(path, `${key} must not be empty`);
    const id = this.add({ kind: Kind.Union, alts: [], byFirst: new Int16Array(256).fill(-1) });
    const alts = schemas.map((s, i) => this.compile(s, `${path}/${key}/${i}`));
    this.fillUnion(id, alts, path);
    return id;
  }

  private resolveRef(ref: string, path: string): number {
    const hit = this.refs.get(ref);
    if (hit !== undefined) return hit;
    const m = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
    if (!m && ref !== '#')
      throw new UnsupportedError(`JSON schema at ${path}: unsupported $ref ${ref}`, { field: path });
    let target: unknown = this.root;
    if (m) {
      const defs = isObj(this.root) ? this.root[m[1]!] : undefined;
      const name = m[2]!.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObj(defs) ? defs[name] : undefined;
      if (target === undefined) this.bad(path, `$ref ${ref} not found`);
    }
    // Placeholder union with one alternative, filled after compiling (allows recursion).
    const id = this.add({ kind: Kind.Union, alts: [], byFirst: new Int16Array(256).fill(-1) });
    this.refs.set(ref, id);
    const inner = this.compile(target, ref.slice(1));
    if (this.reachesWithoutInput(inner, id))
      this.bad(path, `$ref ${ref} refers to itself without an object or array in between (an endless loop)`);
    this.fillUnion(id, [inner], path);
    return id;
  }

  /** Whether `from` leads to `to` through unions only (nodes entered without reading a byte). */
  private reachesWithoutInput(from: number, to: number): boolean {
    const seen = new Set<number>();
    const stack = [from];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n === to) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      const node = this.nodes[n]!;
      if (node.kind === Kind.Union) for (const a of node.alts) stack.push(a);
    }
    return false;
  }

  compile(s: unknown, path: string): number {
    if (++this.depth > MAX_DEPTH) this.bad(path, `nested deeper than ${MAX_DEPTH} levels`);
    try {
      return this.compileInner(s, path);
    } finally {
      this.depth--;
    }
  }

  private compileInner(s: unknown, path: string): number {
    if (s === true) return this.any();
    if (s === false) this.bad(path, 'schema false accepts nothing');
    if (!isObj(s)) this.bad(path, 'a schema must be an object or a boolean');
    for (const k of Object.keys(s)) {
      if (UNENFORCED.has(k)) this.refuse(path, k, 'constrained output would not enforce it');
      if (!HANDLED.has(k) && !ANNOTATIONS.has(k)) this.ignored.push(`${path}/${k}`);
    }
    // Keywords that end compilation early: nothing beside them may change validity (const and
    // enum keep `type`, which filters their values).
    const head = (['$ref', 'const', 'enum', 'anyOf', 'oneOf', 'allOf'] as const).find((k) => k in s);
    if (head !== undefined)
      for (const k of Object.keys(s))
        if (k !== head && HANDLED.has(k) && !(k === 'type' && (head === 'const' || head === 'enum')))
          this.refuse(path, k, `it is not enforced beside "${head}"`);
    if (s.$ref !== undefined) {
      if (typeof s.$ref !== 'string') this.bad(path, '$ref must be a string');
      return this.resolveRef(s.$ref, path);
    }
    if ('const' in s) return this.literals(this.ofType([s.const], s.type, path), path);
    if (s.enum !== undefined) {
      if (!Array.isArray(s.enum)) this.bad(path, 'enum must be an array');
      return this.literals(this.ofType(s.enum, s.type, path), path);
    }
    for (const key of ['anyOf', 'oneOf'] as const) {
      if (s[key] !== undefined) {
        if (!Array.isArray(s[key])) this.bad(path, `${key} must be an array`);
        return this.union(s[key], path, key);
      }
    }
    if (s.allOf !== undefined) {
      if (!Array.isArray(s.allOf) || s.allOf.length !== 1)
        throw new UnsupportedError(`JSON schema at ${path || '/'}: allOf is supported with one schema only`, {
          field: path,
        });
      return this.compile(s.allOf[0], `${path}/allOf/0`);
    }
    let type = s.type;
    if (type === undefined) {
      if (s.properties !== undefined || s.additionalProperties !== undefined || s.required !== undefined)
        type = 'object';
      else if (s.items !== undefined || s.minItems !== undefined || s.maxItems !== undefined) type = 'array';
      else if (s.minLength !== undefined || s.maxLength !== undefined) type = 'string';
      else return this.any();
    }
    if (Array.isArray(type)) {
      if (type.length === 0) this.bad(path, 'type must not be empty');
      if (type.length === 1) type = type[0];
      else {
        const id = this.add({ kind: Kind.Union, alts: [], byFirst: new Int16Array(256).fill(-1) });
        const alts = type.map((t) => this.typed(s, t, path));
        this.fillUnion(id, alts, path);
        return id;
      }
    }
    return this.typed(s, type, path);
  }

  /** The values of an enum/const that have the schema's `type` (all of them without one). */
  private ofType(values: unknown[], type: unknown, path: string): unknown[] {
    if (type === undefined) return values;
    const types = Array.isArray(type) ? type : [type];
    for (const t of types)
      if (typeof t !== 'string' || !JSON_TYPES.has(t))
        this.bad(`${path}/type`, `unknown type ${JSON.stringify(t)}`);
    const kept = values.filter((v) => types.some((t) => hasType(v, t as string)));
    if (kept.length === 0) this.bad(path, 'no enum/const value has the given type');
    return kept;
  }

  private count(s: Record<string, unknown>, key: string, dflt: number, path: string): number {
    const v = s[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      this.bad(`${path}/${key}`, 'must be an integer ≥ 0');
    return v;
  }

  private typed(s: Record<string, unknown>, type: unknown, path: string): number {
    switch (type) {
      case 'string': {
        const min = this.count(s, 'minLength', 0, path);
        const max = this.count(s, 'maxLength', Number.MAX_SAFE_INTEGER, path);
        if (min > max) this.bad(path, 'minLength > maxLength');
        return this.stringNode(min, max);
      }
      case 'number':
      case 'integer':
        return this.add({ kind: Kind.Number, integer: type === 'integer' });
      case 'boolean':
        return this.literals([false, true], path);
      case 'null':
        return this.literals([null], path);
      case 'array': {
        const min = this.count(s, 'minItems', 0, path);
        const max = this.count(s, 'maxItems', Number.MAX_SAFE_INTEGER, path);
        if (min > max) this.bad(path, 'minItems > maxItems');
        const id = this.add({ kind: Kind.Array, items: -1, minItems: min, maxItems: max });
        const items = s.items === undefined ? this.any() : this.compile(s.items, `${path}/items`);
        (this.nodes[id] as { items: number }).items = items;
        return id;
      }
      case 'object':
        return this.object(s, path);
      default:
        return this.bad(`${path}/type`, `unknown type ${JSON.stringify(type)}`);
    }
  }

  private object(s: Record<string, unknown>, path: string): number {
    const props = s.properties ?? {};
    if (!isObj(props)) this.bad(`${path}/properties`, 'must be an object');
    const names = Object.keys(props);
    if (names.length + (Array.isArray(s.required) ? s.required.length : 0) > 64)
      throw new UnsupportedError(`JSON schema at ${path || '/'}: more than 64 properties`, { field: path });
    const required = s.required ?? [];
    if (!Array.isArray(required) || required.some((r) => typeof r !== 'string'))
      this.bad(`${path}/required`, 'must be an array of strings');
    for (const r of required as string[])
      if (!names.includes(r) && s.additionalProperties === false)
        this.bad(`${path}/required`, `required property ${JSON.stringify(r)} is not in properties`);
    const id = this.add({
      kind: Kind.Object,
      keys: [],
      keyNodes: [],
      required0: 0,
      required1: 0,
      additional: -1,
    });
    const ap = s.additionalProperties;
    const additional =
      ap === false
        ? -1
        : ap === undefined || ap === true
          ? this.any()
          : this.compile(ap, `${path}/additionalProperties`);
    // A required name that is not a listed property is a property with the additional schema.
    for (const r of required as string[]) if (!names.includes(r)) names.push(r);
    const entries = names.map((name) => ({
      bytes: utf8.encode(JSON.stringify(name).slice(1, -1)),
      node: name in props ? this.compile(props[name], `${path}/properties/${name}`) : additional,
      name,
    }));
    entries.sort((a, b) => compareBytes(a.bytes, b.bytes));
    const node = this.nodes[id] as Extract<GrammarNode, { kind: Kind.Object }>;
    node.keys = entries.map((e) => e.bytes);
    node.keyNodes = entries.map((e) => e.node);
    node.additional = additional;
    for (const r of required as string[]) {
      const k = entries.findIndex((e) => e.name === r);
      if (k < 32) node.required0 |= 1 << k;
      else node.required1 |= 1 << (k - 32);
    }
    return id;
  }
}

/** Compiles a JSON Schema; `true` (JSON mode) means any JSON object. */
export function compileJsonSchema(schema: JsonSchema | 'json-object'): CompiledSchema {
  if (schema === 'json-object') {
    const c = new Compiler(true);
    const root = c.anyObject();
    return { nodes: c.nodes, root, ignored: c.ignored };
  }
  const c = new Compiler(schema);
  const root = c.compile(schema, '');
  return { nodes: c.nodes, root, ignored: c.ignored };
}
